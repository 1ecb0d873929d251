"""The platform's alert rules, one list for both clouds, and the Prometheus rule-file shape they are sent in.

AMP takes the rule file as YAML (a rule groups namespace); GMP's ClusterRules takes its `groups` as
`spec.groups`. Thresholds are numbers from the stack config; prices are numbers from the catalog, passed
in because components never import infra.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from components.monitoring.promql import (
    GPU_RESOURCE,
    dcgm,
    gpu_nodes,
    gpu_requests_by_node,
    hourly_cost,
)

CRITICAL = "critical"
WARNING = "warning"


@dataclass(frozen=True)
class AlertThresholds:
    """How long (minutes) or how low (percent) before each alert fires; the config's effective values."""

    gpu_idle_minutes: int
    gpu_idle_utilisation_percent: int
    gpu_pod_pending_minutes: int
    node_not_ready_minutes: int
    volume_claim_pending_minutes: int
    autoscaler_failing_minutes: int
    runner_saturated_minutes: int


@dataclass(frozen=True)
class AlertRule:
    """One alerting rule: PromQL that returns a series per firing instance, held for `for_minutes`."""

    name: str
    expr: str
    for_minutes: int
    severity: str
    summary: str
    description: str = ""

    def as_rule(self) -> dict:
        """The rule in Prometheus rule-file form."""
        annotations = {"summary": self.summary}
        if self.description:
            annotations["description"] = self.description
        return {"alert": self.name, "expr": self.expr, "for": f"{self.for_minutes}m",
                "labels": {"severity": self.severity}, "annotations": annotations}


