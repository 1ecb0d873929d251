"""Dataset alerts: a pod that cannot start because its dataset volume does not mount.

Neither driver exports a per-mount failure metric to the platform's Prometheus: Mountpoint exports OTLP
only when a volume sets `otlp-endpoint` (mountpoint-s3 1.22.3 doc/METRICS.md: fuse.request_errors,
s3.request_errors, experimental.fuse.cache_hit ...), and GCS FUSE's sidecar serves Prometheus on a port
only GKE's own system metrics read (gcs-fuse-csi-driver v1.24.4 pkg/sidecar_mounter: `prometheus-port`,
published as Cloud Monitoring `gcsfusecsi` metrics). What both clouds' platform Prometheus do have is
kube-state-metrics: a failed mount keeps the pod's containers waiting in ContainerCreating, and the pod
spec names the claim it mounts (kube_pod_spec_volumes_persistentvolumeclaims_info). Claims made for
datasets are named `dataset-<name>` (infra.compose.datasets.claim_name).
"""

from __future__ import annotations

from components.monitoring.rules import CRITICAL, AlertRule

DATASET_CLAIMS = "dataset-.+"


def dataset_alert_rules(mount_failing_minutes: int = 10) -> tuple[AlertRule, ...]:
    """The failing-mount alert, for a cluster that mounts datasets."""
    waiting = 'max by (namespace, pod) (kube_pod_container_status_waiting_reason{reason="ContainerCreating"})'
    claims = ("max by (namespace, pod, persistentvolumeclaim) "
              f'(kube_pod_spec_volumes_persistentvolumeclaims_info{{persistentvolumeclaim=~"{DATASET_CLAIMS}"}})')
    return (AlertRule(
        "DatasetMountFailing", f"({waiting}) * on (namespace, pod) group_right () ({claims}) > 0",
        mount_failing_minutes, CRITICAL,
        "Pod {{ $labels.namespace }}/{{ $labels.pod }} has waited "
        f"{mount_failing_minutes} minutes for dataset volume {{{{ $labels.persistentvolumeclaim }}}} to mount",
        "kubectl describe pod shows the mount error. EKS: the Mountpoint pod in namespace mount-s3 (its log says "
        "why: AccessDenied means the service account's Pod Identity role, NoSuchBucket the bucket). GKE: the "
        "gke-gcsfuse-sidecar container's log (403: the Workload Identity grant on the bucket). docs/datasets.md."),)
