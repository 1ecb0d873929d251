"""ClusterGrafana and MetricsExporters under the offline engine: the recorded releases and ConfigMaps."""

import json

import pulumi_kubernetes as k8s
import pytest

from components.k8s.helm_chart import HelmChart
from components.monitoring.dashboards import platform_dashboards
from components.monitoring.exporters import MetricsExporters, MetricsExportersArgs
from components.monitoring.grafana import ClusterGrafana, ClusterGrafanaArgs, datasource_problems

RELEASE = "kubernetes:helm.sh/v3:Release"
CONFIGMAP = "kubernetes:core/v1:ConfigMap"
GRAFANA_CHART = HelmChart("grafana", "12.11.1", "https://grafana-community.github.io/helm-charts")
DATASOURCE = {"name": "Managed Prometheus", "type": "prometheus", "uid": "metrics", "access": "proxy",
              "url": "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/",
              "jsonData": {"sigV4Auth": True, "sigV4Region": "us-east-1", "sigV4AuthType": "default"}}
SYSTEM = {"mlinfra.io/pool": "system"}
TOLERATION = {"key": "CriticalAddonsOnly", "operator": "Exists", "effect": "NoSchedule"}
ROLE = {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/grafana"}


def grafana_program(dashboards=None, datasource=None):
    def program():
        provider = k8s.Provider("test", kubeconfig="{}")
        ClusterGrafana("dev-grafana", ClusterGrafanaArgs(
            provider=provider, chart=GRAFANA_CHART, datasource=datasource or DATASOURCE,
            dashboards=(platform_dashboards("metrics", {"g6.xlarge": 0.8}, runners=True) if dashboards is None
                        else dashboards),
            service_account_annotations=ROLE, node_selector=SYSTEM, tolerations=(TOLERATION,),
            labels={"app.kubernetes.io/part-of": "mlinfra"}))
    return program


@pytest.fixture(scope="module")
def recorded():
    from infra.offline.engine import run_program
    from tests.conftest import Registered

    return Registered(run_program(grafana_program()))


def test_grafana_is_cluster_ip_only_on_the_system_pool_with_its_identity(recorded):
    release = recorded.one(RELEASE, "dev-grafana-release").inputs
    assert (release["chart"], release["version"], release["namespace"], release["name"]) == (
        "grafana", "12.11.1", "grafana", "grafana")
    assert release["repositoryOpts"] == {"repo": "https://grafana-community.github.io/helm-charts"}
    values = release["values"]
    assert values["service"] == {"type": "ClusterIP"}
    assert "ingress" not in values and values["persistence"] == {"enabled": False}
    assert values["nodeSelector"] == SYSTEM and values["tolerations"] == [TOLERATION]
    assert values["serviceAccount"] == {"create": True, "name": "grafana", "annotations": ROLE}


def test_the_data_source_is_provisioned_as_default_and_read_only(recorded):
    values = recorded.one(RELEASE, "dev-grafana-release").inputs["values"]
    provisioned = values["datasources"]["datasources.yaml"]
    assert provisioned["apiVersion"] == 1
    assert provisioned["datasources"] == [{**DATASOURCE, "isDefault": True, "editable": False}]


def test_each_dashboard_is_a_configmap_the_sidecar_picks_up(recorded):
    sidecar = recorded.one(RELEASE, "dev-grafana-release").inputs["values"]["sidecar"]["dashboards"]
    assert sidecar == {"enabled": True, "label": "grafana_dashboard", "labelValue": "1", "searchNamespace": "grafana"}
    maps = {r.name: r.inputs for r in recorded.of_type(CONFIGMAP)}
    assert sorted(maps) == ["dev-grafana-dashboard-mlinfra-control-plane", "dev-grafana-dashboard-mlinfra-gpus",
                            "dev-grafana-dashboard-mlinfra-runners", "dev-grafana-dashboard-mlinfra-scheduling"]
    gpus = maps["dev-grafana-dashboard-mlinfra-gpus"]
    assert gpus["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert gpus["metadata"]["namespace"] == "grafana"
    assert json.loads(gpus["data"]["mlinfra-gpus.json"])["uid"] == "mlinfra-gpus"


def test_a_dashboard_reading_another_data_source_is_refused():
    boards = platform_dashboards("other", {})
    problems = datasource_problems(DATASOURCE, boards)
    assert problems[0] == "dashboard mlinfra-control-plane reads data source ['other'], not 'metrics'"
    assert datasource_problems({"uid": "metrics"}, {}) == ["datasource needs a plain `name`",
                                                           "datasource needs a plain `type`"]


def test_exporters_install_only_the_charts_given_with_node_labels_allowlisted(register):
    def program():
        provider = k8s.Provider("test", kubeconfig="{}")
        MetricsExporters("dev-exporters", MetricsExportersArgs(
            provider=provider, kube_state_metrics_chart=HelmChart(
                "kube-state-metrics", "7.0.0", "https://prometheus-community.github.io/helm-charts"),
            node_exporter_chart=None, node_selector=SYSTEM, tolerations=(TOLERATION,)))

    recorded = register(program)
    release = recorded.one(RELEASE).inputs
    assert release["name"] == "kube-state-metrics" and release["namespace"] == "kube-system"
    assert release["values"]["metricLabelsAllowlist"] == [
        "nodes=[mlinfra.io/pool,mlinfra.io/accelerator,mlinfra.io/capacity-type,node.kubernetes.io/instance-type,team]"]
    assert release["values"]["nodeSelector"] == SYSTEM


def test_node_exporter_tolerates_every_taint_so_gpu_nodes_report(register):
    def program():
        provider = k8s.Provider("test", kubeconfig="{}")
        MetricsExporters("e", MetricsExportersArgs(
            provider=provider, kube_state_metrics_chart=None,
            node_exporter_chart=HelmChart("prometheus-node-exporter", "4.0.0", "https://x")))

    assert register(program).one(RELEASE).inputs["values"]["tolerations"] == [{"operator": "Exists"}]


def test_the_gke_dcgm_exporter_gets_the_given_values_in_kube_system(register):
    from components.gcp.dcgm_exporter import gke_dcgm_values

    def program():
        provider = k8s.Provider("test", kubeconfig="{}")
        MetricsExporters("e", MetricsExportersArgs(
            provider=provider, kube_state_metrics_chart=None, node_exporter_chart=None,
            dcgm_chart=HelmChart("dcgm-exporter", "4.8.2", "https://nvidia.github.io/dcgm-exporter/helm-charts"),
            dcgm_values=gke_dcgm_values({"team": "ml"})))

    release = register(program).one(RELEASE).inputs
    assert (release["name"], release["namespace"], release["version"]) == ("dcgm-exporter", "kube-system", "4.8.2")
    values = release["values"]
    assert values["podLabels"] == {"team": "ml"} and values["securityContext"] == {"privileged": True}
    # The platform's counters: the chart's list plus throttling and NVLink errors, XID among the chart's own.
    assert "DCGM_FI_DEV_XID_ERRORS" in values["customMetrics"]
    assert "DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL" in values["customMetrics"]


def test_every_value_the_components_set_is_one_the_pinned_charts_read():
    from components.monitoring.exporters import kube_state_metrics_values, node_exporter_values
    from components.monitoring.grafana import grafana_values
    from infra.catalog.chart_values import undeclared_paths
    from infra.catalog.charts import CHARTS

    grafana = ClusterGrafanaArgs(provider=None, chart=GRAFANA_CHART, datasource=DATASOURCE, dashboards={},
                                 service_account_annotations=ROLE, node_selector=SYSTEM, tolerations=(TOLERATION,))
    exporters = MetricsExportersArgs(provider=None, kube_state_metrics_chart=None, node_exporter_chart=None,
                                     node_selector=SYSTEM, tolerations=(TOLERATION,), labels={"a": "b"})
    assert (GRAFANA_CHART.chart, GRAFANA_CHART.version, GRAFANA_CHART.repository) == (
        CHARTS["grafana"].chart, CHARTS["grafana"].version, CHARTS["grafana"].repository)
    assert undeclared_paths(CHARTS["grafana"].value_paths, grafana_values(grafana)) == []
    assert undeclared_paths(CHARTS["kube-state-metrics"].value_paths, kube_state_metrics_values(exporters)) == []
    assert undeclared_paths(CHARTS["prometheus-node-exporter"].value_paths, node_exporter_values(exporters)) == []
    from components.gcp.dcgm_exporter import gke_dcgm_values
    assert undeclared_paths(CHARTS["dcgm-exporter"].value_paths, gke_dcgm_values({"a": "b"})) == []
    # A misspelt key is caught: the chart reads `persistence.enabled`, not `persistence.enable`.
    assert undeclared_paths(CHARTS["grafana"].value_paths, {"persistence": {"enable": False}}) == [
        "persistence.enable"]


def test_plugins_must_be_pinned_to_a_version():
    from components.monitoring.grafana import unpinned_plugins

    assert unpinned_plugins(["grafana-amazonprometheus-datasource@3.3.4"]) == []
    assert unpinned_plugins(["grafana-amazonprometheus-datasource"]) == [
        "plugin 'grafana-amazonprometheus-datasource' must be pinned as <id>@<version>"]
