"""Grafana dashboards built with Grafana's own grafana-foundation-sdk: time series or stat panels over PromQL
targets, on one data source, checked against the SDK's dashboard model.

The SDK (grafana/grafana-foundation-sdk, PyPI `grafana-foundation-sdk` 1769699998!10.1.0, its Grafana 10.1
types and builders) writes the JSON; `dashboard_json` then reads that JSON back through the SDK's
`models.dashboard.Dashboard.from_json` and refuses a dashboard whose round trip changes it, so a field the
model does not know, or a value of the wrong shape, fails the build instead of reaching Grafana.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from grafana_foundation_sdk.builders import common, prometheus, stat, timeseries
from grafana_foundation_sdk.builders import dashboard as dashboard_builder
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common as common_model
from grafana_foundation_sdk.models import dashboard as dashboard_model

PANEL_WIDTH = 12
PANEL_HEIGHT = 8


def _timeseries():
    # Options spelled out, never null: a legend listed under the graph, every series in the tooltip.
    return (timeseries.Panel()
            .legend(common.VizLegendOptions().display_mode(common_model.LegendDisplayMode.LIST)
                    .placement(common_model.LegendPlacement.BOTTOM).show_legend(True))
            .tooltip(common.VizTooltipOptions().mode(common_model.TooltipDisplayMode.MULTI)
                     .sort(common_model.SortOrder.NONE)))


def _stat():
    return stat.Panel().reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]).values(False))


PANEL_KINDS = {"timeseries": _timeseries, "stat": _stat}


@dataclass(frozen=True)
class Query:
    """One PromQL target and how its series are named in the legend."""

    expr: str
    legend: str = ""


@dataclass(frozen=True)
class Panel:
    """A panel: its title, kind (`timeseries` or `stat`), unit and queries."""

    title: str
    queries: tuple[Query, ...]
    unit: str = "short"
    kind: str = "timeseries"
    description: str = ""


class DashboardModelError(ValueError):
    """A generated dashboard that Grafana's dashboard model does not read back unchanged."""


def _panel(panel: Panel, panel_id: int, datasource: dashboard_model.DataSourceRef, position: int):
    """One panel builder, laid out two to a row."""
    if panel.kind not in PANEL_KINDS:
        raise ValueError(f"panel {panel.title!r}: kind must be one of {sorted(PANEL_KINDS)} (got {panel.kind!r})")
    builder = (PANEL_KINDS[panel.kind]().id(panel_id).title(panel.title).description(panel.description)
               .datasource(datasource).unit(panel.unit)
               .grid_pos(dashboard_model.GridPos(h=PANEL_HEIGHT, w=PANEL_WIDTH, x=(position % 2) * PANEL_WIDTH,
                                                 y=(position // 2) * PANEL_HEIGHT)))
    for index, query in enumerate(panel.queries):
        builder = builder.with_target(
            prometheus.Dataquery().ref_id(chr(ord("A") + index)).datasource(datasource).expr(query.expr)
            .legend_format(query.legend or "__auto").range())
    return builder


def to_json(model) -> dict:
    """A built SDK object as the JSON Grafana stores."""
    return json.loads(JSONEncoder().encode(model))


def checked(board: dict) -> dict:
    """`board`, after reading it back through the SDK's dashboard model: it must come back unchanged."""
    again = to_json(dashboard_model.Dashboard.from_json(board))
    if again != board:
        changed = sorted(k for k in set(board) | set(again) if board.get(k) != again.get(k))
        raise DashboardModelError(f"dashboard {board.get('uid')!r}: Grafana's dashboard model does not read back "
                                  f"{', '.join(changed)}")
    return board


def dashboard_json(uid: str, title: str, panels: Sequence[Panel], datasource: dict, schema_version: int,
                   tags: Sequence[str] = ("mlinfra",)) -> dict:
    """A whole dashboard: the panels in order, the last 6 hours in UTC, refreshed every minute, read-only."""
    source = dashboard_model.DataSourceRef(type_val=datasource["type"], uid=datasource["uid"])
    builder = (dashboard_builder.Dashboard(title).uid(uid).tags(list(tags)).version(1).readonly().timezone("utc")
               .refresh("1m").time("now-6h", "now"))
    for index, panel in enumerate(panels):
        builder = builder.with_panel(_panel(panel, index + 1, source, index))
    model = builder.build()
    # The SDK's 10.1 types default to schemaVersion 36; the platform states the version it was checked
    # against (components/monitoring/dashboards.SCHEMA_VERSION), and Grafana migrates up from it.
    model.schema_version = schema_version
    return checked(to_json(model))
