"""promtool over the plans' own rule files: `check rules` on every generated group, and `test rules` unit tests
for every alert, with input series shaped as they are stored after each collector's scrape and relabelling.

Series shapes (the labels a collector adds to an exporter's own):
- EKS, the AMP managed scraper with the plan's configuration: `job` (the scrape job), `instance`,
  `cluster`, and the target labels components/aws/scrape_config.py gives each job (`node` for node-exporter
  and DCGM; namespace, pod and node for the autoscaler; none for kube-state-metrics and the listener). The
  loopback test (test_loopback_prometheus.py) reads these shapes back from a real Prometheus.
- GKE, GMP managed collection: `project_id`, `location`, `cluster` forced on every series, `job` = the
  (Cluster)PodMonitoring's name, `instance`, and the `targetLabels.metadata` it asks for
  (GoogleCloudPlatform/prometheus-engine@v0.17.2:pkg/operator/apis/monitoring/v1/pod_config.go,
  ScrapeConfigs and endpointScrapeConfig, read 2026-12-07). ClusterRules only see their own cluster's data
  (rules_types.go), so the GKE rules carry no cluster filter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pytest
import yaml

from components.monitoring.rules import (
    AlertThresholds,
    ClusterScope,
    RuleScope,
    platform_alert_rules,
    rule_groups,
)
from tests.components.monitoring.prom_tools import promtool
from tests.helpers import stack_run

GPU_NODE, CPU_NODE, MIG_NODE = "ip-10-10-1-10.ec2.internal", "ip-10-10-3-50.ec2.internal", "ip-10-10-1-30.ec2.internal"


def rule_files(stack: str) -> dict[str, dict]:
    """Every rule file a stack's plan sends: its AMP rule groups namespace and each GKE ClusterRules."""
    found = {}
    for r in stack_run(stack).resources:
        if r.type == "aws:amp/ruleGroupNamespace:RuleGroupNamespace":
            found[f"{stack}/{r.name}"] = yaml.safe_load(r.inputs["data"])
        elif r.type == "kubernetes:monitoring.googleapis.com/v1:ClusterRules":
            found[f"{stack}/{r.name}"] = {"groups": r.inputs["spec"]["groups"]}
    return found


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_promtool_accepts_every_generated_rule_group(stack, tmp_path):
    files = rule_files(stack)
    assert files, f"{stack} renders no rules"
    for name, content in files.items():
        path = tmp_path / (name.replace("/", "_") + ".yaml")
        path.write_text(yaml.safe_dump(content, sort_keys=False))
        result = promtool("check", "rules", str(path))
        count = sum(len(g["rules"]) for g in content["groups"])
        assert result.returncode == 0, (name, result.stdout, result.stderr)
        assert f"SUCCESS: {count} rules found" in result.stdout, (name, result.stdout)


@dataclass(frozen=True)
class Shape:
    """How one collector stores series: the labels it adds to every series, and per job its name and extras."""

    common: Mapping[str, str]
    jobs: Mapping[str, str]
    # Target labels per exporter (beyond job and instance), as a function of the pod's node.
    targets: Mapping[str, Callable[[str], dict[str, str]]] = field(default_factory=dict)

    def series(self, exporter: str, node: str, labels: Mapping[str, str]) -> dict[str, str]:
        extra = self.targets.get(exporter, lambda _: {})(node)
        return {**labels, **self.common, "job": self.jobs[exporter], "instance": f"10.10.0.9:{exporter}",
                **extra}


EKS = Shape(
    common={"cluster": "dev-dev"},
    jobs={k: k for k in ("kube-state-metrics", "prometheus-node-exporter", "dcgm-exporter", "cluster-autoscaler",
                         "arc-listener")},
    targets={"prometheus-node-exporter": lambda node: {"node": node},
             "dcgm-exporter": lambda node: {"node": node},
             "cluster-autoscaler": lambda node: {"namespace": "kube-system", "pod": "aws-cluster-autoscaler-5c9d",
                                                 "node": node}})
