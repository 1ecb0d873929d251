"""The label contract between the exporters, the collectors and the PromQL in rules and dashboards.

kube-state-metrics exposes a node's Kubernetes labels on `kube_node_labels` only when they are
allowlisted (`--metric-labels-allowlist`), renamed `label_<name with . / - as _>`; MetricsExporters
allowlists exactly `NODE_LABELS`. DCGM exporter series name their node in `Hostname` (the chart sets
NODE_NAME from spec.nodeName and the exporter uses it as Hostname: NVIDIA/dcgm-exporter@4.5.3-4.8.2:
deployment/templates/daemonset.yaml, internal/pkg/hostname/hostname.go, internal/pkg/rendermetrics/
render_metrics.go, read 2026-11-29), so `dcgm()` copies it into `node`, the label kube-state-metrics uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Node labels every GPU pool sets on both clouds (components/{aws,gcp}/gpu_node_pool.py), the well-known
# instance-type label both clouds set, and `team`, which a pool may set in its `labels` to own its GPUs.
POOL_LABEL = "mlinfra.io/pool"
ACCELERATOR_LABEL = "mlinfra.io/accelerator"
CAPACITY_LABEL = "mlinfra.io/capacity-type"
INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type"
TEAM_LABEL = "team"
NODE_LABELS: tuple[str, ...] = (POOL_LABEL, ACCELERATOR_LABEL, CAPACITY_LABEL, INSTANCE_TYPE_LABEL, TEAM_LABEL)
# The label the collectors must put on node-exporter series: the Kubernetes node the target runs on
# (node-exporter itself only knows the node's IP, in `instance`).
TARGET_NODE_LABEL = "node"
# The extended resource GPUs are requested as, as kube-state-metrics names it (`/` and `.` become `_`).
GPU_RESOURCE = "nvidia_com_gpu"


def ksm_label(kubernetes_label: str) -> str:
    """The label kube-state-metrics gives an allowlisted Kubernetes label: `label_` + [^a-zA-Z0-9_] -> `_`."""
    return "label_" + re.sub(r"[^a-zA-Z0-9_]", "_", kubernetes_label)


POOL = ksm_label(POOL_LABEL)
TEAM = ksm_label(TEAM_LABEL)
INSTANCE_TYPE = ksm_label(INSTANCE_TYPE_LABEL)


def dcgm(metric: str) -> str:
    """A DCGM exporter metric with its `Hostname` (the node name) copied into `node`, to join on."""
    return f'label_replace({metric}, "node", "$1", "Hostname", "(.*)")'


# MIG instances: dcgm-exporter labels a MIG instance's series with GPU_I_PROFILE and GPU_I_ID
# (NVIDIA/dcgm-exporter@4.5.3-4.8.2:internal/pkg/rendermetrics/render_metrics.go). DCGM does not measure
# DCGM_FI_DEV_GPU_UTIL for MIG instances (it reads 0 there), and NVIDIA's maintainers point to
# DCGM_FI_PROF_GR_ENGINE_ACTIVE, a 0-1 ratio that works on MIG ("1) Yes, it is normal 2)
# DCGM_FI_PROF_GR_ENGINE_ACTIVE 3) Today, there are no plans to support DCGM_FI_DEV_GPU_UTIL for MIG
# instances": https://github.com/NVIDIA/dcgm-exporter/issues/216; the same in
# https://github.com/NVIDIA/DCGM/issues/80; both read 2026-12-07). Both exporters the platform scrapes
# export it: the dcgm-exporter chart's counters and GKE's DCGM package (infra/catalog/exporter_metrics.py).
MIG_INSTANCE_LABEL = "GPU_I_ID"


def gpu_utilisation_percent() -> str:
    """GPU utilisation in percent per GPU or MIG instance, keyed by `node`: whole GPUs from
    DCGM_FI_DEV_GPU_UTIL, MIG instances from DCGM_FI_PROF_GR_ENGINE_ACTIVE (x100), never a MIG instance's 0."""
    whole = dcgm(f'DCGM_FI_DEV_GPU_UTIL{{{MIG_INSTANCE_LABEL}=""}}')
    mig = dcgm(f'DCGM_FI_PROF_GR_ENGINE_ACTIVE{{{MIG_INSTANCE_LABEL}!=""}}')
    return f"({whole} or 100 * {mig})"


def gpu_nodes() -> str:
    """One series per GPU node (value 1) with its pool, team and instance type, keyed by `node`."""
    allocatable = f'kube_node_status_allocatable{{resource="{GPU_RESOURCE}"}}'
    return f'kube_node_labels{{{POOL}!=""}} and on (cluster, node) ({allocatable} > 0)'


def gpu_requests_by_node() -> str:
    """GPUs requested by the running pods of each node."""
    return (f'sum by (cluster, node) (kube_pod_container_resource_requests{{resource="{GPU_RESOURCE}"}} '
            f'* on (cluster, namespace, pod) group_left () (kube_pod_status_phase{{phase="Running"}} == 1))')


def price_vector(node_hourly_prices: Mapping[str, float]) -> str:
    """The catalog's hourly price per instance type as an instant vector keyed like kube_node_labels.

    Built inline (label_replace over vector()) rather than as a recording rule, so a price change is a
    visible change of the rule text in the plan and needs no second rule group to be evaluated first.
    """
    if not node_hourly_prices:
        raise ValueError("no prices: the spend expressions need at least one instance type")
    parts = [f'label_replace(vector({price:.4f}), "{INSTANCE_TYPE}", "{_escape(kind)}", "", "")'
             for kind, price in sorted(node_hourly_prices.items())]
    return " or ".join(parts)


def hourly_cost(nodes: str, node_hourly_prices: Mapping[str, float]) -> str:
    """The hourly cost of the node series `nodes` (which carry the instance-type label), at catalog prices."""
    # `nodes` in parentheses: it is usually an `and`/`unless` expression, and `*` binds tighter than those, so
    # unbracketed the prices would multiply only its right-hand side (which has no instance type) and the
    # sum would always be empty (promtool's unit test of GpuSpendAboveBudget caught exactly that).
    return f"sum(({nodes}) * on ({INSTANCE_TYPE}) group_left () ({price_vector(node_hourly_prices)}))"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
