"""The platform dashboards, the same on both clouds: GPUs, scheduling, runners, control plane.

Built with grafana-foundation-sdk and read back through its dashboard model (components/monitoring/panels.py).

Every expression reads metrics the exporters in `infra.catalog.exporter_metrics` produce, joined on
the label contract of `components.monitoring.promql`. The idle-GPU cost uses the catalog's prices as an
inline PromQL vector (promql.price_vector).
"""

from __future__ import annotations

from collections.abc import Mapping

from components.monitoring.panels import Panel, Query, dashboard_json
from components.monitoring.promql import (
    GPU_RESOURCE,
    INSTANCE_TYPE,
    POOL,
    TEAM,
    dcgm,
    gpu_nodes,
    gpu_requests_by_node,
    gpu_utilisation_percent,
    hourly_cost,
)

# The classic dashboard JSON schema version the dashboards are written in. Grafana migrates a dashboard
# from any schemaVersion >= 9 up to its own latest when it loads it (grafana/grafana:apps/dashboard/pkg/
# migration/schemaversion/migrations.go, MIN_VERSION 9). The migrations past 41 touch nothing these
# dashboards use: v42 only sets hideFrom.tooltip on overrides with hideFrom.viz, v43 only rewrites
# formatTime transformations (v42.go, v43.go, read 2026-11-29). The grafana/grafana repository is too big
# to fetch, so its v13.2.0 tag (the pinned chart's appVersion) was not read directly: 41 is the newest version
# every Grafana the readable commits show (latest 41, 42 or 43) loads without a migration that matters.
# The SDK's Grafana 10.1 types would write 36; panels.dashboard_json states 41 instead.
SCHEMA_VERSION = 41


def _legend(label: str) -> str:
    return "{{" + label + "}}"


def _by_node_label(metric: str, label: str, how: str = "avg") -> str:
    # DCGM series name their node (promql.dcgm); kube_node_labels maps it to pool and team.
    return f"{how} by ({label}) ({metric} * on (cluster, node) group_left ({label}) kube_node_labels)"


def gpu_panels(gpu_hourly_prices: Mapping[str, float]) -> tuple[Panel, ...]:
    """GPU utilisation and memory per pool, team and node; allocated against idle GPUs and their cost."""
    idle_nodes = f"({gpu_nodes()}) unless on (cluster, node) ({gpu_requests_by_node()} > 0)"
    panels = [
        Panel("GPU utilisation by pool", (Query(_by_node_label(gpu_utilisation_percent(), POOL), _legend(POOL)),),
              unit="percent"),
        Panel("GPU utilisation by team", (Query(_by_node_label(gpu_utilisation_percent(), TEAM), _legend(TEAM)),),
              unit="percent", description="Team is the `team` label a GPU pool sets in its `labels`."),
        Panel("GPU utilisation by node", (Query(f"avg by (node) ({gpu_utilisation_percent()})", "{{node}}"),),
              unit="percent", description="Whole GPUs and MIG instances (graphics engine activity) alike."),
        Panel("GPU memory used by pool", (Query(_by_node_label(dcgm("DCGM_FI_DEV_FB_USED"), POOL, "sum"),
                                                _legend(POOL)),), unit="decmbytes"),
        Panel("GPU memory used by node", (Query(f"sum by (node) ({dcgm('DCGM_FI_DEV_FB_USED')})", "{{node}}"),),
              unit="decmbytes"),
        Panel("GPUs allocated and idle", (
            Query(f'sum(kube_node_status_allocatable{{resource="{GPU_RESOURCE}"}})', "GPUs in the cluster"),
            Query(f"sum({gpu_requests_by_node()})", "GPUs requested by running pods"),
            Query(f'sum(kube_node_status_allocatable{{resource="{GPU_RESOURCE}"}} '
                  f'and on (cluster, node) ({idle_nodes}))', "GPUs on nodes without a GPU pod"))),
    ]
    if gpu_hourly_prices:
        panels.append(Panel(
            "Idle GPU nodes: cost per hour", (Query(hourly_cost(idle_nodes, gpu_hourly_prices), "idle cost/hour"),
                                              Query(hourly_cost(gpu_nodes(), gpu_hourly_prices), "all GPU nodes")),
            unit="currencyUSD",
            description="Catalog on-demand price of each GPU node that runs no GPU pod (spot costs less)."))
    return tuple(panels)


