"""GcsDatasetVolume: a dataset mounted through the Cloud Storage FUSE CSI driver, for one consumer.

A static PersistentVolume whose volumeHandle is the bucket (the driver's contract) bound one-to-one to a
claim in the consumer's namespace. Pods reach the bucket as their own Workload Identity principal, so
only the consumers granted on the bucket can mount it. Option names are the driver's (v1.24.4) and
gcsfuse's (v3.11.2), checked against infra/catalog/dataset_drivers.py by the composition. Pods that
mount it need the annotation `gke-gcsfuse/volumes: "true"` for the driver's webhook to add its sidecar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi

from components.k8s.static_volume import BoundVolume, create_bound_volume

DRIVER = "gcsfuse.csi.storage.gke.io"


def gcsfuse_mount_options(prefix: str, parallel_downloads: bool, file_cache: bool) -> list[str]:
    """gcsfuse options: only the dataset's directory, implied directories, parallel file-cache fills."""
    options = ["implicit-dirs"]  # objects written by other tools have no directory placeholders
    if prefix:
        options.append(f"only-dir={prefix.rstrip('/')}")
    # Parallel downloads fill the file cache; without a file cache gcsfuse has nothing to fill.
    if parallel_downloads and file_cache:
        options.append("file-cache:enable-parallel-downloads:true")
    return options


def gcsfuse_volume_attributes(bucket: str, cache_size_gib: int | None, metadata_ttl_seconds: int,
                              metrics: bool = False) -> dict[str, str]:
    """The driver's volumeAttributes: the file cache's capacity, the metadata TTL (-1: never expires) and metrics.

    `metrics`: export gcsfuse's metrics through the driver's node pods. GKE turns them off by default from
    1.33.0-gke.2248000 on (`disableMetrics` default "true": docs.cloud.google.com/kubernetes-engine/docs/reference/
    cloud-storage-fuse-csi-driver/volume-attr, read 2026-12-07), so a volume whose cache should be on the
    dashboards says "false".
    """
    attributes = {"bucketName": bucket, "metadataCacheTTLSeconds": str(metadata_ttl_seconds)}
    if cache_size_gib:
        attributes["fileCacheCapacity"] = f"{cache_size_gib}Gi"
    if metrics:
        attributes["disableMetrics"] = "false"
    return attributes


def csi_source(bucket: pulumi.Input[str], read_only: bool, attributes: Mapping[str, str]) -> dict:
    """The PV's `csi` block: the bucket is the volume handle (the driver's contract), read-only set at the CSI level."""
    return {"driver": DRIVER, "volumeHandle": bucket, "readOnly": read_only, "volumeAttributes": dict(attributes)}


@dataclass(frozen=True)
class GcsDatasetVolumeArgs:
    """Inputs of GcsDatasetVolume."""

    volume_name: str
    namespace: str
    claim_name: str
    bucket: pulumi.Input[str]
    read_only: bool
    mount_options: Sequence[str]
    volume_attributes: Mapping[str, str]
    provider: pulumi.ProviderResource
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    depends_on: Sequence[pulumi.Resource] = ()


class GcsDatasetVolume(pulumi.ComponentResource):
    """A GCS FUSE PV and the claim that owns it, in the consumer's namespace."""

    claim_name: str

    def __init__(self, name: str, args: GcsDatasetVolumeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:gcp:GcsDatasetVolume", name, None, opts)
        create_bound_volume(name, BoundVolume(
            volume_name=args.volume_name, namespace=args.namespace, claim_name=args.claim_name,
            read_only=args.read_only, csi=csi_source(args.bucket, args.read_only, args.volume_attributes),
            mount_options=list(args.mount_options), provider=args.provider, labels=args.labels,
            annotations=args.annotations, depends_on=args.depends_on), parent=self)
        self.claim_name = args.claim_name
        self.register_outputs({"claim_name": self.claim_name})