GKE = Shape(
    common={"project_id": "acme-ml-dev", "location": "us-central1-a", "cluster": "dev-dev-gke"},
    jobs={"kube-state-metrics": "mlinfra-kube-state-metrics", "prometheus-node-exporter": "mlinfra-node-exporter",
          # The platform's dcgm-exporter (components/gcp/dcgm_exporter.py), scraped by the ClusterPodMonitoring
          # mlinfra-dcgm-exporter with no target labels: its series keep DCGM's own labels.
          "dcgm-exporter": "mlinfra-dcgm-exporter"},
    targets={"prometheus-node-exporter": lambda node: {"node": node}})


def _dcgm_gpu(node: str, pod: str | None = "train-0", mig: str | None = None) -> dict[str, str]:
    labels = {"gpu": "0", "UUID": "GPU-3b0e7c9a-1f2d-4e5b-8a6c-0d1e2f3a4b5c", "pci_bus_id": "00000000:31:00.0",
              "device": "nvidia0", "modelName": "NVIDIA L4", "Hostname": node}
    if mig:
        labels |= {"GPU_I_PROFILE": "3g.40gb", "GPU_I_ID": mig}
    if pod:
        labels |= {"container": "trainer", "namespace": "ml", "pod": pod}
    return labels


def _fmt(labels: Mapping[str, str], name: str) -> str:
    return name + "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


class Case:
    """One promtool test: input series, and per alert the labels it must fire with at `for` + 5 minutes."""

    def __init__(self, shape: Shape, pool: str):
        self.shape, self.pool, self.inputs, self.expected = shape, pool, [], {}

    def add(self, exporter: str, name: str, labels: Mapping[str, str], values: str, node: str = CPU_NODE) -> dict:
        full = self.shape.series(exporter, node, labels)
        self.inputs.append({"series": _fmt(full, name), "values": values})
        return full

    def node(self, node: str, gpus: int | None, ready: bool = True, node_exporter: bool = True) -> dict:
        """A node as kube-state-metrics (and node-exporter) report it; returns kube_node_labels' labels."""
        info = self.add("kube-state-metrics", "kube_node_info", {"node": node, "internal_ip": "10.10.1.10"}, "1x90")
        labels = self.add("kube-state-metrics", "kube_node_labels", {
            "node": node, "label_mlinfra_io_pool": self.pool, "label_node_kubernetes_io_instance_type": "g6.xlarge"},
            "1x90")
        if gpus is not None:
            self.add("kube-state-metrics", "kube_node_status_allocatable",
                     {"node": node, "resource": "nvidia_com_gpu", "unit": "integer"}, f"{gpus}x90")
        self.add("kube-state-metrics", "kube_node_status_condition",
                 {"node": node, "condition": "Ready", "status": "true"}, f"{int(ready)}x90")
        if node_exporter:
            self.add("prometheus-node-exporter", "node_cpu_seconds_total", {"cpu": "0", "mode": "idle"},
                     "0+60x90", node=node)
        return {"info": info, "labels": labels}


def _without_name(labels: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in labels.items() if k != "__name__"}


def _pick(labels: Mapping[str, str], *keys: str) -> dict[str, str]:
    return {k: labels[k] for k in keys if labels.get(k)}


GPU_BY = ("cluster", "node", "gpu", "GPU_I_ID", "modelName", "namespace", "pod")


