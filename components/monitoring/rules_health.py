"""Kubernetes, runner and health alerts: pending and unschedulable work, and every exporter, scraper and target
going missing (without them every other alert goes silent instead of firing).

Absence is read from each exporter's own series, which both clouds store; Prometheus' synthetic `up`
series are read only where the collector is known to store them (`ClusterScope.scrape_jobs`, the AMP
managed scraper, a Prometheus agent). A per-cluster rule filters on the cluster's `cluster` label where
one workspace holds several clusters (AMP), and carries it as an alert label.
"""

from __future__ import annotations

from components.monitoring.alerts import CRITICAL, WARNING, AlertRule, AlertThresholds, ClusterScope, RuleScope
from components.monitoring.promql import GPU_RESOURCE, dcgm, gpu_nodes

# How long an exporter, target or the scraper may be gone before anyone is told: long enough for a
# rolling restart or a node replacement, short enough that a silent GPU fleet is noticed within the hour.
MISSING_MINUTES = 10


def _sel(cluster: ClusterScope, *matchers: str) -> str:
    """A selector's braces: the matchers, and the cluster's when its series carry one."""
    found = [*matchers, *([f'cluster="{cluster.cluster}"'] if cluster.cluster else [])]
    return "{" + ", ".join(found) + "}" if found else ""


def _labels(cluster: ClusterScope) -> dict[str, str]:
    return {"cluster": cluster.cluster} if cluster.cluster else {}


def kubernetes_rules(t: AlertThresholds) -> list[AlertRule]:
    """Pending GPU pods, nodes not ready, pending claims, unschedulable pods: kube-state-metrics alone."""
    return [
        AlertRule(
            "GpuPodPending",
            f'sum by (cluster, namespace, pod) (kube_pod_container_resource_requests{{resource="{GPU_RESOURCE}"}} '
            '* on (cluster, namespace, pod) group_left () (kube_pod_status_phase{phase="Pending"} == 1)) > 0',
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
            "PodsUnschedulable", "sum by (cluster, namespace, pod) (kube_pod_status_unschedulable) > 0",
            t.autoscaler_failing_minutes, WARNING,
            "Pod {{ $labels.namespace }}/{{ $labels.pod }} has been unschedulable for "
            f"{t.autoscaler_failing_minutes} minutes: the cluster did not grow to fit it",
            "The autoscaler could not add a node that fits: a pool at max_nodes, a quota, no capacity for "
            "the machine type, or a request no pool can satisfy."),
    ]


def runner_rules(t: AlertThresholds, scope: RuleScope) -> list[AlertRule]:
    """Runner scale sets at their maximum, and each scale set's listener gone: only where runners run."""
    if not scope.runners:
        return []
    rules = [AlertRule(
        "RunnerScaleSetAtMax", "max by (cluster, name, namespace) (gha_desired_runners - gha_max_runners) >= 0",
        t.runner_saturated_minutes, WARNING,
        "Runner scale set {{ $labels.name }} has wanted its maximum number of runners for "
        f"{t.runner_saturated_minutes} minutes",
        "CI jobs are queueing for runners: raise the scale set's max_runners, or look for jobs that hang.")]
    for cluster in scope.clusters:
        for scale_set in cluster.runner_scale_sets:
            # The listener sets gha_max_runners as soon as it starts (RecordStatic, cmd/ghalistener/metrics/
            # metrics.go at gha-runner-scale-set-0.14.2), labelled with its scale set's name.
            selector = _sel(cluster, f'name="{scale_set}"')
            rules.append(AlertRule(
                "RunnerListenerMissing", f"absent(gha_max_runners{selector})",
                MISSING_MINUTES, WARNING,
                f"No metrics from the listener of runner scale set {scale_set} for {MISSING_MINUTES} minutes",
                "Without its listener the scale set takes no jobs. kubectl -n <controller namespace> get pods "
                "shows the listener; its logs say why it stopped (GitHub App credentials, network).",
                labels={**_labels(cluster), "name": scale_set}))
    return rules


