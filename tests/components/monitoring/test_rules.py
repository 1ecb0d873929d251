"""Alert rules: every expression parses with a real PromQL parser; thresholds, prices and budget reach the text."""

import pytest

from components.monitoring.promql import price_vector
from components.monitoring.rules import AlertThresholds, platform_alert_rules, rule_groups
from tests.components.monitoring.promql_ast import metric_names

THRESHOLDS = AlertThresholds(gpu_idle_minutes=45, gpu_idle_utilisation_percent=7, gpu_pod_pending_minutes=12,
                             node_not_ready_minutes=6, volume_claim_pending_minutes=8,
                             autoscaler_failing_minutes=11, runner_saturated_minutes=14)
PRICES = {"g6.xlarge": 0.8048, "p5.48xlarge": 55.04}


def rules(**kwargs):
    return {rule.name: rule for rule in platform_alert_rules(
        THRESHOLDS, **{"spend_per_hour_budget": 40.0, "gpu_hourly_prices": PRICES, **kwargs})}


def test_every_alert_the_issue_lists_exists_once_and_parses():
    found = rules()
    assert list(found) == [
        "GpuNodeWithoutGpuPods", "GpuUtilisationLow", "GpuPodPending", "NodeNotReady", "VolumeClaimPending",
        "PodsUnschedulable", "GpuXidError", "GpuUncorrectableMemoryErrors", "ClusterAutoscalerScaleUpFailing",
        "RunnerScaleSetAtMax", "GpuSpendAboveBudget"]
    for rule in found.values():
        assert metric_names(rule.expr), rule.name
        assert rule.severity in ("critical", "warning") and rule.summary


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


def test_without_autoscaler_metrics_the_unschedulable_rule_stands_alone():
    gke = rules(cluster_autoscaler_metrics=False)
    assert "ClusterAutoscalerScaleUpFailing" not in gke and "PodsUnschedulable" in gke
    assert not any(name.startswith("cluster_autoscaler") for r in gke.values() for name in metric_names(r.expr))


def test_without_dcgm_error_counters_the_xid_and_memory_error_rules_are_left_out():
    gke = rules(dcgm_error_counters=False)
    assert "GpuXidError" not in gke and "GpuUncorrectableMemoryErrors" not in gke
    assert "GpuUtilisationLow" in gke  # the utilisation counters are in GKE's package


def test_rule_groups_is_the_prometheus_rule_file_shape():
    groups = rule_groups(platform_alert_rules(THRESHOLDS, spend_per_hour_budget=None, gpu_hourly_prices={}),
                         interval_seconds=30)
    assert list(groups) == ["groups"] and len(groups["groups"]) == 1
    group = groups["groups"][0]
    assert group["name"] == "mlinfra-platform" and group["interval"] == "30s"
    node = next(r for r in group["rules"] if r["alert"] == "NodeNotReady")
    assert node == {
        "alert": "NodeNotReady", "expr": 'kube_node_status_condition{condition="Ready", status!="true"} == 1',
        "for": "6m", "labels": {"severity": "critical"},
        "annotations": {"summary": "Node {{ $labels.node }} has not been Ready for 6 minutes",
                        "description": node["annotations"]["description"]}}
    assert "kubectl describe node" in node["annotations"]["description"]


def test_price_vector_escapes_and_refuses_an_empty_catalog():
    assert metric_names(f"sum(kube_node_labels * on (x) group_left () ({price_vector(PRICES)}))") == {
        "kube_node_labels"}
    with pytest.raises(ValueError, match="no prices"):
        price_vector({})
