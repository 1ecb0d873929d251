"""Alert rules: every expression parses with a real PromQL parser; thresholds, prices and budget reach the text;
a rule exists only where the clusters run what it reads; every rule links its runbook."""

from pathlib import Path

import pytest

from components.monitoring.promql import price_vector
from components.monitoring.rules import (
    AlertThresholds,
    ClusterScope,
    RuleScope,
    github_runbook_base,
    platform_alert_rules,
    rule_groups,
)
from tests.components.monitoring.promql_ast import metric_names

ROOT = Path(__file__).resolve().parents[3]
THRESHOLDS = AlertThresholds(gpu_idle_minutes=45, gpu_idle_utilisation_percent=7, gpu_pod_pending_minutes=12,
                             node_not_ready_minutes=6, volume_claim_pending_minutes=8,
                             autoscaler_failing_minutes=11, runner_saturated_minutes=14)
PRICES = {"g6.xlarge": 0.8048, "p5.48xlarge": 55.04}
EKS = ClusterScope("dev-train", gpu_pools={"train-l4": 1, "train-h100": 8}, runner_scale_sets=("dev-cpu",),
                   cluster_autoscaler=True, scrape_jobs=("kube-state-metrics", "dcgm-exporter"))
EVERYTHING = RuleScope((EKS,), dcgm_error_counters=True, dcgm_health_counters=True)


def rules(scope=EVERYTHING, **kwargs):
    return {rule.name: rule for rule in platform_alert_rules(
        THRESHOLDS, scope, **{"spend_per_hour_budget": 40.0, "gpu_hourly_prices": PRICES, **kwargs})}


def test_every_alert_exists_once_and_parses():
    found = rules()
    assert list(found) == [
        "GpuNodeWithoutGpuPods", "GpuNodeMissingGpus", "GpuUtilisationLow", "GpuXidError",
        "GpuUncorrectableMemoryErrors", "GpuThermalThrottling", "GpuPowerThrottling", "GpuNvlinkErrors",
        "GpuSpendAboveBudget", "GpuPodPending", "NodeNotReady", "VolumeClaimPending", "PodsUnschedulable",
        "ClusterAutoscalerScaleUpFailing", "RunnerScaleSetAtMax", "RunnerListenerMissing", "KubeStateMetricsMissing",
        "NodeExporterMissing", "GpuMetricsMissing", "ClusterAutoscalerMissing", "ScrapeTargetDown",
        "MetricsScraperMissing"]
    for rule in found.values():
        assert metric_names(rule.expr), rule.name
        assert rule.severity in ("critical", "warning") and rule.summary


def test_every_alert_links_a_runbook_page_that_exists():
    for rule in rules().values():
        url = rule.as_rule()["annotations"]["runbook_url"]
        assert url == f"docs/runbooks/{rule.name}.md"
        assert (ROOT / url).is_file(), f"no runbook for {rule.name}"
    absolute = rules()["NodeNotReady"].as_rule(github_runbook_base("acme-ml/ml-platform"))
    assert absolute["annotations"]["runbook_url"] == (
        "https://github.com/acme-ml/ml-platform/blob/main/docs/runbooks/NodeNotReady.md")


def test_thresholds_become_durations_and_comparisons():
    found = rules()
    assert [found[n].for_minutes for n in ("GpuNodeWithoutGpuPods", "GpuUtilisationLow", "GpuPodPending",
                                           "NodeNotReady", "VolumeClaimPending", "PodsUnschedulable",
                                           "ClusterAutoscalerScaleUpFailing", "RunnerScaleSetAtMax")] == [
        45, 45, 12, 6, 8, 11, 11, 14]
    assert found["GpuUtilisationLow"].expr.endswith(") < 7")
    assert found["GpuXidError"].for_minutes == 0 and found["GpuXidError"].severity == "critical"


def test_spend_rule_compares_catalog_prices_with_the_budget_and_needs_both():
    spend = rules()["GpuSpendAboveBudget"].expr
    assert spend.endswith(" > 40")
    assert 'label_replace(vector(0.8048), "label_node_kubernetes_io_instance_type", "g6.xlarge", "", "")' in spend
    assert 'vector(55.0400)' in spend
    assert "GpuSpendAboveBudget" not in rules(spend_per_hour_budget=None)
    assert "GpuSpendAboveBudget" not in rules(gpu_hourly_prices={})


