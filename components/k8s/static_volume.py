"""A statically provisioned CSI volume bound to exactly one claim: the shape both dataset drivers mount.

Neither Mountpoint for S3 nor GCS FUSE provisions volumes dynamically for a bucket that exists: each wants a
PersistentVolume written by hand with an empty StorageClass, and a claim that names it (mountpoint-s3-csi-driver
v2.7.0 docs/CONFIGURATION.md "Static Provisioning"; gcs-fuse-csi-driver v1.24.4 README "Static provisioning").
The PV's `claimRef` and the claim's `volumeName` bind the two both ways, so no other claim can take the volume.
Kubernetes requires a capacity on both; neither driver reads it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

NOMINAL_CAPACITY = "1Ti"


def access_mode(read_only: bool) -> str:
    """The claim's access mode: many readers, or many readers and writers."""
    return "ReadOnlyMany" if read_only else "ReadWriteMany"


def bound_volume_spec(namespace: str, claim: str, read_only: bool, mount_options: pulumi.Input[Sequence[str]],
                      csi: Mapping[str, Any], node_affinity: Mapping[str, Any] | None = None) -> dict:
    """A PV spec with no StorageClass, kept on release, reserved for `namespace/claim`."""
    spec: dict = {
        "capacity": {"storage": NOMINAL_CAPACITY},
        "accessModes": [access_mode(read_only)],
        "storageClassName": "",
        "persistentVolumeReclaimPolicy": "Retain",
        "claimRef": {"namespace": namespace, "name": claim},
        "mountOptions": mount_options,
        "csi": dict(csi),
    }
    if node_affinity:
        spec["nodeAffinity"] = dict(node_affinity)
    return spec


def bound_claim_spec(volume_name: str, read_only: bool) -> dict:
    """The claim that takes exactly the PV `volume_name`."""
    return {"accessModes": [access_mode(read_only)], "storageClassName": "", "volumeName": volume_name,
            "resources": {"requests": {"storage": NOMINAL_CAPACITY}}}


@dataclass(frozen=True)
class BoundVolume:
    """What one driver's component hands over: the CSI block and where the claim lives."""

    # Cluster-wide PV name.
    volume_name: str
    namespace: str
    claim_name: str
    read_only: bool
    # `spec.csi` of the PV: driver, volumeHandle, volumeAttributes (and what else the driver reads there).
    csi: Mapping[str, Any]
    mount_options: pulumi.Input[Sequence[str]]
    provider: pulumi.ProviderResource
    node_affinity: Mapping[str, Any] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    # What the PV waits for (the driver, the consumer's namespace); the claim waits for the PV.
    depends_on: Sequence[pulumi.Resource] = ()


def create_bound_volume(name: str, volume: BoundVolume, parent: pulumi.Resource
                        ) -> tuple[k8s.core.v1.PersistentVolume, k8s.core.v1.PersistentVolumeClaim]:
    """Register the PV `{name}-pv` and its claim `{name}-pvc` as children of `parent`."""
    metadata = {"labels": dict(volume.labels), "annotations": dict(volume.annotations)}
    pv = k8s.core.v1.PersistentVolume(
        f"{name}-pv", metadata={"name": volume.volume_name, **metadata},
        spec=bound_volume_spec(volume.namespace, volume.claim_name, volume.read_only, volume.mount_options,
                               volume.csi, volume.node_affinity),
        opts=pulumi.ResourceOptions(parent=parent, provider=volume.provider, depends_on=list(volume.depends_on)))
    pvc = k8s.core.v1.PersistentVolumeClaim(
        f"{name}-pvc", metadata={"name": volume.claim_name, "namespace": volume.namespace, **metadata},
        spec=bound_claim_spec(volume.volume_name, volume.read_only),
        opts=pulumi.ResourceOptions(parent=parent, provider=volume.provider, depends_on=[pv]))
    return pv, pvc
