"""S3DatasetVolume: a dataset mounted through the Mountpoint for Amazon S3 CSI driver, for one consumer.

A statically provisioned PersistentVolume, bound one-to-one to a claim in the consumer's namespace
(`claimRef` + `volumeName`), so no other claim can take it. The mount uses the pod's own Pod Identity
(`authenticationSource: pod`): the driver holds no S3 rights, and each consumer reads only its grants.
Option names are the driver's (v2.7.0) and mount-s3's (1.22.3); the composition checks every key it
writes against the recorded lists in infra/catalog/dataset_drivers.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi

from components.k8s.static_volume import BoundVolume, bound_volume_spec, create_bound_volume

DRIVER = "s3.csi.aws.com"
ZONE_LABEL = "topology.kubernetes.io/zone"


def mount_options(region: str, prefix: str, read_only: bool, metadata_ttl_seconds: int,
                  shared_cache_bucket: str | None = None) -> list[str]:
    """mount-s3 flags: region, prefix, read-only or write rights, metadata TTL, the shared cache."""
    options = [f"region {region}", "allow-other"]  # allow-other: training containers rarely run as root
    if prefix:
        options.append(f"prefix {prefix}")
    options += ["read-only"] if read_only else ["allow-delete", "allow-overwrite"]
    options.append(f"metadata-ttl {'indefinite' if metadata_ttl_seconds < 0 else metadata_ttl_seconds}")
    if shared_cache_bucket:
        options.append(f"cache-xz {shared_cache_bucket}")
    return options


def volume_attributes(bucket: str, cache_medium: str | None, cache_size_gib: int | None,
                      cache_storage_class: str | None = None) -> dict[str, str]:
    """The driver's volumeAttributes: bucket, pod-level credentials, and the node cache (emptyDir or a volume)."""
    attributes = {"bucketName": bucket, "authenticationSource": "pod"}
    if cache_medium is None:
        return attributes
    if cache_medium == "volume":
        if not cache_storage_class:
            raise ValueError("a volume cache needs a StorageClass to provision it")
        # A generic ephemeral volume per Mountpoint pod, deleted with it (docs/CACHING.md "ephemeral").
        return {**attributes, "cache": "ephemeral", "cacheEphemeralStorageClassName": cache_storage_class,
                "cacheEphemeralStorageResourceRequest": f"{cache_size_gib}Gi"}
    attributes.update({"cache": "emptyDir", "cacheEmptyDirSizeLimit": f"{cache_size_gib}Gi"})
    if cache_medium == "memory":
        attributes["cacheEmptyDirMedium"] = "Memory"
    return attributes


def persistent_volume_spec(name: str, namespace: str, claim: str, read_only: bool,
                           options: pulumi.Input[Sequence[str]],
                           attributes: Mapping[str, pulumi.Input[str]], zone: str | None = None) -> dict:
    """A static PV bound to exactly one claim; pinned to `zone` when it reads through a zonal shared cache."""
    return bound_volume_spec(namespace, claim, read_only, options, csi_source(name, attributes), zone_affinity(zone))


def csi_source(name: str, attributes: Mapping[str, pulumi.Input[str]]) -> dict:
    """The PV's `csi` block: the driver, a volume handle unique in the cluster, the volume attributes."""
    return {"driver": DRIVER, "volumeHandle": name, "volumeAttributes": dict(attributes)}


def zone_affinity(zone: str | None) -> dict | None:
    """Node affinity keeping the volume's pods in `zone` (where the shared directory-bucket cache is), or None."""
    if not zone:
        return None
    return {"required": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": ZONE_LABEL, "operator": "In", "values": [zone]}]}]}}


@dataclass(frozen=True)
class S3DatasetVolumeArgs:
    """Inputs of S3DatasetVolume."""

    # Cluster-wide PV name (and CSI volumeHandle, which must be unique).
    volume_name: str
    namespace: str
    claim_name: str
    read_only: bool
    # mount-s3 flags (an output when they name the shared cache's directory bucket).
    mount_options: pulumi.Input[Sequence[str]]
    volume_attributes: Mapping[str, pulumi.Input[str]]
    provider: pulumi.ProviderResource
    # Zone the shared cache is in: pods using the volume are scheduled there.
    zone: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    # The driver add-on and the consumer's namespace.
    depends_on: Sequence[pulumi.Resource] = ()


class S3DatasetVolume(pulumi.ComponentResource):
    """A Mountpoint PV and the claim that owns it, in the consumer's namespace."""

    claim_name: str

    def __init__(self, name: str, args: S3DatasetVolumeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:S3DatasetVolume", name, None, opts)
        create_bound_volume(name, BoundVolume(
            volume_name=args.volume_name, namespace=args.namespace, claim_name=args.claim_name,
            read_only=args.read_only, csi=csi_source(args.volume_name, args.volume_attributes),
            mount_options=args.mount_options, provider=args.provider, node_affinity=zone_affinity(args.zone),
            labels=args.labels, annotations=args.annotations, depends_on=args.depends_on), parent=self)
        self.claim_name = args.claim_name
        self.register_outputs({"claim_name": self.claim_name})
