"""Values of the platform's own dcgm-exporter on GKE GPU nodes, in place of GKE's managed DCGM package.

GKE's package (`monitoring_config.enable_components: DCGM`) runs Google's build of DCGM-Exporter with a
counters list a cluster cannot change, and that list has no XID, row-remap, throttling or NVLink error
counter (infra/catalog/exporter_metrics.py "gke-dcgm"). Google's way to choose the metrics is
self-managed DCGM (GKE docs, "Collect and view DCGM metrics", https://cloud.google.com/kubernetes-engine/
docs/how-to/dcgm-metrics, stored copy in German: "Sie können auch selbstverwaltetes DCGM konfigurieren, wenn
Sie die DCGM-Messwerte anpassen möchten", read 2026-12-07). So where the platform collects metrics on GKE it
turns the package off (GkeClusterArgs.managed_dcgm) and runs the same pinned NVIDIA chart as on EKS, with the
same counters list (components/monitoring/dcgm_counters.py), and what GKE's nodes need taken from Google's
self-managed manifests (GoogleCloudPlatform/prometheus-engine@03303ccc:examples/nvidia-dcgm/exporter.yaml,
read 2026-12-07):
- the node's driver, which GKE installs under /home/kubernetes/bin/nvidia, mounted at /usr/local/nvidia with
  LD_LIBRARY_PATH=/usr/local/nvidia/lib64 (GKE nodes run no NVIDIA container runtime to inject it);
- `privileged: true`: without a GPU request the device plugin gives the pod no /dev/nvidia* devices;
- only nodes with `cloud.google.com/gke-accelerator`, tolerating every taint (GKE's own
  `nvidia.com/gpu=present:NoSchedule` among them, components/gcp/taints.py).
Chart keys (NVIDIA/dcgm-exporter@4.5.3-4.8.2:deployment/values.yaml, templates/daemonset.yaml, read
2026-12-07): `extraHostVolumes` entries are {name, hostPath}; `extraVolumeMounts` replaces the chart's
default list, which mounts the counters ConfigMap (`exporter-metrics-volume`) over default-counters.csv, so
that mount is repeated here; `extraEnv` is a list of container env entries; `securityContext` is the
container's. The exporter embeds its host engine (the chart's default `arguments: [-f, ...]`), where Google's
example runs nv-hostengine as a second DaemonSet; re-check on a first GKE `pulumi up` that
`DCGM_FI_DEV_GPU_TEMP` arrives (docs/observability.md says how).
"""

from __future__ import annotations

from components.monitoring.dcgm_counters import counters_csv

GKE_ACCELERATOR_LABEL = "cloud.google.com/gke-accelerator"
DRIVER_HOST_PATH = "/home/kubernetes/bin/nvidia"
DRIVER_MOUNT_PATH = "/usr/local/nvidia"
DRIVER_VOLUME = "nvidia-install-dir-host"
# The chart's own mount of its counters ConfigMap, which an `extraVolumeMounts` value replaces.
COUNTERS_MOUNT = {"name": "exporter-metrics-volume", "mountPath": "/etc/dcgm-exporter/default-counters.csv",
                  "subPath": "default-counters.csv"}


def gke_dcgm_values(labels: dict[str, str] | None = None) -> dict:
    """dcgm-exporter chart values for GKE GPU nodes: driver from the host, privileged, the platform's counters."""
    return {
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": GKE_ACCELERATOR_LABEL, "operator": "Exists"}]}]}}},
        "tolerations": [{"operator": "Exists"}],
        "extraHostVolumes": [{"name": DRIVER_VOLUME, "hostPath": DRIVER_HOST_PATH}],
        "extraVolumeMounts": [dict(COUNTERS_MOUNT), {"name": DRIVER_VOLUME, "mountPath": DRIVER_MOUNT_PATH,
                                                     "readOnly": True}],
        "extraEnv": [{"name": "LD_LIBRARY_PATH", "value": f"{DRIVER_MOUNT_PATH}/lib64"}],
        "securityContext": {"privileged": True},
        "serviceMonitor": {"enabled": False},
        "podLabels": dict(labels or {}),
        "customMetrics": counters_csv(),
    }