def scheduling_panels() -> tuple[Panel, ...]:
    """Pending GPU pods and how long pods wait to be scheduled; nodes per pool over time."""
    return (
        Panel("Pending GPU pods", (Query(
            f'sum(kube_pod_container_resource_requests{{resource="{GPU_RESOURCE}"}} '
            '* on (cluster, namespace, pod) group_left () (kube_pod_status_phase{phase="Pending"} == 1))',
            "GPUs requested by pending pods"),
            Query("sum(kube_pod_status_unschedulable)", "unschedulable pods"))),
        Panel("Time to schedule (pods created in the last hour)", (Query(
            "max(kube_pod_status_scheduled_time - on (cluster, namespace, pod) kube_pod_created "
            "and on (cluster, namespace, pod) (time() - kube_pod_created < 3600))", "slowest"),),
            unit="s"),
        Panel("Nodes per pool", (Query(f"count by ({POOL}) (kube_node_labels)", _legend(POOL)),)),
        Panel("GPU nodes per instance type", (Query(f"count by ({INSTANCE_TYPE}) ({gpu_nodes()})",
                                                    _legend(INSTANCE_TYPE)),)),
    )


def runner_panels() -> tuple[Panel, ...]:
    """Runner scale sets: jobs waiting, runners busy against the maximum, how long jobs wait to start."""
    return (
        Panel("Jobs assigned and running", (Query("sum by (name) (gha_assigned_jobs)", "{{name}} assigned"),
                                            Query("sum by (name) (gha_running_jobs)", "{{name}} running"))),
        Panel("Runners: busy, desired and max", (Query("sum by (name) (gha_busy_runners)", "{{name}} busy"),
                                                 Query("sum by (name) (gha_desired_runners)", "{{name}} desired"),
                                                 Query("sum by (name) (gha_max_runners)", "{{name}} max"))),
        # The listener labels its job histograms by repository and job, not by scale set name.
        Panel("Job wait before start (p90)", (Query(
            "histogram_quantile(0.9, sum by (le, repository) (rate(gha_job_startup_duration_seconds_bucket[15m])))",
            "{{repository}}"),), unit="s"),
    )


def control_plane_panels() -> tuple[Panel, ...]:
    """API server health as far as the managed control plane exposes it, and node readiness and load."""
    return (
        Panel("API server requests by code", (Query("sum by (code) (rate(apiserver_request_total[5m]))", "{{code}}"),),
              unit="reqps"),
        Panel("API server request latency (p99, non-watch)", (Query(
            'histogram_quantile(0.99, sum by (le, verb) (rate(apiserver_request_duration_seconds_bucket'
            '{verb!~"WATCH|CONNECT"}[5m])))', "{{verb}}"),), unit="s"),
        Panel("Nodes not ready", (Query(
            'sum(kube_node_status_condition{condition="Ready", status!="true"})', "not ready"),)),
        # node-exporter knows no node name; the collectors attach it as `node` (promql.TARGET_NODE_LABEL).
        Panel("Node CPU busy", (Query(
            'sum by (node) (1 - avg by (node) (rate(node_cpu_seconds_total{mode="idle"}[5m])))', "{{node}}"),),
            unit="percentunit"),
        Panel("Node memory free", (Query(
            "sum by (node) (node_memory_MemFree_bytes + node_memory_Cached_bytes + node_memory_Buffers_bytes) "
            "/ sum by (node) (node_memory_MemTotal_bytes)", "{{node}}"),), unit="percentunit"),
    )


def platform_dashboards(datasource_uid: str, gpu_hourly_prices: Mapping[str, float], *,
                        datasource_type: str = "prometheus", runners: bool = False) -> dict[str, dict]:
    """The platform dashboards by uid, each reading the data source `datasource_uid`.

    `runners`: whether the cluster runs runner scale sets; without them the runner dashboard could only
    ever be empty, so it is left out.
    """
    datasource = {"type": datasource_type, "uid": datasource_uid}
    boards = [("mlinfra-gpus", "GPUs: utilisation, memory, idle cost", gpu_panels(gpu_hourly_prices)),
              ("mlinfra-scheduling", "Scheduling: pending GPU pods and nodes per pool", scheduling_panels())]
    if runners:
        boards.append(("mlinfra-runners", "CI runners: queue and wait", runner_panels()))
    boards.append(("mlinfra-control-plane", "Control plane health", control_plane_panels()))
    return {uid: dashboard_json(uid, title, panels, datasource, SCHEMA_VERSION) for uid, title, panels in boards}
