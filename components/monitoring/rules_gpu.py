"""GPU alerts: idle and under-used GPUs (MIG instances included), hardware errors, throttling, NVLink, lost GPUs, spend.

Every DCGM series names its node through `promql.dcgm` and keeps the exporter's own `namespace`/`pod`
(the pod holding the GPU), which the collectors leave alone (components/aws/scrape_config.py), so an
alert names the node and, where a pod holds the GPU, the pod.
"""

from __future__ import annotations

from collections.abc import Mapping

from components.monitoring.alerts import CRITICAL, WARNING, AlertRule, AlertThresholds, RuleScope
from components.monitoring.promql import (
    GPU_RESOURCE,
    MIG_INSTANCE_LABEL,
    POOL,
    dcgm,
    gpu_nodes,
    gpu_requests_by_node,
    gpu_utilisation_percent,
    hourly_cost,
)

# The labels a per-GPU alert keeps: where the GPU is, which one, and the pod holding it (if any).
GPU_LABELS = f"cluster, node, gpu, {MIG_INSTANCE_LABEL}, modelName, namespace, pod"
# Throttling counters count nanoseconds throttled ("Throttling duration due to power constraints (in ns)":
# NVIDIA/dcgm-exporter@4.5.3-4.8.2:etc/default-counters.csv), so their per-second rate / 1e9 is the share
# of time throttled. The shares and durations below are the project's choice: thermal throttling is never
# normal in a data centre; power capping is, briefly, under full load, so it must last longer to page.
THERMAL_THROTTLE_SHARE, THERMAL_THROTTLE_MINUTES = 0.1, 10
POWER_THROTTLE_SHARE, POWER_THROTTLE_MINUTES = 0.5, 30
NVLINK_ERROR_COUNTERS = tuple(f"DCGM_FI_DEV_NVLINK_{kind}_ERROR_COUNT_TOTAL"
                              for kind in ("RECOVERY", "REPLAY", "CRC_DATA", "CRC_FLIT"))
MISSING_GPUS_MINUTES = 15


def gpu_rules(t: AlertThresholds, scope: RuleScope, spend_per_hour_budget: float | None,
              gpu_hourly_prices: Mapping[str, float]) -> list[AlertRule]:
    """The GPU rules the scope's clusters can fire (none without a GPU pool)."""
    if not scope.gpus:
        return []
    rules = [
        AlertRule(
            "GpuNodeWithoutGpuPods", f"({gpu_nodes()}) unless on (cluster, node) ({gpu_requests_by_node()} > 0)",
            t.gpu_idle_minutes, WARNING,
            "GPU node {{ $labels.node }} (pool {{ $labels.label_mlinfra_io_pool }}) has run no GPU pod "
            f"for {t.gpu_idle_minutes} minutes",
            "The node is paid for but unused. If nothing is queued for the pool, lower its min_nodes or let the "
            "autoscaler remove it; if pods are queued, check their node selectors and tolerations."),
        missing_gpus_rule(scope),
    ]
    if scope.dcgm:
        rules += dcgm_rules(t, scope)
    if spend_per_hour_budget is not None and gpu_hourly_prices:
        rules.append(AlertRule(
            "GpuSpendAboveBudget", f"{hourly_cost(gpu_nodes(), gpu_hourly_prices)} > {spend_per_hour_budget:g}",
            30, WARNING,
            f"GPU nodes are costing more than the stack's budget of {spend_per_hour_budget:g}/hour "
            "(catalog on-demand prices)",
            "Sum of the running GPU nodes at catalog on-demand prices (spot nodes cost less, so this is an upper "
            "bound). Find idle nodes on the GPU dashboard and scale their pools down."))
    return rules


def dcgm_rules(t: AlertThresholds, scope: RuleScope) -> list[AlertRule]:
    """The rules that read DCGM: utilisation always, error and health counters where they are exported."""
    rules = [
        AlertRule(
            "GpuUtilisationLow",
            f"avg by ({GPU_LABELS}) ({gpu_utilisation_percent()}) < {t.gpu_idle_utilisation_percent}",
            t.gpu_idle_minutes, WARNING,
            "GPU {{ $labels.gpu }} on {{ $labels.node }} (pod {{ $labels.namespace }}/{{ $labels.pod }}) averaged "
            f"under {t.gpu_idle_utilisation_percent}% utilisation for {t.gpu_idle_minutes} minutes",
            "A job holds the GPU but barely uses it: look at the pod (data loading, a stuck notebook) and release "
            "the GPU if it is not needed. MIG instances are measured by graphics-engine activity."),
    ]
    if scope.dcgm_error_counters:
        rules += [
            AlertRule(
                "GpuXidError",
                f"max by ({GPU_LABELS}) ({dcgm('max_over_time(DCGM_FI_DEV_XID_ERRORS[5m])')}) > 0",
                0, CRITICAL,
                "GPU {{ $labels.gpu }} on {{ $labels.node }} reported XID error {{ $value }}",
                "Look the code up in NVIDIA's XID catalogue; 48, 63, 64, 74, 79 and 94/95 usually mean the GPU "
                "must be drained and the node replaced (kubectl drain, then delete the node)."),
            AlertRule(
                "GpuUncorrectableMemoryErrors",
                f"max by ({GPU_LABELS}) "
                f"({dcgm('increase(DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS[15m])')}) > 0 "
                f"or max by ({GPU_LABELS}) ({dcgm('DCGM_FI_DEV_ROW_REMAP_FAILURE')}) > 0",
                0, CRITICAL,
                "GPU {{ $labels.gpu }} on {{ $labels.node }} has uncorrectable (double-bit) memory errors",
                "Rows were remapped after uncorrectable ECC errors, or remapping failed: drain the node and "
                "replace it; a GPU with a remap failure must not run jobs."),
        ]
    if scope.dcgm_health_counters:
        rules += health_counter_rules()
    return rules