def build(shape: Shape, pool: str, cluster: str | None, rules: list[dict]) -> tuple[list[dict], dict[str, list[dict]]]:
    """A cluster where every rendered alert fires once: input series, and per alert its expected labels."""
    c = Case(shape, pool)
    names = {r["alert"] for r in rules}
    c.node(GPU_NODE, gpus=1)
    idle = c.node("ip-10-10-2-40.ec2.internal", gpus=1)  # a GPU node running no GPU pod, sending no DCGM
    lost = c.node("ip-10-10-2-20.ec2.internal", gpus=0, ready=False, node_exporter=False)
    c.node(MIG_NODE, gpus=2)
    # The pod on the busy node, and one pending.
    for pod, phase, node in (("train-0", "Running", GPU_NODE), ("pending-0", "Pending", "")):
        c.add("kube-state-metrics", "kube_pod_status_phase", {"namespace": "ml", "pod": pod, "uid": f"u-{pod}",
                                                               "phase": phase}, "1x90")
        c.add("kube-state-metrics", "kube_pod_container_resource_requests", {
            "namespace": "ml", "pod": pod, "uid": f"u-{pod}", "container": "trainer", "resource": "nvidia_com_gpu",
            "unit": "integer", **({"node": node} if node else {})}, "1x90")
    for pod in ("infer-1", "infer-2"):
        c.add("kube-state-metrics", "kube_pod_status_phase", {"namespace": "ml", "pod": pod, "uid": f"u-{pod}",
                                                               "phase": "Running"}, "1x90")
        c.add("kube-state-metrics", "kube_pod_container_resource_requests", {
            "namespace": "ml", "pod": pod, "uid": f"u-{pod}", "container": "server", "resource": "nvidia_com_gpu",
            "unit": "integer", "node": MIG_NODE}, "1x90")
    unschedulable = c.add("kube-state-metrics", "kube_pod_status_unschedulable",
                          {"namespace": "ml", "pod": "pending-0", "uid": "u-pending-0"}, "1x90")
    claim = c.add("kube-state-metrics", "kube_persistentvolumeclaim_status_phase",
                  {"namespace": "ml", "persistentvolumeclaim": "data-0", "phase": "Pending"}, "1x90")
    not_ready = c.add("kube-state-metrics", "kube_node_status_condition",
                      {"node": lost["info"]["node"], "condition": "Ready", "status": "false"}, "1x90")
    # DCGM: the busy GPU (XID 79, hot, power-capped, NVLink errors), two MIG instances (one idle, one busy).
    gpu = c.add("dcgm-exporter", "DCGM_FI_DEV_GPU_TEMP", _dcgm_gpu(GPU_NODE), "84x90", node=GPU_NODE)
    c.add("dcgm-exporter", "DCGM_FI_DEV_GPU_UTIL", _dcgm_gpu(GPU_NODE), "80x90", node=GPU_NODE)
    c.add("dcgm-exporter", "DCGM_FI_DEV_GPU_TEMP", _dcgm_gpu(MIG_NODE, pod=None), "50x90", node=MIG_NODE)
    for mig, pod, active in (("1", "infer-1", "0.02"), ("2", "infer-2", "0.9")):
        c.add("dcgm-exporter", "DCGM_FI_DEV_GPU_UTIL", _dcgm_gpu(MIG_NODE, pod, mig), "0x90", node=MIG_NODE)
        c.add("dcgm-exporter", "DCGM_FI_PROF_GR_ENGINE_ACTIVE", _dcgm_gpu(MIG_NODE, pod, mig), f"{active}x90",
              node=MIG_NODE)
    idle_mig = c.shape.series("dcgm-exporter", MIG_NODE, _dcgm_gpu(MIG_NODE, "infer-1", "1")) | {"node": MIG_NODE}
    gpu_node = {**gpu, "node": GPU_NODE}
    if "GpuXidError" in names:
        c.add("dcgm-exporter", "DCGM_FI_DEV_XID_ERRORS", _dcgm_gpu(GPU_NODE), "0x10 79x80", node=GPU_NODE)
        c.add("dcgm-exporter", "DCGM_FI_DEV_ROW_REMAP_FAILURE", _dcgm_gpu(GPU_NODE), "0x10 1x80", node=GPU_NODE)
        c.add("dcgm-exporter", "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", _dcgm_gpu(GPU_NODE), "0x90", node=GPU_NODE)
    if "GpuThermalThrottling" in names:
        # 30 of every 60 seconds throttled by heat, 45 by power; one NVLink recovery error at minute 20.
        c.add("dcgm-exporter", "DCGM_FI_DEV_THERMAL_VIOLATION", _dcgm_gpu(GPU_NODE), "0+30000000000x90",
              node=GPU_NODE)
        c.add("dcgm-exporter", "DCGM_FI_DEV_POWER_VIOLATION", _dcgm_gpu(GPU_NODE), "0+45000000000x90", node=GPU_NODE)
        c.add("dcgm-exporter", "DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL", _dcgm_gpu(GPU_NODE),
              "0x20 1x70", node=GPU_NODE)
    sel = {"cluster": cluster} if cluster else {}
    expected: dict[str, list[dict]] = {
        "GpuNodeWithoutGpuPods": [_without_name(idle["labels"])],
        "GpuNodeMissingGpus": [_pick(lost["labels"], "cluster", "node", "label_mlinfra_io_pool")],
        "GpuUtilisationLow": [_pick(idle_mig, *GPU_BY)],
        "GpuMetricsMissing": [_without_name(idle["labels"])],
        "GpuXidError": [_pick(gpu_node, *GPU_BY)],
        "GpuUncorrectableMemoryErrors": [_pick(gpu_node, *GPU_BY)],
        "GpuThermalThrottling": [_pick(gpu_node, *GPU_BY)],
        "GpuPowerThrottling": [_pick(gpu_node, *GPU_BY)],
        "GpuNvlinkErrors": [_pick(gpu_node, *GPU_BY)],
        "GpuPodPending": [_pick({**unschedulable}, "cluster", "namespace", "pod")],
        "PodsUnschedulable": [_pick(unschedulable, "cluster", "namespace", "pod")],
        "NodeNotReady": [_without_name(not_ready)],
        "VolumeClaimPending": [_without_name(claim)],
        "NodeExporterMissing": [_without_name(lost["info"]) | sel],
        "KubeStateMetricsMissing": [sel],
    }
    if "ClusterAutoscalerScaleUpFailing" in names:
        c.add("cluster-autoscaler", "cluster_autoscaler_failed_scale_ups_total", {"reason": "cloudProviderError"},
              "0x10 1+1x80")
        expected["ClusterAutoscalerScaleUpFailing"] = [sel]
        c.add("cluster-autoscaler", "cluster_autoscaler_last_activity", {"activity": "main"}, "1765100000x90")
        expected["ClusterAutoscalerMissing"] = []
    if "RunnerScaleSetAtMax" in names:
        scale_sets = sorted(re.findall(r'name="([^"]+)"', " ".join(
            r["expr"] for r in rules if r["alert"] == "RunnerListenerMissing")))
        first, *missing = scale_sets
        runner = {"name": first, "namespace": f"arc-{first}", "enterprise": "", "organization": "acme-ml",
                  "repository": ""}
        at_max = c.add("arc-listener", "gha_max_runners", runner, "2x90")
        c.add("arc-listener", "gha_desired_runners", runner, "2x90")
        expected["RunnerScaleSetAtMax"] = [_pick(at_max, "cluster", "name", "namespace")]
        expected["RunnerListenerMissing"] = [{"name": m, **sel} for m in missing]
        assert missing, "the scenario needs a scale set whose listener is gone"
    if "DatasetMountFailing" in names:
        # A pod stuck mounting its dataset claim fires; one stuck on another claim does not (#27's alert).
        for pod, claim_name in (("loader-0", "dataset-imagenet"), ("other-0", "data-0")):
            c.add("kube-state-metrics", "kube_pod_container_status_waiting_reason",
                  {"namespace": "training", "pod": pod, "uid": f"u-{pod}", "container": "main",
                   "reason": "ContainerCreating"}, "1x90")
            c.add("kube-state-metrics", "kube_pod_spec_volumes_persistentvolumeclaims_info",
                  {"namespace": "training", "pod": pod, "uid": f"u-{pod}", "volume": "data",
                   "persistentvolumeclaim": claim_name}, "1x90")
        expected["DatasetMountFailing"] = [{"namespace": "training", "pod": "loader-0",
                                            "persistentvolumeclaim": "dataset-imagenet"}]
    if "ScrapeTargetDown" in names:
        down = c.add("prometheus-node-exporter", "up", {}, "0x90", node=lost["info"]["node"])
        c.add("kube-state-metrics", "up", {}, "1x90")
        expected["ScrapeTargetDown"] = [_without_name(down)]
        expected["MetricsScraperMissing"] = []  # `up` arrives: the scraper is there
    return c.inputs, expected


