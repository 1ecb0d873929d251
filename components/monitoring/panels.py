"""Grafana panel JSON builders: a time series or stat panel over PromQL targets, on one data source."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PANEL_WIDTH = 12
PANEL_HEIGHT = 8


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


def panel_json(panel: Panel, panel_id: int, datasource: dict, position: int) -> dict:
    """One panel in Grafana's dashboard JSON, laid out two to a row."""
    return {
        "id": panel_id, "type": panel.kind, "title": panel.title, "description": panel.description,
        "datasource": datasource,
        "gridPos": {"h": PANEL_HEIGHT, "w": PANEL_WIDTH, "x": (position % 2) * PANEL_WIDTH,
                    "y": (position // 2) * PANEL_HEIGHT},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "options": {},
        "targets": [{"refId": chr(ord("A") + index), "datasource": datasource, "expr": query.expr,
                     "legendFormat": query.legend or "__auto", "range": True}
                    for index, query in enumerate(panel.queries)],
    }


def dashboard_json(uid: str, title: str, panels: Sequence[Panel], datasource: dict, schema_version: int,
                   tags: Sequence[str] = ("mlinfra",)) -> dict:
    """A whole dashboard: the panels in order, the last 6 hours, refreshed every minute."""
    return {
        "uid": uid, "title": title, "tags": list(tags), "schemaVersion": schema_version, "version": 1,
        "editable": False, "timezone": "utc", "refresh": "1m",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": []}, "annotations": {"list": []},
        "panels": [panel_json(panel, index + 1, datasource, index) for index, panel in enumerate(panels)],
    }