def platform_alert_rules(thresholds: AlertThresholds, *, spend_per_hour_budget: float | None,
                         gpu_hourly_prices: Mapping[str, float],
                         cluster_autoscaler_metrics: bool = True,
                         dcgm_error_counters: bool = True) -> tuple[AlertRule, ...]:
    """Every platform alert for one cluster.

    `gpu_hourly_prices`: the hourly price of one node of each GPU instance type (keyed by the node's
    `node.kubernetes.io/instance-type`), from the catalog. `cluster_autoscaler_metrics`: False where the
    autoscaler is the cloud's own and exposes no metrics (GKE); the unschedulable-pods rule stands in.
    `dcgm_error_counters`: False where the DCGM exporter does not export the XID and row-remapping
    counters (GKE's managed package): those two alerts would never fire, so they are left out.
    """
    t = thresholds
    rules = [
        AlertRule(
            "GpuNodeWithoutGpuPods", f"({gpu_nodes()}) unless on (node) ({gpu_requests_by_node()} > 0)",
            t.gpu_idle_minutes, WARNING,
            "GPU node {{ $labels.node }} (pool {{ $labels.label_mlinfra_io_pool }}) has run no GPU pod "
            f"for {t.gpu_idle_minutes} minutes",
            "The node is paid for but unused. If nothing is queued for the pool, lower its min_nodes or let the "
            "autoscaler remove it; if pods are queued, check their node selectors and tolerations."),
        AlertRule(
            "GpuUtilisationLow",
            f"avg by (node, gpu, modelName) ({dcgm('DCGM_FI_DEV_GPU_UTIL')}) < {t.gpu_idle_utilisation_percent}",
            t.gpu_idle_minutes, WARNING,
            "GPU {{ $labels.gpu }} on {{ $labels.node }} averaged under "
            f"{t.gpu_idle_utilisation_percent}% utilisation for {t.gpu_idle_minutes} minutes",
            "A job holds the GPU but barely uses it: look at the pod on that node (data loading, a stuck "
            "notebook) and release the GPU if it is not needed."),
        AlertRule(
            "GpuPodPending",
            f'sum by (namespace, pod) (kube_pod_container_resource_requests{{resource="{GPU_RESOURCE}"}} '
            '* on (namespace, pod) group_left () (kube_pod_status_phase{phase="Pending"} == 1)) > 0',
            t.gpu_pod_pending_minutes, WARNING,
            "GPU pod {{ $labels.namespace }}/{{ $labels.pod }} has been pending for "
            f"{t.gpu_pod_pending_minutes} minutes",
            "kubectl describe pod shows why: no pool with that accelerator, the pool at max_nodes, no "
            "capacity (spot) in the zone, or a missing toleration for nvidia.com/gpu."),
        AlertRule(
            "NodeNotReady", 'kube_node_status_condition{condition="Ready", status!="true"} == 1',
            t.node_not_ready_minutes, CRITICAL,
            f"Node {{{{ $labels.node }}}} has not been Ready for {t.node_not_ready_minutes} minutes",
            "kubectl describe node shows the failing condition (kubelet, disk or memory pressure, network); "
            "a node that does not recover should be drained and deleted so the pool replaces it."),
        AlertRule(
            "VolumeClaimPending", 'kube_persistentvolumeclaim_status_phase{phase="Pending"} == 1',
            t.volume_claim_pending_minutes, WARNING,
            "Volume claim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has been pending for "
            f"{t.volume_claim_pending_minutes} minutes",
            "kubectl describe pvc shows why: no storage class or default class, the CSI driver missing, or "
            "a WaitForFirstConsumer claim whose pod cannot be scheduled."),
        AlertRule(
            "PodsUnschedulable", "sum by (namespace, pod) (kube_pod_status_unschedulable) > 0",
            t.autoscaler_failing_minutes, WARNING,
            "Pod {{ $labels.namespace }}/{{ $labels.pod }} has been unschedulable for "
            f"{t.autoscaler_failing_minutes} minutes: the cluster did not grow to fit it",
            "The autoscaler could not add a node that fits: a pool at max_nodes, a quota, no capacity for "
            "the machine type, or a request no pool can satisfy."),
    ]
    if dcgm_error_counters:
        rules += [
            AlertRule(
                "GpuXidError",
                f"max by (node, gpu, modelName) ({dcgm('max_over_time(DCGM_FI_DEV_XID_ERRORS[5m])')}) > 0",
                0, CRITICAL,
                "GPU {{ $labels.gpu }} on {{ $labels.node }} reported XID error {{ $value }}",
                "Look the code up in NVIDIA's XID catalogue; 48, 63, 64, 74, 79 and 94/95 usually mean the GPU "
                "must be drained and the node replaced (kubectl drain, then delete the node)."),
            AlertRule(
                "GpuUncorrectableMemoryErrors",
                "max by (node, gpu, modelName) "
                f"({dcgm('increase(DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS[15m])')}) > 0 "
                f"or max by (node, gpu, modelName) ({dcgm('DCGM_FI_DEV_ROW_REMAP_FAILURE')}) > 0",
                0, CRITICAL,
                "GPU {{ $labels.gpu }} on {{ $labels.node }} has uncorrectable (double-bit) memory errors",
                "Rows were remapped after uncorrectable ECC errors, or remapping failed: drain the node and "
                "replace it; a GPU with a remap failure must not run jobs."),
        ]
    if cluster_autoscaler_metrics:
        rules.append(AlertRule(
            "ClusterAutoscalerScaleUpFailing", "sum(increase(cluster_autoscaler_failed_scale_ups_total[15m])) > 0",
            t.autoscaler_failing_minutes, WARNING,
            f"cluster-autoscaler has failed to scale up for {t.autoscaler_failing_minutes} minutes",
            "kubectl -n kube-system logs deploy/cluster-autoscaler shows the reason (the failed_scale_ups "
            "`reason` label says which: cloud provider error, timeout, quota)."))
    rules.append(AlertRule(
        "RunnerScaleSetAtMax", "max by (name, namespace) (gha_desired_runners - gha_max_runners) >= 0",
        t.runner_saturated_minutes, WARNING,
        "Runner scale set {{ $labels.name }} has wanted its maximum number of runners for "
        f"{t.runner_saturated_minutes} minutes",
        "CI jobs are queueing for runners: raise the scale set's max_runners, or look for jobs that hang."))
    if spend_per_hour_budget is not None and gpu_hourly_prices:
        rules.append(AlertRule(
            "GpuSpendAboveBudget", f"{hourly_cost(gpu_nodes(), gpu_hourly_prices)} > {spend_per_hour_budget:g}",
            30, WARNING,
            f"GPU nodes are costing more than the stack's budget of {spend_per_hour_budget:g}/hour "
            "(catalog on-demand prices)",
            "Sum of the running GPU nodes at catalog on-demand prices (spot nodes cost less, so this is an upper "
            "bound). Find idle nodes on the GPU dashboard and scale their pools down."))
    return tuple(rules)


def rule_groups(rules: tuple[AlertRule, ...] | list[AlertRule], *, name: str = "mlinfra-platform",
                interval_seconds: int = 60) -> dict:
    """The Prometheus rule file `{"groups": [...]}` holding `rules` as one group."""
    return {"groups": [{"name": name, "interval": f"{interval_seconds}s",
                        "rules": [rule.as_rule() for rule in rules]}]}