TEMPLATE = re.compile(r"{{ \$labels\.([A-Za-z_]+) }}|{{ \$value }}|{{ \$value \| humanizePercentage }}")


def render(text: str, labels: Mapping[str, str], value: str) -> str:
    """An annotation as Prometheus renders it; fails on a label the alert does not carry."""
    def one(match: re.Match) -> str:
        if match.group(1):
            assert match.group(1) in labels, f"template reads {match.group(1)!r}, which the alert lacks: {text}"
            return labels[match.group(1)]
        return value
    return TEMPLATE.sub(one, text)


# The value each alert fires with, where a template prints it.
VALUES = {"GpuXidError": "79", "GpuNodeMissingGpus": "1", "GpuThermalThrottling": "50%", "GpuPowerThrottling": "75%"}


# The absence alerts, when nothing at all arrives from the cluster (a second scenario).
ABSENCE = ("KubeStateMetricsMissing", "MetricsScraperMissing", "ClusterAutoscalerMissing", "RunnerListenerMissing")


def _alerts(rule: dict, instances: list[dict], value: str) -> list[dict]:
    alerts = []
    for labels in instances:
        full = {**rule["labels"], **labels}
        annotations = {k: render(v, full, value) for k, v in rule["annotations"].items()}
        alerts.append({"exp_labels": full, "exp_annotations": annotations})
    return alerts


