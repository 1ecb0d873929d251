"""A real Prometheus on 127.0.0.1 runs the dev stack's own scrape configuration and alert rules against small
local exporters serving recorded metric text (exporters/README.md), and the stored series and firing alerts
are read back from its API.

Only two things differ from the AMP managed scraper the plan configures: Kubernetes discovery becomes file
discovery carrying the same `__meta_kubernetes_*` labels (one file of discovered pods, as pod discovery
hands every job every pod), and the interval is 1s. Every relabel rule is the plan's. The alert rules are
the plan's with `for` set to 0 so they fire within the test; the durations are tested by promtool
(test_promtool_rules.py).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
import yaml

from tests.components.monitoring.prom_tools import Exporter, free_port, prometheus, wait_for, with_file_discovery
from tests.helpers import stack_run

HERE = Path(__file__).parent / "exporters"
CLUSTER = "dev-dev"
GPU_A, GPU_B, GPU_C, GPU_D = ("ip-10-10-1-10.ec2.internal", "ip-10-10-2-20.ec2.internal",
                              "ip-10-10-1-30.ec2.internal", "ip-10-10-2-40.ec2.internal")
SYSTEM = "ip-10-10-3-50.ec2.internal"
NAME_LABEL, COMPONENT_LABEL = "app_kubernetes_io_name", "app_kubernetes_io_component"


def pod(address: str, namespace: str, name: str, node: str, labels: dict[str, str], port: int | str,
        port_name: str = "", phase: str = "Running") -> dict:
    """One target as Kubernetes pod discovery reports it (one per container port)."""
    meta = {"__meta_kubernetes_namespace": namespace, "__meta_kubernetes_pod_name": name,
            "__meta_kubernetes_pod_node_name": node, "__meta_kubernetes_pod_phase": phase,
            "__meta_kubernetes_pod_container_port_number": str(port),
            "__meta_kubernetes_pod_container_port_name": port_name,
            **{f"__meta_kubernetes_pod_label_{k}": v for k, v in labels.items()}}
    return {"targets": [address], "labels": meta}


def plan_documents() -> tuple[dict, dict]:
    """The dev stack's scraper configuration and AMP rule file, as the plan records them."""
    resources = stack_run("dev").resources
    [scraper] = [r for r in resources if r.type == "aws:amp/scraper:Scraper"]
    [rules] = [r for r in resources if r.type == "aws:amp/ruleGroupNamespace:RuleGroupNamespace"]
    return yaml.safe_load(scraper.inputs["scrapeConfiguration"]), yaml.safe_load(rules.inputs["data"])


@pytest.fixture(scope="module")
def loopback(tmp_path_factory):
    """Prometheus scraping the recorded exporters with the plan's configuration; yields its API."""
    workdir = tmp_path_factory.mktemp("prometheus")
    config, rules = plan_documents()
    for group in rules["groups"]:
        group["interval"] = "1s"
        for rule in group["rules"]:
            rule["for"] = "0s"
    texts = {name: (HERE / f"{name}.prom").read_text() for name in (
        "kube-state-metrics", "node-exporter", "dcgm-gpu-a", "dcgm-gpu-c-mig", "cluster-autoscaler", "arc-listener")}
    exporters = {key: Exporter(texts[text]) for key, text in (
        ("ksm", "kube-state-metrics"), ("ne-a", "node-exporter"), ("ne-c", "node-exporter"),
        ("ne-d", "node-exporter"), ("dcgm-a", "dcgm-gpu-a"), ("dcgm-c", "dcgm-gpu-c-mig"),
        ("ca", "cluster-autoscaler"), ("arc", "arc-listener"))}
    for exporter in exporters.values():
        exporter.__enter__()
    at = {key: f"127.0.0.1:{e.port}" for key, e in exporters.items()}
    closed = f"127.0.0.1:{free_port()}"  # a node-exporter whose port nobody serves: its target is down
    discovered = [
        pod(at["ksm"], "kube-system", "kube-state-metrics-6d4b8c7f9-x2k8p", SYSTEM,
            {NAME_LABEL: "kube-state-metrics"}, 8080, "http"),
        pod(closed, "kube-system", "kube-state-metrics-6d4b8c7f9-x2k8p", SYSTEM,
            {NAME_LABEL: "kube-state-metrics"}, 8081, "metrics"),  # its own telemetry port: not kept
        *(pod(at[key], "kube-system", f"prometheus-node-exporter-{key}", node,
              {NAME_LABEL: "prometheus-node-exporter"}, 9100, "metrics")
          for key, node in (("ne-a", GPU_A), ("ne-c", GPU_C), ("ne-d", GPU_D))),
        pod(closed, "kube-system", "prometheus-node-exporter-b", GPU_B,
            {NAME_LABEL: "prometheus-node-exporter"}, 9100, "metrics"),
        pod(at["dcgm-a"], "kube-system", "dcgm-exporter-a", GPU_A, {NAME_LABEL: "dcgm-exporter"}, 9400, "metrics"),
        pod(at["dcgm-c"], "kube-system", "dcgm-exporter-c", GPU_C, {NAME_LABEL: "dcgm-exporter"}, 9400, "metrics"),
        pod(closed, "kube-system", "dcgm-exporter-d", GPU_D, {NAME_LABEL: "dcgm-exporter"}, 9400, "metrics",
            phase="Pending"),  # not running yet: not kept, so GPU node D sends no DCGM metrics
        pod(at["ca"], "kube-system", "aws-cluster-autoscaler-5c9d7b6f4-q8r2t", SYSTEM,
            {NAME_LABEL: "aws-cluster-autoscaler"}, 8085),
        pod(at["arc"], "arc-systems", "dev-cpu-754b578d-listener", SYSTEM,
            {COMPONENT_LABEL: "runner-scale-set-listener"}, 8080),
        pod(at["ksm"], "ml", "train-0", GPU_A, {NAME_LABEL: "trainer"}, 8080, "http"),  # nobody's target
    ]
    targets = workdir / "pods.json"
    targets.write_text(json.dumps(discovered))
    try:
        with prometheus(workdir, with_file_discovery(config, targets, "1s"), rules) as api:
            # Three scrapes of everything, so rates and increases have points.
            wait_for(lambda: len(api("/api/v1/query", {"query": "count_over_time(up[1m]) >= 3"})["result"]) >= 8,
                     30, "three scrapes of every target")
            yield api
    finally:
        for exporter in exporters.values():
            exporter.__exit__(None, None, None)