def test_rules_follow_what_the_clusters_run():
    bare = RuleScope((ClusterScope(None),), dcgm_error_counters=False)
    found = rules(bare)
    # No GPU pool, no runners, no autoscaler metrics, no `up` series: only Kubernetes and exporter health.
    assert list(found) == ["GpuPodPending", "NodeNotReady", "VolumeClaimPending", "PodsUnschedulable",
                           "KubeStateMetricsMissing", "NodeExporterMissing"]
    assert not any(name.startswith(("cluster_autoscaler", "gha_", "DCGM")) or name == "up"
                   for r in found.values() for name in metric_names(r.expr))


def test_gke_scope_leaves_out_the_counters_its_dcgm_package_lacks():
    gke = rules(RuleScope((ClusterScope(None, gpu_pools={"infer-l4": 1}),), dcgm_error_counters=False))
    assert {"GpuXidError", "GpuUncorrectableMemoryErrors", "GpuThermalThrottling", "GpuNvlinkErrors"}.isdisjoint(gke)
    assert {"GpuUtilisationLow", "GpuMetricsMissing", "GpuNodeMissingGpus"} <= set(gke)
    # Without a cluster label to filter on (GMP scopes ClusterRules itself), no selector names one.
    assert not any('cluster="' in r.expr for r in gke.values())


def test_gpu_pools_without_a_dcgm_exporter_get_no_dcgm_rules():
    found = rules(RuleScope((ClusterScope("c", gpu_pools={"c-l4": 1}, dcgm=False),)))
    assert {"GpuNodeWithoutGpuPods", "GpuNodeMissingGpus"} <= set(found)
    assert not any(name.startswith("DCGM") for r in found.values() for name in metric_names(r.expr))


def test_per_cluster_rules_filter_on_and_name_their_cluster():
    other = ClusterScope("dev-serve", runner_scale_sets=("dev-gpu",))
    found = platform_alert_rules(THRESHOLDS, RuleScope((EKS, other)), spend_per_hour_budget=None,
                                 gpu_hourly_prices={})
    ksm = [r for r in found if r.name == "KubeStateMetricsMissing"]
    assert [(r.expr, r.labels) for r in ksm] == [
        ('absent(kube_node_info{cluster="dev-train"})', {"cluster": "dev-train"}),
        ('absent(kube_node_info{cluster="dev-serve"})', {"cluster": "dev-serve"})]
    listeners = sorted(r.expr for r in found if r.name == "RunnerListenerMissing")
    assert listeners == ['absent(gha_max_runners{name="dev-cpu", cluster="dev-train"})',
                         'absent(gha_max_runners{name="dev-gpu", cluster="dev-serve"})']


def test_missing_gpus_compares_each_pool_with_its_shape():
    expr = rules()["GpuNodeMissingGpus"].expr
    assert 'label_replace(vector(8), "label_mlinfra_io_pool", "train-h100", "", "")' in expr
    assert 'label_replace(vector(1), "label_mlinfra_io_pool", "train-l4", "", "")' in expr
    assert expr.endswith(" > 0")


def test_rule_groups_is_the_prometheus_rule_file_shape():
    groups = rule_groups(platform_alert_rules(THRESHOLDS, EVERYTHING, spend_per_hour_budget=None,
                                              gpu_hourly_prices={}), interval_seconds=30)
    assert list(groups) == ["groups"] and len(groups["groups"]) == 1
    group = groups["groups"][0]
    assert group["name"] == "mlinfra-platform" and group["interval"] == "30s"
    node = next(r for r in group["rules"] if r["alert"] == "NodeNotReady")
    assert node == {
        "alert": "NodeNotReady", "expr": 'kube_node_status_condition{condition="Ready", status!="true"} == 1',
        "for": "6m", "labels": {"severity": "critical"},
        "annotations": {"summary": "Node {{ $labels.node }} has not been Ready for 6 minutes",
                        "description": node["annotations"]["description"],
                        "runbook_url": "docs/runbooks/NodeNotReady.md"}}
    assert "kubectl describe node" in node["annotations"]["description"]


def test_price_vector_escapes_and_refuses_an_empty_catalog():
    assert metric_names(f"sum(kube_node_labels * on (x) group_left () ({price_vector(PRICES)}))") == {
        "kube_node_labels"}
    with pytest.raises(ValueError, match="no prices"):
        price_vector({})


def test_every_runbook_page_belongs_to_an_alert():
    from components.monitoring.dataset_rules import dataset_alert_rules

    pages = {p.stem for p in (ROOT / "docs" / "runbooks").glob("*.md")} - {"README"}
    alerts = {*rules(), *(r.name for r in dataset_alert_rules())}
    assert pages == alerts
    for rule in dataset_alert_rules():  # the dataset alert links its page like the platform's
        assert (ROOT / rule.as_rule()["annotations"]["runbook_url"]).is_file()
