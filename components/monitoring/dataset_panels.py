"""The datasets dashboard: node cache hit ratio, read throughput and errors of the dataset mounts.

Built from what the drivers export where the platform's Prometheus can scrape it. Only the GCS FUSE CSI driver
does: its node pods re-serve every mount's gcsfuse metrics (labels `volume_name` = the PV, `bucket_name`,
`namespace_name`, `pod_name`; infra/catalog/exporter_metrics.py "gcs-fuse-csi-driver"), which GMP scrapes on
GKE clusters that mount datasets. Mountpoint for S3 pushes OTLP only (delta sums, exponential histograms) and
serves nothing to scrape, so EKS gets no such panels (docs/datasets.md "Metrics and alerts" says why).

Kept apart from the platform dashboards (components/monitoring/dashboards.py) so either can change alone.
"""

from __future__ import annotations

from components.monitoring.dashboards import SCHEMA_VERSION
from components.monitoring.panels import Panel, Query, dashboard_json

DATASETS_UID = "mlinfra-datasets"
# Every series the panels read: the scrape keeps these and drops the rest (gcsfuse's latency histograms alone
# are hundreds of series per mounted volume, each billed by GMP).
GCSFUSE_METRICS_READ = ("file_cache_read_count", "file_cache_read_bytes_count", "gcs_read_bytes_count",
                        "fs_ops_error_count")
# The window every rate here is taken over: four scrapes at the platform's default 60 s interval.
WINDOW = "5m"
VOLUME = "volume_name"


def _rate(selector: str, by: str = VOLUME) -> str:
    return f"sum by ({by}) (rate({selector}[{WINDOW}]))"


def gcsfuse_hit_ratio() -> str:
    """Share of file-cache reads served from the node cache, per volume (gcsfuse's `cache_hit` label)."""
    hits = _rate('file_cache_read_count{cache_hit="true"}')
    return f"{hits} / {_rate('file_cache_read_count')}"


def gcsfuse_panels() -> tuple[Panel, ...]:
    """GCS FUSE mounts: cache hit ratio, bytes read from the node cache and from GCS, file system errors."""
    legend = "{{" + VOLUME + "}}"
    return (
        Panel("Node cache hit ratio (GCS FUSE file cache)", (Query(gcsfuse_hit_ratio(), legend),),
              unit="percentunit",
              description="Reads served from the node's file cache over all reads through it, per dataset volume. "
                          "Low right after a pod starts: neither driver reads ahead at mount (warm: paths)."),
        Panel("Dataset read throughput", (
            Query(_rate("file_cache_read_bytes_count"), legend + " from the node cache"),
            Query(_rate("gcs_read_bytes_count"), legend + " from Cloud Storage")), unit="Bps",
            description="Bytes per second the mounts read from the node cache and from the bucket (or its "
                        "Anywhere Cache, which serves Cloud Storage reads in the zone)."),
        Panel("Dataset file system errors", (
            Query(_rate("fs_ops_error_count", f"{VOLUME}, fs_op, fs_error_category"),
                  legend + " {{fs_op}} {{fs_error_category}}"),), unit="ops",
            description="Failed file system operations per second; PERM_ERROR is a missing Workload Identity grant, "
                        "NETWORK_ERROR the bucket out of reach. The sidecar's log says more: docs/datasets.md."),
    )


def dataset_dashboards(datasource_uid: str, *, datasource_type: str = "prometheus") -> dict[str, dict]:
    """The datasets dashboard by uid, reading the data source `datasource_uid` (GKE clusters that mount datasets)."""
    datasource = {"type": datasource_type, "uid": datasource_uid}
    return {DATASETS_UID: dashboard_json(DATASETS_UID, "Datasets: node cache, throughput and errors",
                                         gcsfuse_panels(), datasource, SCHEMA_VERSION, tags=("mlinfra", "datasets"))}