def series(api, selector: str) -> list[dict[str, str]]:
    return api("/api/v1/series", {"match[]": selector})


def test_no_exporter_label_is_renamed_to_exported(loopback):
    every = series(loopback, '{__name__=~".+"}')
    assert every
    assert sorted({name for s in every for name in s if name.startswith("exported_")}) == []


def test_kube_state_metrics_series_keep_the_object_they_describe(loopback):
    [pending] = series(loopback, 'kube_pod_status_phase{pod="pending-0", phase="Pending"}')
    assert {k: v for k, v in pending.items() if k != "instance"} == {
        "__name__": "kube_pod_status_phase", "namespace": "ml", "pod": "pending-0", "phase": "Pending",
        "uid": "5f1d0a6e-0004-4c1e-9d2b-7a0e3c1f0004", "job": "kube-state-metrics", "cluster": CLUSTER}
    # kube-state-metrics' own pod and node appear on none of its series.
    assert series(loopback, '{job="kube-state-metrics", pod="kube-state-metrics-6d4b8c7f9-x2k8p", '
                            '__name__!="kube_pod_status_phase"}') == []
    labels = series(loopback, f'kube_node_labels{{node="{GPU_A}"}}')
    assert [s["label_mlinfra_io_pool"] for s in labels] == ["dev-l4"]


def test_dcgm_series_name_the_node_and_keep_the_pod_holding_the_gpu(loopback):
    [util] = series(loopback, 'DCGM_FI_DEV_GPU_UTIL{pod="train-0"}')
    assert (util["node"], util["Hostname"], util["namespace"], util["pod"], util["job"], util["cluster"]) == (
        GPU_A, GPU_A, "ml", "train-0", "dcgm-exporter", CLUSTER)
    mig = series(loopback, f'DCGM_FI_PROF_GR_ENGINE_ACTIVE{{node="{GPU_C}"}}')
    assert sorted((s["GPU_I_ID"], s["pod"]) for s in mig) == [("1", "infer-1"), ("2", "infer-2")]


def test_listener_series_keep_their_scale_sets_namespace(loopback):
    [runners] = series(loopback, "gha_max_runners")
    assert (runners["name"], runners["namespace"], runners["job"]) == ("dev-cpu", "arc-dev-cpu", "arc-listener")
    assert "pod" not in runners and "node" not in runners


def test_node_and_autoscaler_series_are_labelled_with_where_they_run(loopback):
    nodes = {s["node"] for s in series(loopback, "node_cpu_seconds_total")}
    assert nodes == {GPU_A, GPU_C, GPU_D}
    [activity] = series(loopback, "cluster_autoscaler_last_activity")
    assert (activity["namespace"], activity["pod"], activity["node"]) == (
        "kube-system", "aws-cluster-autoscaler-5c9d7b6f4-q8r2t", SYSTEM)