def health_counter_rules() -> list[AlertRule]:
    """Thermal and power throttling, and NVLink errors: only where the exporter exports those counters."""
    def share(counter: str) -> str:
        return f"max by ({GPU_LABELS}) ({dcgm(f'rate({counter}[10m])')}) / 1e9"

    nvlink = " or ".join(f"max by ({GPU_LABELS}) ({dcgm(f'increase({c}[15m])')}) > 0" for c in NVLINK_ERROR_COUNTERS)
    return [
        AlertRule(
            "GpuThermalThrottling", f"{share('DCGM_FI_DEV_THERMAL_VIOLATION')} > {THERMAL_THROTTLE_SHARE:g}",
            THERMAL_THROTTLE_MINUTES, WARNING,
            "GPU {{ $labels.gpu }} on {{ $labels.node }} has been slowed by heat "
            "{{ $value | humanizePercentage }} of the time",
            "The GPU lowers its clocks to cool down: jobs run slower. Check the GPU temperature panel; one hot "
            "GPU on a node points to its cooling, every GPU of a node to the host, which should be replaced."),
        AlertRule(
            "GpuPowerThrottling", f"{share('DCGM_FI_DEV_POWER_VIOLATION')} > {POWER_THROTTLE_SHARE:g}",
            POWER_THROTTLE_MINUTES, WARNING,
            "GPU {{ $labels.gpu }} on {{ $labels.node }} has been held at its power cap "
            "{{ $value | humanizePercentage }} of the time",
            "Sustained power capping slows a job down. A lowered power limit (nvidia-smi -q -d POWER) on one "
            "node is a host problem: drain and replace it."),
        AlertRule(
            "GpuNvlinkErrors", nvlink, 0, WARNING,
            "GPU {{ $labels.gpu }} on {{ $labels.node }} counted NVLink errors in the last 15 minutes",
            "CRC and replay errors slow multi-GPU jobs; recovery errors mean a link went down. Repeated errors "
            "on one node: drain it and replace the instance."),
    ]


def missing_gpus_rule(scope: RuleScope) -> AlertRule:
    """Nodes of a GPU pool showing fewer allocatable GPUs than one node of the pool has (a GPU fell off
    the bus, the driver or device plugin failed), by how many GPUs are missing.

    MIG nodes show one allocatable GPU per instance, at least one per GPU, so for them the pool's GPU
    count is a lower bound: a lost MIG GPU whose siblings still carry several instances can go unseen.
    """
    expected = {pool: gpus for cluster in scope.clusters for pool, gpus in cluster.gpu_pools.items()}
    pools = "|".join(sorted(expected))
    nodes = f'max by (cluster, node, {POOL}) (kube_node_labels{{{POOL}=~"{pools}"}})'
    vector = " or ".join(f'label_replace(vector({gpus}), "{POOL}", "{pool}", "", "")'
                         for pool, gpus in sorted(expected.items()))
    allocatable = (f'sum by (cluster, node) (kube_node_status_allocatable{{resource="{GPU_RESOURCE}"}}) '
                   f"or on (cluster, node) 0 * {nodes}")
    return AlertRule(
        "GpuNodeMissingGpus",
        f"({nodes} * on ({POOL}) group_left () ({vector})) - on (cluster, node) group_left () ({allocatable}) > 0",
        MISSING_GPUS_MINUTES, CRITICAL,
        "GPU node {{ $labels.node }} (pool {{ $labels.label_mlinfra_io_pool }}) is missing {{ $value }} of its GPUs",
        "kubectl describe node shows the nvidia.com/gpu capacity; the device plugin's and DCGM's logs on the "
        "node say which GPU is gone. Drain the node and delete it so the pool replaces it.")
