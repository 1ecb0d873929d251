"""Dashboards: built with grafana-foundation-sdk and read back by its dashboard model, on one data source,
every panel and query of the hand-written JSON they replaced, every expression parsed by promtool."""

import json
from pathlib import Path

import pytest
import yaml

from components.monitoring.dashboards import SCHEMA_VERSION, platform_dashboards
from components.monitoring.panels import DashboardModelError, Panel, Query, checked, dashboard_json
from tests.components.monitoring.prom_tools import promtool
from tests.components.monitoring.promql_ast import metric_names

PRICES = {"g2-standard-4": 0.7068}
# What the hand-written panels.py produced at main@f1d0d07 (the commit before the SDK), for
# platform_dashboards("amp", BEFORE_PRICES, runners=True): per dashboard its title and, per panel, the
# title, description, unit, type and (refId, expr, legendFormat) of every target.
BEFORE = json.loads((Path(__file__).parent / "data" / "dashboards_before_sdk.json").read_text())
BEFORE_PRICES = {"g2-standard-4": 0.7068, "p5.48xlarge": 98.32}


def _summary(boards: dict) -> dict:
    return {uid: {"title": b["title"], "panels": [
        {"title": p["title"], "description": p["description"], "unit": p["fieldConfig"]["defaults"]["unit"],
         "type": p["type"], "targets": [[t["refId"], t["expr"], t["legendFormat"]] for t in p["targets"]]}
        for p in b["panels"]]} for uid, b in boards.items()}


def test_the_sdk_dashboards_keep_every_panel_and_query_they_had():
    after = _summary(platform_dashboards("amp", BEFORE_PRICES, runners=True))
    assert after == BEFORE
    assert sum(len(b["panels"]) for b in after.values()) == 19
    assert sum(len(p["targets"]) for b in after.values() for p in b["panels"]) == 26


def test_four_dashboards_each_panel_on_the_given_data_source_and_parsing():
    boards = platform_dashboards("amp", PRICES, runners=True)
    assert list(boards) == ["mlinfra-gpus", "mlinfra-scheduling", "mlinfra-runners", "mlinfra-control-plane"]
    for uid, board in boards.items():
        assert board["uid"] == uid and board["schemaVersion"] == SCHEMA_VERSION and board["panels"]
        assert board["editable"] is False and board["timezone"] == "utc" and board["refresh"] == "1m"
        assert [p["id"] for p in board["panels"]] == list(range(1, len(board["panels"]) + 1))
        # Two to a row, 12 wide and 8 high.
        assert [(p["gridPos"]["x"], p["gridPos"]["y"]) for p in board["panels"][:3]] == [(0, 0), (12, 0), (0, 8)]
        for panel in board["panels"]:
            assert panel["datasource"] == {"type": "prometheus", "uid": "amp"}
            assert panel["options"]["legend"]["displayMode"] == "list"  # options spelled out, never null
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == "amp" and target["range"] is True
                assert metric_names(target["expr"]), (uid, panel["title"])


def test_every_dashboard_expression_parses_with_promtool(tmp_path):
    """Each target as a recording rule: promtool check rules runs Prometheus' own PromQL parser on it."""
    exprs = [t["expr"] for b in platform_dashboards("amp", PRICES, runners=True).values()
             for p in b["panels"] for t in p["targets"]]
    rules = {"groups": [{"name": "dashboards", "rules": [
        {"record": f"mlinfra:dashboard_query_{i}", "expr": expr} for i, expr in enumerate(exprs)]}]}
    path = tmp_path / "dashboard-queries.yaml"
    path.write_text(yaml.safe_dump(rules, sort_keys=False))
    result = promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(exprs)} rules found" in result.stdout


def test_the_sdk_model_refuses_a_field_grafana_does_not_know():
    board = dashboard_json("u", "t", (Panel("p", (Query("up"),)),), {"type": "prometheus", "uid": "x"}, 41)
    assert checked(board) == board
    with pytest.raises(DashboardModelError, match="dashboard 'u': Grafana's dashboard model does not read back "
                                                  "sharedCrosshair"):
        checked({**board, "sharedCrosshair": True})


def test_a_panel_of_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match=r"panel 'p': kind must be one of \['stat', 'timeseries'\] \(got 'graph'\)"):
        dashboard_json("u", "t", (Panel("p", (Query("up"),), kind="graph"),), {"type": "prometheus", "uid": "x"}, 41)


def test_idle_cost_panel_uses_the_catalog_prices_and_is_left_out_without_them():
    titles = [p["title"] for p in platform_dashboards("x", PRICES)["mlinfra-gpus"]["panels"]]
    assert "Idle GPU nodes: cost per hour" in titles
    cost = next(p for p in platform_dashboards("x", PRICES)["mlinfra-gpus"]["panels"]
                if p["title"] == "Idle GPU nodes: cost per hour")
    assert 'vector(0.7068), "label_node_kubernetes_io_instance_type", "g2-standard-4"' in cost["targets"][0]["expr"]
    assert cost["fieldConfig"]["defaults"]["unit"] == "currencyUSD"
    assert "Idle GPU nodes: cost per hour" not in [
        p["title"] for p in platform_dashboards("x", {})["mlinfra-gpus"]["panels"]]


def test_a_cluster_without_runners_gets_no_runner_dashboard():
    assert list(platform_dashboards("amp", PRICES, runners=False)) == [
        "mlinfra-gpus", "mlinfra-scheduling", "mlinfra-control-plane"]


def test_utilisation_panels_read_mig_instances_through_graphics_engine_activity():
    gpus = {p["title"]: p for p in platform_dashboards("x", PRICES)["mlinfra-gpus"]["panels"]}
    for title in ("GPU utilisation by pool", "GPU utilisation by team", "GPU utilisation by node"):
        expr = gpus[title]["targets"][0]["expr"]
        assert 'DCGM_FI_DEV_GPU_UTIL{GPU_I_ID=""}' in expr, title
        assert 'DCGM_FI_PROF_GR_ENGINE_ACTIVE{GPU_I_ID!=""}' in expr, title