def test_only_the_platforms_exporters_are_scraped(loopback):
    up = loopback("/api/v1/query", {"query": "up"})["result"]
    jobs = sorted((r["metric"]["job"], r["metric"].get("node", ""), r["value"][1]) for r in up)
    assert jobs == sorted([
        ("arc-listener", "", "1"), ("cluster-autoscaler", SYSTEM, "1"),
        ("dcgm-exporter", GPU_A, "1"), ("dcgm-exporter", GPU_C, "1"), ("kube-state-metrics", "", "1"),
        ("prometheus-node-exporter", GPU_A, "1"), ("prometheus-node-exporter", GPU_B, "0"),
        ("prometheus-node-exporter", GPU_C, "1"), ("prometheus-node-exporter", GPU_D, "1")])


# What fires, and the labels that say where: (alert, {label: value}) for every firing instance.
EXPECTED_FIRING = {
    ("GpuXidError", (("gpu", "0"), ("namespace", "ml"), ("node", GPU_A), ("pod", "train-0"))),
    ("GpuUtilisationLow", (("GPU_I_ID", "1"), ("gpu", "0"), ("namespace", "ml"), ("node", GPU_C), ("pod", "infer-1"))),
    ("GpuPodPending", (("namespace", "ml"), ("pod", "pending-0"))),
    ("PodsUnschedulable", (("namespace", "ml"), ("pod", "pending-0"))),
    ("VolumeClaimPending", (("namespace", "ml"), ("persistentvolumeclaim", "data-0"))),
    ("NodeNotReady", (("node", GPU_B),)),
    ("GpuNodeMissingGpus", (("node", GPU_B),)),
    ("GpuNodeWithoutGpuPods", (("node", GPU_D),)),
    ("GpuMetricsMissing", (("node", GPU_D),)),
    ("NodeExporterMissing", (("node", GPU_B),)),
    ("NodeExporterMissing", (("node", SYSTEM),)),
    ("ScrapeTargetDown", (("node", GPU_B),)),
    ("RunnerScaleSetAtMax", (("name", "dev-cpu"), ("namespace", "arc-dev-cpu"))),
    # Only dev-cpu's listener is served: dev's deployer and its pull-request preview set (#26) have none.
    ("RunnerListenerMissing", (("name", "dev-deploy"),)),
    ("RunnerListenerMissing", (("name", "dev-preview"),)),
    ("ClusterAutoscalerScaleUpFailing", ()),
}
KEYS = ("GPU_I_ID", "gpu", "name", "namespace", "node", "persistentvolumeclaim", "pod")


def firing(api) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    alerts = api("/api/v1/alerts")["alerts"]
    found = set()
    for alert in alerts:
        # Left out: the budget rule (dev's budget decides it), and thermal throttling, whose 10-minute rate over
        # the test's half minute of samples stays near 0 (Prometheus does not extrapolate a rate to a window it
        # has not seen); test_promtool_rules.py drives both over their full windows.
        if alert["state"] != "firing" or alert["labels"]["alertname"] in ("GpuSpendAboveBudget",
                                                                            "GpuThermalThrottling"):
            continue
        labels = alert["labels"]
        assert labels["cluster"] == CLUSTER, labels
        found.add((labels["alertname"], tuple(sorted((k, labels[k]) for k in KEYS if labels.get(k)))))
    return found


def test_alerts_fire_naming_the_right_node_pod_and_namespace(loopback):
    # Waits for the throttling rate and the autoscaler increase, which need several scrapes.
    with contextlib.suppress(AssertionError):
        wait_for(lambda: firing(loopback) >= EXPECTED_FIRING, 30, "the expected alerts")
    found = firing(loopback)
    assert sorted(found - EXPECTED_FIRING) == [] and sorted(EXPECTED_FIRING - found) == []
    # The busy MIG instance (GPU_UTIL 0 is no measure on MIG) and the busy whole GPU stay quiet, exactly one
    # pending GPU pod is reported, and nothing says an exporter, the autoscaler or the scraper is gone.
    alerts = loopback("/api/v1/alerts")["alerts"]
    [down] = [a["labels"] for a in alerts if a["labels"]["alertname"] == "ScrapeTargetDown"]
    assert down["job"] == "prometheus-node-exporter"
    names = [name for name, _ in found]
    assert names.count("GpuPodPending") == 1 and names.count("GpuUtilisationLow") == 1
    assert {"KubeStateMetricsMissing", "ClusterAutoscalerMissing", "MetricsScraperMissing",
            "GpuPowerThrottling"}.isdisjoint(names)
