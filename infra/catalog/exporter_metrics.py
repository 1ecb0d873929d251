"""The metric names each scraped exporter produces at its pinned version, with sources (read 2026-11-29).

Tests check that every metric an alert rule or dashboard panel reads is in this table for an exporter the
cluster's collector scrapes, so a renamed metric or an exporter nobody scrapes fails the build instead of
leaving a panel empty and an alert silent. Bumping an exporter's pin means re-reading its list here.
Plain data with no Pulumi import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

READ_ON = "2026-11-29"


@dataclass(frozen=True)
class ExporterMetrics:
    """The metric names one exporter exposes at `version`, and where they were read."""

    key: str
    version: str
    metrics: frozenset[str]
    source: str
    # Histogram families, exposed as <name>_bucket, <name>_sum and <name>_count.
    histograms: frozenset[str] = frozenset()
    read_on: str = READ_ON

    def series_names(self) -> frozenset[str]:
        """Every series name a query can select: the metrics, and each histogram's three series."""
        expanded = {f"{h}{suffix}" for h in self.histograms for suffix in ("_bucket", "_sum", "_count")}
        return self.metrics | expanded


EXPORTER_METRICS: Mapping[str, ExporterMetrics] = {e.key: e for e in (
    # The chart renders its own counters list into the exporter-metrics-config-map ConfigMap and mounts it
    # over default-counters.csv; `-f` points the exporter at it. Double-bit ECC counters
    # (DCGM_FI_DEV_ECC_DBE_*) are commented out there, so uncorrectable errors are read through the
    # row-remapping counters that are on.
    ExporterMetrics(
        "dcgm-exporter", "4.8.2",
        frozenset({
            "DCGM_FI_DEV_SM_CLOCK", "DCGM_FI_DEV_MEM_CLOCK", "DCGM_FI_DEV_MEMORY_TEMP", "DCGM_FI_DEV_GPU_TEMP",
            "DCGM_FI_DEV_POWER_USAGE", "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "DCGM_FI_DEV_PCIE_REPLAY_COUNTER",
            "DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_MEM_COPY_UTIL", "DCGM_FI_DEV_ENC_UTIL", "DCGM_FI_DEV_DEC_UTIL",
            "DCGM_FI_DEV_XID_ERRORS", "DCGM_FI_DEV_FB_FREE", "DCGM_FI_DEV_FB_USED",
            "DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL", "DCGM_FI_DEV_VGPU_LICENSE_STATUS",
            "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS",
            "DCGM_FI_DEV_ROW_REMAP_FAILURE", "DCGM_FI_PROF_GR_ENGINE_ACTIVE", "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
            "DCGM_FI_PROF_DRAM_ACTIVE", "DCGM_FI_PROF_PCIE_TX_BYTES", "DCGM_FI_PROF_PCIE_RX_BYTES",
            # Uncommented by the platform's `customMetrics` (components/monitoring/dcgm_counters.py, 2026-12-07).
            "DCGM_FI_DEV_POWER_VIOLATION", "DCGM_FI_DEV_THERMAL_VIOLATION",
            "DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL", "DCGM_FI_DEV_NVLINK_CRC_DATA_ERROR_COUNT_TOTAL",
            "DCGM_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL", "DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL"}),
        source="NVIDIA/dcgm-exporter@4.5.3-4.8.2:deployment/templates/metrics-configmap.yaml (uncommented "
               "lines; the chart's default `arguments: [-f, /etc/dcgm-exporter/default-counters.csv]` and "
               "extraVolumeMounts in deployment/values.yaml mount it there), plus the throttling and NVLink "
               "error lines commented out there, which the platform's `customMetrics` turns on"),
    # GKE's managed DCGM package (monitoring_config.enable_components DCGM) on GKE 1.34: image
    # gke-dcgm-exporter:4.4.1-4.6.0-gke.17, series keep the DCGM_FI_* names and the Hostname label
    # (the node name). Google publishes no counters list for it; these 21 fields are a live capture of
    # that exporter by a third party, which also checked that XID errors are not among them. No
    # row-remapping counter is either; so where the platform collects metrics on GKE it runs its own
    # dcgm-exporter instead (components/gcp/dcgm_exporter.py) and scrapes that (SCRAPED_ON). Kept as the
    # record of why.
    ExporterMetrics(
        "gke-dcgm", "4.4.1-4.6.0-gke.17",
        frozenset({
            "DCGM_FI_DEV_FB_FREE", "DCGM_FI_DEV_FB_TOTAL", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_GPU_TEMP",
            "DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_MEMORY_TEMP", "DCGM_FI_DEV_MEM_COPY_UTIL",
            "DCGM_FI_DEV_POWER_USAGE", "DCGM_FI_DEV_SM_CLOCK", "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
            "DCGM_FI_PROF_DRAM_ACTIVE", "DCGM_FI_PROF_GR_ENGINE_ACTIVE", "DCGM_FI_PROF_NVLINK_RX_BYTES",
            "DCGM_FI_PROF_NVLINK_TX_BYTES", "DCGM_FI_PROF_PCIE_RX_BYTES", "DCGM_FI_PROF_PCIE_TX_BYTES",
            "DCGM_FI_PROF_PIPE_FP16_ACTIVE", "DCGM_FI_PROF_PIPE_FP32_ACTIVE", "DCGM_FI_PROF_PIPE_FP64_ACTIVE",
            "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "DCGM_FI_PROF_SM_ACTIVE"}),
        source="gke-dcgm-exporter 4.4.1-4.6.0-gke.17 as captured in elideng-sg/hypercomputer-internode-deepdive@"
               "01d27196:assets/lab-17/dcgm_prof_fields.txt (fields), @31be610d:assets/lab-14/dcgm_xid_metric.txt "
               "(no XID), @f0d21992:assets/lab-10/managed-stack.txt (image), @8af85188:assets/lab-10/"
               "dcgm-metrics-raw.txt (Hostname label); Google's docs say only that the package installs "
               "DCGM-Exporter and a ClusterPodMonitoring (docs.cloud.google.com/kubernetes-engine/docs/how-to/"
               "dcgm-metrics). A third-party capture, not a Google list: re-check on a real cluster."),
    # Node, pod and persistent-volume-claim metrics, every one not marked opt-in; the chart's default
    # `collectors` include nodes, pods and persistentvolumeclaims (prometheus-community/helm-charts@
    # kube-state-metrics-8.3.1:charts/kube-state-metrics/values.yaml).
    ExporterMetrics(
        "kube-state-metrics", "2.19.1",
        frozenset({
            "kube_node_annotations", "kube_node_created", "kube_node_deletion_timestamp", "kube_node_info",
            "kube_node_labels", "kube_node_role", "kube_node_spec_taint", "kube_node_spec_unschedulable",
            "kube_node_status_addresses", "kube_node_status_allocatable", "kube_node_status_capacity",
            "kube_node_status_condition", "kube_persistentvolumeclaim_access_mode",
            "kube_persistentvolumeclaim_annotations", "kube_persistentvolumeclaim_created",
            "kube_persistentvolumeclaim_deletion_timestamp", "kube_persistentvolumeclaim_info",
            "kube_persistentvolumeclaim_labels", "kube_persistentvolumeclaim_resource_requests_storage_bytes",
            "kube_persistentvolumeclaim_status_condition", "kube_persistentvolumeclaim_status_phase",
            "kube_pod_annotations", "kube_pod_completion_time", "kube_pod_container_info",
            "kube_pod_container_resource_limits", "kube_pod_container_resource_requests",
            "kube_pod_container_state_started", "kube_pod_container_status_last_terminated_exitcode",
            "kube_pod_container_status_last_terminated_reason",
            "kube_pod_container_status_last_terminated_timestamp", "kube_pod_container_status_ready",
            "kube_pod_container_status_restarts_total", "kube_pod_container_status_running",
            "kube_pod_container_status_terminated", "kube_pod_container_status_terminated_reason",
            "kube_pod_container_status_waiting", "kube_pod_container_status_waiting_reason", "kube_pod_created",
            "kube_pod_deletion_timestamp", "kube_pod_info", "kube_pod_init_container_info",
            "kube_pod_init_container_resource_limits", "kube_pod_init_container_resource_requests",
            "kube_pod_init_container_status_last_terminated_reason", "kube_pod_init_container_status_ready",
            "kube_pod_init_container_status_restarts_total", "kube_pod_init_container_status_running",
            "kube_pod_init_container_status_terminated", "kube_pod_init_container_status_terminated_reason",
            "kube_pod_init_container_status_waiting", "kube_pod_init_container_status_waiting_reason",
            "kube_pod_ips", "kube_pod_labels", "kube_pod_overhead_cpu_cores", "kube_pod_overhead_memory_bytes",
            "kube_pod_owner", "kube_pod_restart_policy", "kube_pod_runtimeclass_name_info", "kube_pod_scheduler",
            "kube_pod_service_account", "kube_pod_spec_volumes_persistentvolumeclaims_info",
            "kube_pod_spec_volumes_persistentvolumeclaims_readonly", "kube_pod_start_time",
            "kube_pod_status_container_ready_time", "kube_pod_status_initialized_time", "kube_pod_status_phase",
            "kube_pod_status_qos_class", "kube_pod_status_ready", "kube_pod_status_ready_time",
            "kube_pod_status_reason", "kube_pod_status_scheduled", "kube_pod_status_scheduled_time",
            "kube_pod_status_unschedulable", "kube_pod_status_unscheduled_time", "kube_pod_tolerations"
        }),
        source="kubernetes/kube-state-metrics@v2.19.1:docs/metrics/cluster/node-metrics.md, "
               "docs/metrics/workload/pod-metrics.md, docs/metrics/storage/persistentvolumeclaim-metrics.md "
               "(tables; rows marked Opt-in left out); label names: internal/store/utils.go SanitizeLabelName "
               "and internal/store/node_test.go (resource=\"nvidia_com_gpu\")"),
    # Only the families of default-on collectors (cpu, loadavg, meminfo, netdev, diskstats: README
    # 'Enabled by default') that this project reads; the exporter produces many more.
    ExporterMetrics(
        "prometheus-node-exporter", "1.12.1",
        frozenset({
            "node_cpu_seconds_total", "node_disk_io_time_seconds_total", "node_load1", "node_load5", "node_load15",
            "node_memory_Buffers_bytes", "node_memory_Cached_bytes", "node_memory_MemFree_bytes",
            "node_memory_MemTotal_bytes", "node_network_receive_bytes_total", "node_network_transmit_bytes_total"}),
        source="prometheus/node_exporter@v1.12.1:collector/fixtures/e2e-output.txt (the exporter's own "
               "end-to-end output, `# TYPE` lines) and README.md ('Enabled by default' collectors)"),
    # The autoscaler's minor is pinned per Kubernetes minor (charts.AUTOSCALER_IMAGES); 1.35.2 is the one the
    # stacks run.
    ExporterMetrics(
        "cluster-autoscaler", "1.35.2",
        frozenset(f"cluster_autoscaler_{name}" for name in (
            "cluster_safe_to_autoscale", "nodes_count", "unschedulable_pods_count", "node_groups_count",
            "max_nodes_count", "cluster_cpu_current_cores", "cpu_limits_cores", "cluster_memory_current_bytes",
            "memory_limits_bytes", "last_activity", "errors_total", "scaled_up_nodes_total",
            "scaled_down_nodes_total", "scaled_up_gpu_nodes_total", "scaled_down_gpu_nodes_total",
            "failed_scale_ups_total", "evicted_pods_total", "unneeded_nodes_count",
            "old_unregistered_nodes_removed_count", "skipped_scale_events_count", "nap_enabled",
            "created_node_groups_total", "deleted_node_groups_total")),
        histograms=frozenset({"cluster_autoscaler_function_duration_seconds"}),
        source="kubernetes/autoscaler@cluster-autoscaler-1.35.2:cluster-autoscaler/proposals/metrics.md (tables; "
               "'All the metrics are prefixed with cluster_autoscaler_'), cross-checked against "
               "cluster-autoscaler/metrics/metrics.go (caNamespace = \"cluster_autoscaler\")"),
    # The scale set listeners export these when the controller chart's `metrics` values are set (they are
    # off by default: charts/gha-runner-scale-set-controller/values.yaml); labels name, namespace, ...
    ExporterMetrics(
        "arc-listener", "0.14.2",
        frozenset({"gha_assigned_jobs", "gha_running_jobs", "gha_registered_runners", "gha_busy_runners",
                   "gha_min_runners", "gha_max_runners", "gha_desired_runners", "gha_idle_runners",
                   "gha_started_jobs_total", "gha_completed_jobs_total"}),
        histograms=frozenset({"gha_job_startup_duration_seconds", "gha_job_execution_duration_seconds"}),
        source="actions/actions-runner-controller@gha-runner-scale-set-0.14.2:cmd/ghalistener/metrics/"
               "metrics.go (Metric* constants; label keys name and namespace)"),
    # Only where the managed control plane exposes them to the collector (README "Observability" says which
    # cloud shows what). STABLE metrics keep their names and labels across releases.
    ExporterMetrics(
        "kube-apiserver", "1.35",
        frozenset({"apiserver_request_total", "apiserver_current_inflight_requests",
                   "apiserver_longrunning_requests"}),
        histograms=frozenset({"apiserver_request_duration_seconds"}),
        source="kubernetes/kubernetes:test/instrumentation/testdata/stable-metrics-list.yaml (stored commit "
               "0004b149a571; request_total, request_duration_seconds, current_inflight_requests, "
               "longrunning_requests under subsystem apiserver, all STABLE)"),
    # Prometheus' own series per scrape target, stored by a Prometheus-based collector: "up{job=...,
    # instance=...}: 1 if the instance is healthy, i.e. reachable, or 0 if the scrape failed"
    # (https://prometheus.io/docs/concepts/jobs_instances/, "Automatically generated labels and time
    # series", read 2026-12-07). The AMP managed scraper is one; the absence rules read `up` only there.
    ExporterMetrics(
        "prometheus-scrape", "2.42",
        frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"}),
        source="https://prometheus.io/docs/concepts/jobs_instances/ (Prometheus 2.42); the loopback test "
               "(tests/components/monitoring/test_loopback_prometheus.py) reads `up` from Prometheus 2.42",
        read_on="2026-12-07"),
    # gcsfuse's metrics, collected from each pod's gke-gcsfuse-sidecar by the Cloud Storage FUSE CSI driver's node
    # pods and re-served there on :9920/metrics with the labels pod_name, namespace_name, volume_name,
    # bucket_name and pod_uid added (gcs-fuse-csi-driver@v1.24.4: docs/metrics/metrics.md; pkg/metrics/metrics.go
    # emitMetricFamily keeps gcsfuse's own labels; test/e2e/testsuites/metrics.go `expectedMetricNames`, which the
    # driver's e2e suite scrapes from the node pod `k8s-app=gcs-fuse-csi-driver` on :9920, GKE-managed driver
    # included from GKE 1.33 on: test/e2e/utils/cluster.go metricsSupportedMinimumVersion). Names carry no unit
    # and no `_total` (gcsfuse@v3.11.2:internal/monitor/otelexporters.go: prometheus.WithoutUnits(),
    # WithoutCounterSuffixes()); labels from gcsfuse@v3.11.2:metrics/metrics.yaml (file_cache/read_count:
    # cache_hit true|false, read_type; fs/ops_error_count: fs_op, fs_error_category; gcs/download_bytes_count:
    # read_type). Scraped on GKE clusters that mount datasets (infra/compose/observability_gcp.py).
    ExporterMetrics(
        "gcs-fuse-csi-driver", "v1.24.4",
        frozenset({"fs_ops_count", "fs_ops_error_count", "gcs_download_bytes_count", "gcs_read_count",
                   "gcs_read_bytes_count", "gcs_reader_count", "file_cache_read_count",
                   "file_cache_read_bytes_count"}),
        histograms=frozenset({"fs_ops_latency", "gcs_request_latencies", "file_cache_read_latencies"}),
        source="GoogleCloudPlatform/gcs-fuse-csi-driver@v1.24.4 (32396eba):docs/metrics/metrics.md, "
               "test/e2e/testsuites/metrics.go; GoogleCloudPlatform/gcsfuse@v3.11.2 (5b0a3558):metrics/metrics.yaml",
        read_on="2026-12-07"),
)}

# What each cloud's collector must scrape for the rules and dashboards to have data: the AMP managed scraper
# on EKS, GMP managed collection on GKE (the platform's dcgm-exporter on both). GKE runs its own cluster
# autoscaler and exposes no metrics of it,
# so its rules are rendered with `cluster_autoscaler_metrics=False` (the unschedulable-pods rule stands in).
SCRAPED_ON: Mapping[str, frozenset[str]] = {
    "aws": frozenset({"dcgm-exporter", "kube-state-metrics", "prometheus-node-exporter", "cluster-autoscaler",
                      "arc-listener", "kube-apiserver", "prometheus-scrape"}),
    "gcp": frozenset({"dcgm-exporter", "kube-state-metrics", "prometheus-node-exporter", "arc-listener",
                      "kube-apiserver", "gcs-fuse-csi-driver"}),
}


def producers(metric: str, exporters: frozenset[str] | None = None) -> list[str]:
    """Keys of the exporters (of `exporters`, when given) that expose the series `metric`."""
    return [key for key, exporter in EXPORTER_METRICS.items()
            if metric in exporter.series_names() and (exporters is None or key in exporters)]
