"""Dashboards: Grafana JSON on one data source, every target parses, prices reach the idle-cost panel."""

from components.monitoring.dashboards import SCHEMA_VERSION, platform_dashboards
from tests.components.monitoring.promql_ast import metric_names

PRICES = {"g2-standard-4": 0.7068}


def test_four_dashboards_each_panel_on_the_given_data_source_and_parsing():
    boards = platform_dashboards("amp", PRICES, runners=True)
    assert list(boards) == ["mlinfra-gpus", "mlinfra-scheduling", "mlinfra-runners", "mlinfra-control-plane"]
    for uid, board in boards.items():
        assert board["uid"] == uid and board["schemaVersion"] == SCHEMA_VERSION and board["panels"]
        assert [p["id"] for p in board["panels"]] == list(range(1, len(board["panels"]) + 1))
        for panel in board["panels"]:
            assert panel["datasource"] == {"type": "prometheus", "uid": "amp"}
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == "amp"
                assert metric_names(target["expr"]), (uid, panel["title"])


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
