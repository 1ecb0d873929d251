"""Node settings every GKE pool shares, as plain data: the secure node baseline lives in one place."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from components.gcp.iam import CLOUD_PLATFORM_SCOPE

IMAGE_TYPE = "COS_CONTAINERD"
SHIELDED = {"enable_secure_boot": True, "enable_integrity_monitoring": True}
# Pods see the GKE metadata server, which hands out Workload Identity tokens, never the node's.
GKE_METADATA = {"mode": "GKE_METADATA"}
MANAGEMENT = {"auto_repair": True, "auto_upgrade": True}
LEGACY_METADATA_OFF = {"disable-legacy-endpoints": "true"}
# GKE's default when a regional cluster does not list node zones.
REGIONAL_ZONES = 3


def base_node_config(machine_type: str, service_account: pulumi.Input[str], disk_gib: int,
                     disk_type: str, labels: Mapping[str, str],
                     resource_labels: Mapping[str, str],
                     boot_disk_kms_key: pulumi.Input[str] | None = None) -> dict:
    """node_config shared by system and GPU pools: COS, shielded, GKE metadata, our service account.

    With `boot_disk_kms_key`, boot disks are encrypted with that Cloud KMS key (CMEK).
    """
    config = {
        "machine_type": machine_type,
        "image_type": IMAGE_TYPE,
        "disk_size_gb": disk_gib,
        "disk_type": disk_type,
        "service_account": service_account,
        "oauth_scopes": [CLOUD_PLATFORM_SCOPE],
        "shielded_instance_config": dict(SHIELDED),
        "workload_metadata_config": dict(GKE_METADATA),
        "metadata": dict(LEGACY_METADATA_OFF),
        "labels": dict(labels),
        "resource_labels": dict(resource_labels),
    }
    if boot_disk_kms_key is not None:
        config["boot_disk_kms_key"] = boot_disk_kms_key
    return config


def upgrade_settings(max_surge: int, max_unavailable: int) -> dict:
    """Surge upgrades; at least one of the two must be positive or an upgrade could never progress."""
    if max_surge + max_unavailable < 1:
        raise ValueError("max_surge + max_unavailable must be at least 1 (got 0)")
    return {"strategy": "SURGE", "max_surge": max_surge, "max_unavailable": max_unavailable}


def autoscaling(min_nodes: int, max_nodes: int, spot: bool) -> dict:
    """Autoscaling over the whole pool (totals, not per zone). Spot takes capacity from any zone."""
    if not 0 <= min_nodes <= max_nodes or max_nodes < 1:
        raise ValueError(f"need 0 <= min_nodes <= max_nodes and max_nodes >= 1 (got {min_nodes}..{max_nodes})")
    return {"total_min_node_count": min_nodes, "total_max_node_count": max_nodes,
            "location_policy": "ANY" if spot else "BALANCED"}


def initial_nodes(min_nodes: int, zones: int) -> int:
    """Nodes per zone at creation (GKE counts the initial size per zone) so the pool starts at min."""
    return -(-min_nodes // zones)
