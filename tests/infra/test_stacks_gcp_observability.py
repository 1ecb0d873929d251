"""GKE observability in the recorded dev and prod plans: GPU metrics from the platform's dcgm-exporter on the GPU
pools (in place of GKE's DCGM package),
the shared rules as ClusterRules, the Alertmanager receivers kept secret, Grafana on GMP, and nothing at all
when a stack turns observability off."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import yaml
from google.protobuf import json_format

from components.monitoring.dashboards import platform_dashboards
from components.monitoring.dataset_rules import dataset_alert_rules
from components.monitoring.rules import platform_alert_rules, rule_groups
from infra.compose.observability import alert_thresholds, runbook_base
from infra.compose.observability_gcp import gpu_hourly_prices, rule_scope
from infra.config.load import parse_stack_config
from infra.config.stack import budget_for
from infra.offline.document import build_document
from infra.offline.engine import STACKS_DIR, run_stack_file
from infra.offline.stackfile import load_stack_file
from tests.helpers import stack_run

GKE = {"dev": "dev-gke", "prod": "infer-gcp"}
GMP = "kubernetes:monitoring.googleapis.com/v1"
SECRET_SIG = "4dabf18193072939515e22adb298388d"  # the engine's special-signature key
HOOK = "https://hooks.example.com/services/T000/B000/not-for-the-plan"


def of_type(run, type_):
    return [r for r in run.resources if r.type == type_]


def config_of(stack_file):
    values = {k.split(":", 1)[1]: json.loads(v) if v[:1] in "[{" else v for k, v in stack_file.config.items()
              if k.startswith("mlinfra:")}
    return parse_stack_config(values, stack_file.name)


@pytest.mark.parametrize("stack", sorted(GKE))
def test_gpu_nodes_are_scraped_by_the_platforms_dcgm_exporter_not_gkes_package(stack):
    run = stack_run(stack)
    [cluster] = of_type(run, "gcp:container/cluster:Cluster")
    monitoring = cluster.inputs["monitoringConfig"]
    assert monitoring["managedPrometheus"] == {"enabled": True}
    # GKE's DCGM package has no XID or error counters and cannot be given any (components/gcp/dcgm_exporter.py):
    # it is left out, and the platform's exporter runs instead (one exporter per node, never two).
    # APISERVER: the control-plane panels.
    assert "DCGM" not in monitoring["enableComponents"] and "APISERVER" in monitoring["enableComponents"]
    gpu_pools = [p for p in of_type(run, "gcp:container/nodePool:NodePool")
                 if p.inputs["nodeConfig"].get("guestAccelerators")]
    assert gpu_pools
    for pool in gpu_pools:
        # The exporter loads the driver GKE installs (/home/kubernetes/bin/nvidia), which every GPU pool asks for.
        for accelerator in pool.inputs["nodeConfig"]["guestAccelerators"]:
            assert accelerator["gpuDriverInstallationConfig"]["gpuDriverVersion"] in ("DEFAULT", "LATEST"), pool.name
    [dcgm] = [r for r in of_type(run, "kubernetes:helm.sh/v3:Release")
              if r.name.startswith(GKE[stack]) and r.inputs["chart"] == "dcgm-exporter"]
    values = dcgm.inputs["values"]
    assert dcgm.inputs["version"] == "4.8.2" and dcgm.inputs["namespace"] == "kube-system"
    assert "DCGM_FI_DEV_XID_ERRORS" in values["customMetrics"]
    assert values["extraHostVolumes"] == [{"name": "nvidia-install-dir-host",
                                           "hostPath": "/home/kubernetes/bin/nvidia"}]
    assert {"name": "nvidia-install-dir-host", "mountPath": "/usr/local/nvidia", "readOnly": True} in \
        values["extraVolumeMounts"]
    # The chart's own counters mount, which extraVolumeMounts replaces, is kept: customMetrics reaches the file.
    assert {"name": "exporter-metrics-volume", "mountPath": "/etc/dcgm-exporter/default-counters.csv",
            "subPath": "default-counters.csv"} in values["extraVolumeMounts"]
    assert values["extraEnv"] == [{"name": "LD_LIBRARY_PATH", "value": "/usr/local/nvidia/lib64"}]
    assert values["securityContext"] == {"privileged": True}
    assert values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"] == [{"matchExpressions": [{"key": "cloud.google.com/gke-accelerator",
                                                        "operator": "Exists"}]}]
    monitorings = {r.inputs["metadata"]["name"]: r.inputs["spec"]
                   for r in of_type(run, f"{GMP}:ClusterPodMonitoring")}
    assert monitorings["mlinfra-dcgm-exporter"]["selector"] == {"matchLabels": {"app.kubernetes.io/name":
                                                                                "dcgm-exporter"}}
    assert monitorings["mlinfra-dcgm-exporter"]["endpoints"][0]["port"] == "metrics"
    # No target labels: the series keep the namespace and pod of the workload using the GPU.
    assert monitorings["mlinfra-dcgm-exporter"]["targetLabels"] == {"metadata": []}


@pytest.mark.parametrize("stack", sorted(GKE))
def test_exporters_are_scraped_cluster_wide_with_their_own_labels(stack):
    monitorings = {r.inputs["metadata"]["name"]: r.inputs["spec"]
                   for r in of_type(stack_run(stack), f"{GMP}:ClusterPodMonitoring")}
    assert monitorings["mlinfra-kube-state-metrics"]["selector"] == {
        "matchLabels": {"app.kubernetes.io/name": "kube-state-metrics"}}
    assert monitorings["mlinfra-kube-state-metrics"]["targetLabels"] == {"metadata": []}
    assert monitorings["mlinfra-node-exporter"]["targetLabels"] == {"metadata": ["node"]}


@pytest.mark.parametrize("stack", sorted(GKE))
def test_cluster_rules_hold_the_shared_rule_groups(stack):
    run = stack_run(stack)
    config = config_of(run.stack_file)
    cluster = config.clusters[GKE[stack]]
    expected = rule_groups(platform_alert_rules(
        alert_thresholds(config), rule_scope(stack, GKE[stack], cluster), spend_per_hour_budget=budget_for(config),
        gpu_hourly_prices=gpu_hourly_prices(cluster)) + (dataset_alert_rules() if config.datasets else ()),
        interval_seconds=config.observability.scrape_interval_seconds * 2, runbook_base=runbook_base(config))
    [rules] = of_type(run, f"{GMP}:ClusterRules")
    assert rules.inputs["spec"] == expected
    names = [r["alert"] for r in rules.inputs["spec"]["groups"][0]["rules"]]
    # GKE's autoscaler has no metrics: its rule is left out, the unschedulable-pods rule stands in. No `up`
    # rules (GMP's ClusterRules read the exporters' own series). The platform's dcgm-exporter (#28) has the
    # XID, row-remap, throttling and NVLink counters, so their rules are there.
    assert "ClusterAutoscalerScaleUpFailing" not in names and "PodsUnschedulable" in names
    assert {"ScrapeTargetDown", "MetricsScraperMissing"}.isdisjoint(names)
    assert {"GpuXidError", "GpuUncorrectableMemoryErrors", "GpuThermalThrottling", "GpuPowerThrottling",
            "GpuNvlinkErrors"} <= set(names)
    assert {"GpuUtilisationLow", "GpuNodeMissingGpus", "KubeStateMetricsMissing", "GpuMetricsMissing"} <= set(names)


@pytest.mark.parametrize("stack", sorted(GKE))
def test_grafana_reads_gmp_through_the_frontend_and_is_cluster_internal(stack):
    run = stack_run(stack)
    # The GKE cluster's Grafana (the stack's EKS cluster has its own).
    [release] = [r for r in of_type(run, "kubernetes:helm.sh/v3:Release")
                 if r.inputs["chart"] == "grafana" and r.name == f"{GKE[stack]}-grafana-release"]
    [source] = release.inputs["values"]["datasources"]["datasources.yaml"]["datasources"]
    assert source["type"] == "prometheus" and source["url"] == \
        "http://gmp-frontend.gmp-frontend.svc.cluster.local:9090"
    assert release.inputs["values"]["service"] == {"type": "ClusterIP"}
    [service] = [s for s in of_type(run, "kubernetes:core/v1:Service")
                 if s.inputs["metadata"]["name"] == "gmp-frontend"]
    assert service.inputs["spec"]["type"] == "ClusterIP"
    # The frontend answers unauthenticated with the reader account's rights: only Grafana's namespace reaches
    # it, only on its port (#26; GKE Dataplane V2 enforces NetworkPolicy).
    [policy] = [p for p in of_type(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
                if p.inputs["metadata"]["namespace"] == "gmp-frontend"]
    assert policy.inputs["spec"] == {
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "gmp-frontend"}}, "policyTypes": ["Ingress"],
        "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "grafana"}}}],
                     "ports": [{"protocol": "TCP", "port": 9090}]}]}
    grafana_ns = [n for n in of_type(run, "kubernetes:core/v1:Namespace") if n.provider == service.provider
                  and n.inputs["metadata"]["name"] == "grafana"]
    assert len(grafana_ns) == 1
    boards = {json.loads(next(iter(c.inputs["data"].values())))["uid"]
              for c in of_type(run, "kubernetes:core/v1:ConfigMap") if c.name.startswith(f"{GKE[stack]}-grafana")}
    # The runner dashboard only where the cluster runs runner scale sets.
    config = config_of(run.stack_file)
    runners = bool(config.clusters[GKE[stack]].runners)
    # The datasets dashboard only where the cluster mounts datasets (components/monitoring/dataset_panels.py).
    mounts = any(c.cluster == GKE[stack] for d in config.datasets.values() for c in d.consumers.values())
    assert boards == set(platform_dashboards("gmp", {"x": 1.0}, runners=runners)) | (
        {"mlinfra-datasets"} if mounts else set())


def _with_observability(stack, **observability):
    stack_file = load_stack_file(STACKS_DIR, stack)
    config = dict(stack_file.config)
    own = json.loads(config.get("mlinfra:observability", "{}"))
    config["mlinfra:observability"] = json.dumps({**own, **observability})
    return replace(stack_file, config=config)


def test_the_webhook_and_receivers_reach_the_alertmanager_secret_and_nowhere_else():
    stack_file = _with_observability("dev", notify={"webhook_url": HOOK, "emails": ["oncall@acme-ml.example.com"]})
    gcp = json.loads(stack_file.config["mlinfra:gcp"])
    gcp["alert_smtp"] = {"smarthost": "smtp-relay.gmail.com:587", "sender": "alerts@acme-ml.example.com"}
    stack_file = replace(stack_file, config={**stack_file.config, "mlinfra:gcp": json.dumps(gcp)},
                         secret_keys=[*stack_file.secret_keys, "mlinfra:observability"])
    run = run_stack_file(stack_file)
    [secret] = [r for r in of_type(run, "kubernetes:core/v1:Secret") if r.name == "dev-gke-gmp-alertmanager"]
    assert secret.inputs["metadata"] | {"labels": None} == {"name": "alertmanager", "namespace": "gmp-public",
                                                          "labels": None}
    assert secret.inputs["stringData"] == "[secret]"
    document = json.dumps(build_document(run))
    assert HOOK not in document and "hooks.example.com" not in document
    # What the managed Alertmanager will read, from the recorded (secret) value the engine holds.
    raw = json_format.MessageToDict(secret.request.object)["stringData"]
    assert set(raw) == {SECRET_SIG, "value"}  # the engine holds it as a secret, whole
    config = yaml.safe_load(raw["value"]["alertmanager.yaml"])
    assert [r["name"] for r in config["receivers"]] == ["webhook", "email"]
    assert config["receivers"][0]["webhook_configs"][0]["url"] == HOOK
    assert config["receivers"][1]["email_configs"][0]["smarthost"] == "smtp-relay.gmail.com:587"


def test_observability_off_creates_none_of_it():
    run = run_stack_file(_with_observability("dev", enabled=False))
    gmp_types = {r.type for r in run.resources if r.type.startswith(GMP)}
    assert gmp_types == set()
    names = [r.name for r in run.resources if r.name.startswith("dev-gke-")
             and any(part in r.name for part in ("-gmp", "-query", "-grafana", "-exporters"))]
    assert names == []
    [cluster] = of_type(run, "gcp:container/cluster:Cluster")
    assert "APISERVER" not in cluster.inputs["monitoringConfig"]["enableComponents"]
    # Without the platform's collection GKE's own DCGM package keeps the GPU metrics in Cloud Monitoring.
    assert "DCGM" in cluster.inputs["monitoringConfig"]["enableComponents"]
    # The 25 GKE observability resources of the dev plan (tests/infra/test_stacks.py) are all gone (20, then the
    # query frontend's NetworkPolicy, #26, then the dcgm-exporter release and its ClusterPodMonitoring, #28, and
    # the GCS FUSE driver's scrape and the datasets dashboard, #27).
    gke_obs = [r for r in stack_run("dev").resources if r.name.startswith("dev-gke-")
               and any(part in r.name for part in ("-gmp", "-query", "-grafana", "-exporters"))]
    assert len(gke_obs) == 25
    # With nothing to scrape them, the dataset volumes keep GKE's default: no metrics from the sidecar.
    [pv] = [r for r in run.resources if r.name == "dev-gke-imagenet-gcs-gke-pv"]
    assert "disableMetrics" not in pv.inputs["spec"]["csi"]["volumeAttributes"]
