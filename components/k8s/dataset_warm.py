"""DatasetWarmer: a Job that reads a dataset's declared paths once, so the caches hold them before training.

Neither driver reads ahead at mount: Mountpoint fetches an object on first read, GCS FUSE fills its
file cache on first read (mountpoint-s3-csi-driver v2.7.0 docs/CACHING.md; gcs-fuse-csi-driver v1.24.4
README). The Job mounts the consumer's claim read-only, as the consumer's service account, and reads
every file under each path in parallel; the node cache keeps what it read on that node, the shared
zonal cache (S3 Express, Anywhere Cache) keeps it for every node in the zone.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

MOUNT_PATH = "/data"
# Parallel readers per path: enough to keep a FUSE mount's prefetch busy, few enough for a small pod.
READERS = 8


def warm_command(paths: Sequence[str], readers: int = READERS) -> list[str]:
    """A shell command reading every file under each path once (a glob in a path is expanded by the shell)."""
    if not paths:
        raise ValueError("nothing to warm: give at least one path")
    reads = " ".join(f"{MOUNT_PATH}/{shlex.quote(p).replace('*', chr(39) + '*' + chr(39))}" for p in paths)
    script = (f"set -eu; for p in {reads}; do "
              f"find \"$p\" -type f -print0 | xargs -0 -r -n 16 -P {readers} cat > /dev/null; done")
    return ["sh", "-c", script]


def warm_job_spec(claim: str, service_account: str, paths: Sequence[str], image: str,
                  pod_annotations: Mapping[str, str], volumes: Sequence[Mapping] = ()) -> dict:
    """The Job's spec: one pod, non-root, read-only mount, retried a few times, cleaned up after a day."""
    return {
        "backoffLimit": 3, "ttlSecondsAfterFinished": 86400,
        "template": {
            "metadata": {"annotations": dict(pod_annotations)},
            "spec": {
                "serviceAccountName": service_account, "restartPolicy": "OnFailure",
                "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534,
                                    "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [{
                    "name": "warm", "image": image, "command": warm_command(paths),
                    "volumeMounts": [{"name": "dataset", "mountPath": MOUNT_PATH, "readOnly": True}],
                    "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                        "capabilities": {"drop": ["ALL"]}},
                    "resources": {"requests": {"cpu": "500m", "memory": "256Mi"},
                                  "limits": {"cpu": "2", "memory": "512Mi"}},
                }],
                "volumes": [{"name": "dataset", "persistentVolumeClaim": {"claimName": claim, "readOnly": True}},
                            *volumes],
            },
        },
    }


@dataclass(frozen=True)
class DatasetWarmerArgs:
    """Inputs of DatasetWarmer."""

    namespace: str
    job_name: str
    claim: str
    service_account: str
    paths: Sequence[str]
    image: str
    provider: pulumi.ProviderResource
    # GKE: `gke-gcsfuse/volumes: "true"`, which makes the driver's webhook add its sidecar.
    pod_annotations: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    depends_on: Sequence[pulumi.Resource] = ()


class DatasetWarmer(pulumi.ComponentResource):
    """The warming Job, created after the claim it mounts."""

    def __init__(self, name: str, args: DatasetWarmerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:k8s:DatasetWarmer", name, None, opts)
        k8s.batch.v1.Job(
            f"{name}-job", metadata={"name": args.job_name, "namespace": args.namespace, "labels": dict(args.labels)},
            spec=warm_job_spec(args.claim, args.service_account, args.paths, args.image, args.pod_annotations),
            # A Job's pod template is immutable: a changed path list replaces the Job instead of failing the update.
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=list(args.depends_on),
                                        replace_on_changes=["spec"], delete_before_replace=True))
        self.register_outputs({})