def unit_test(rule_file: dict, shape: Shape, pool: str, cluster: str | None) -> tuple[dict, set[str]]:
    """The promtool test file for `rule_file`, and the alerts it covers."""
    rules = rule_file["groups"][0]["rules"]
    inputs, expected = build(shape, pool, cluster, rules)
    expected["KubeStateMetricsMissing"] = []  # kube-state-metrics is there in the first scenario
    sel = {"cluster": cluster} if cluster else {}
    by_name: dict[str, list[dict]] = {}
    for rule in rules:
        by_name.setdefault(rule["alert"], []).append(rule)
    cases, silent = [], []
    for name, group in by_name.items():
        minutes = int(group[0]["for"].rstrip("m"))
        # An alert name over several rules (one per scale set) fires once per rule; each rule's labels.
        alerts = [a for rule in group for a in _alerts(
            rule, [i for i in expected[name] if all(i.get(k) == v for k, v in rule["labels"].items()
                                                    if k != "severity")], VALUES.get(name, "1"))]
        cases.append({"eval_time": f"{minutes + 25}m", "alertname": name, "exp_alerts": alerts})
        if minutes > 5:  # still pending before its `for` has passed
            cases.append({"eval_time": "5m", "alertname": name, "exp_alerts": []})
        if name in ABSENCE:
            instances = [sel] if name != "RunnerListenerMissing" else [
                {"name": n, **sel} for rule in group for n in re.findall(r'name="([^"]+)"', rule["expr"])]
            fired = [a for rule in group for a in _alerts(
                rule, [i for i in instances if all(i.get(k) == v for k, v in rule["labels"].items()
                                                   if k != "severity")], "1")]
            silent.append({"eval_time": f"{minutes + 5}m", "alertname": name, "exp_alerts": fired})
    # Nothing arrives but one unrelated series.
    nothing = [{"series": 'unrelated_metric{job="other"}', "values": "1x60"}]
    tests = [{"interval": "1m", "input_series": inputs, "alert_rule_test": cases},
             {"interval": "1m", "input_series": nothing, "alert_rule_test": silent}]
    return {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": tests}, set(by_name)


def run_unit_test(tmp_path, rule_file: dict, test: dict) -> None:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rule_file, sort_keys=False))
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    result = promtool("test", "rules", "test.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_eks_alert_fires_with_the_labels_the_scraper_stores(tmp_path):
    [rule_file] = [f for name, f in rule_files("dev").items() if "metrics-rules" in name or "/metrics" in name]
    test, covered = unit_test(rule_file, EKS, "dev-l4", "dev-dev")
    run_unit_test(tmp_path, rule_file, test)
    assert {"ScrapeTargetDown", "GpuXidError", "RunnerListenerMissing", "GpuNvlinkErrors"} <= covered


def test_every_gke_alert_fires_with_the_labels_gmp_stores(tmp_path):
    [rule_file] = [f for name, f in rule_files("dev").items() if name.endswith("gmp-rules")]
    test, covered = unit_test(rule_file, GKE, "dev-gke-l4", None)
    run_unit_test(tmp_path, rule_file, test)
    assert {"GpuUtilisationLow", "GpuNodeMissingGpus", "KubeStateMetricsMissing"} <= covered
    # The platform's dcgm-exporter on GKE (#28) has the XID, row-remap, throttling and NVLink counters: their
    # alerts fire from series as GMP stores them (job mlinfra-dcgm-exporter, no target labels), e.g. XID 79
    # naming the GPU's node, namespace and pod.
    assert {"GpuXidError", "GpuUncorrectableMemoryErrors", "GpuThermalThrottling", "GpuPowerThrottling",
            "GpuNvlinkErrors"} <= covered
    xid = next(c for c in test["tests"][0]["alert_rule_test"] if c["alertname"] == "GpuXidError"
               and c["exp_alerts"])
    [alert] = xid["exp_alerts"]
    assert {k: alert["exp_labels"][k] for k in ("node", "namespace", "pod", "gpu")} == {
        "node": GPU_NODE, "namespace": "ml", "pod": "train-0", "gpu": "0"}
    assert alert["exp_annotations"]["summary"] == f"GPU 0 on {GPU_NODE} reported XID error 79"


def test_the_spend_alert_fires_above_the_budget_at_catalog_prices(tmp_path):
    rules = platform_alert_rules(AlertThresholds(30, 5, 30, 15, 15, 15, 30),
                                 RuleScope((ClusterScope("dev-dev", gpu_pools={"dev-l4": 1}),)),
                                 spend_per_hour_budget=1.5, gpu_hourly_prices={"g6.xlarge": 0.8048})
    rule_file = rule_groups([r for r in rules if r.name == "GpuSpendAboveBudget"])
    [rule] = rule_file["groups"][0]["rules"]
    case = Case(EKS, "dev-l4")
    for node in (GPU_NODE, "ip-10-10-2-40.ec2.internal"):  # two g6.xlarge: 1.61/hour, over 1.5
        case.node(node, gpus=1)
    over = {"exp_labels": rule["labels"], "exp_annotations": rule["annotations"]}
    test = {"rule_files": ["rules.yaml"], "evaluation_interval": "1m",
            "tests": [{"interval": "1m", "input_series": case.inputs, "alert_rule_test": [
                {"eval_time": "35m", "alertname": "GpuSpendAboveBudget", "exp_alerts": [over]},
                {"eval_time": "20m", "alertname": "GpuSpendAboveBudget", "exp_alerts": []}]}]}
    run_unit_test(tmp_path, rule_file, test)