def health_rules(scope: RuleScope) -> list[AlertRule]:
    """Per cluster: kube-state-metrics, node-exporter, DCGM, the autoscaler, each target and the scraper gone."""
    rules: list[AlertRule] = []
    for cluster in scope.clusters:
        labels = _labels(cluster)
        rules.append(AlertRule(
            "KubeStateMetricsMissing", f"absent(kube_node_info{_sel(cluster)})", MISSING_MINUTES, CRITICAL,
            f"No kube-state-metrics series for {MISSING_MINUTES} minutes: every Kubernetes and GPU alert is blind",
            "kubectl -n kube-system get pods -l app.kubernetes.io/name=kube-state-metrics; if it runs, the "
            "collector cannot reach it (network policy, scrape configuration).", labels=labels))
        rules.append(AlertRule(
            "NodeExporterMissing",
            f"kube_node_info{_sel(cluster)} unless on (cluster, node) "
            f"count by (cluster, node) (node_cpu_seconds_total{_sel(cluster)})",
            MISSING_MINUTES, WARNING,
            "Node {{ $labels.node }} sends no node-exporter metrics",
            "kubectl -n kube-system get pods -l app.kubernetes.io/name=prometheus-node-exporter -o wide shows "
            "whether its pod runs on that node; a pod that cannot start there points to the node itself.",
            labels=labels))
        if cluster.gpu_pools and cluster.dcgm:
            rules.append(AlertRule(
                "GpuMetricsMissing",
                f"({gpu_nodes()}) unless on (cluster, node) "
                f"count by (cluster, node) ({dcgm(f'DCGM_FI_DEV_GPU_TEMP{_sel(cluster)}')})",
                MISSING_MINUTES, CRITICAL,
                "GPU node {{ $labels.node }} sends no DCGM metrics: its GPU alerts are blind",
                "The DCGM exporter pod on that node is missing or failing (kubectl get pods -A -o wide | grep "
                "dcgm), or the GPU driver is not loaded.", labels=labels))
        if cluster.cluster_autoscaler:
            rules.append(AlertRule(
                "ClusterAutoscalerMissing",
                f"absent(cluster_autoscaler_last_activity{_sel(cluster)})", MISSING_MINUTES, CRITICAL,
                f"No cluster-autoscaler metrics for {MISSING_MINUTES} minutes: pools may not grow or shrink",
                "kubectl -n kube-system get pods -l app.kubernetes.io/name=aws-cluster-autoscaler; its logs "
                "say why it stopped (IAM, a crash loop).", labels=labels))
        if cluster.scrape_jobs:
            rules += _scrape_rules(cluster)
    return rules


def _scrape_rules(cluster: ClusterScope) -> list[AlertRule]:
    """A target the scraper cannot reach, and the scraper itself gone (nothing arrives from the cluster)."""
    jobs = "|".join(cluster.scrape_jobs)
    selector = _sel(cluster, f'job=~"{jobs}"')
    return [
        AlertRule(
            "ScrapeTargetDown", f"up{selector} == 0", MISSING_MINUTES, WARNING,
            "Scrape target {{ $labels.job }} {{ $labels.instance }} (node {{ $labels.node }}) is down",
            "The scraper reaches the pod but the scrape fails: a crash-looping exporter, a network policy that "
            "drops the scraper, or a metrics port that moved."),
        AlertRule(
            "MetricsScraperMissing", f"absent(up{_sel(cluster)})", MISSING_MINUTES, CRITICAL,
            f"No series from cluster {cluster.cluster} for {MISSING_MINUTES} minutes: the metrics scraper is gone",
            "aws amp list-scrapers shows the scraper's status; a scraper in CREATION_FAILED or DELETING, or a "
            "cluster whose access entry for the scraper was removed, sends nothing.", labels=_labels(cluster)),
    ]
