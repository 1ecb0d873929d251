"""GkeGpuNodePool: a GKE node pool of GPU machines that scales from zero and only runs GPU work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.gcp.node_config import (
    MANAGEMENT,
    REGIONAL_ZONES,
    autoscaling,
    base_node_config,
    initial_nodes,
    upgrade_settings,
)
from components.gcp.taints import TAINT_LABEL

LABEL_PREFIX = "mlinfra.io"
RESERVED_NODES_LABEL = "mlinfra-reserved-nodes"


def gpu_node_labels(pool: str, accelerator: str, spot: bool, extra: Mapping[str, str],
                    flex_start: bool = False) -> dict[str, str]:
    """Kubernetes labels of the pool's nodes, so workloads can select accelerator and pool."""
    return {
        **extra,
        f"{LABEL_PREFIX}/pool": pool,
        f"{LABEL_PREFIX}/accelerator": accelerator,
        f"{LABEL_PREFIX}/capacity-type": "spot" if spot else "flex-start" if flex_start else "on-demand",
        TAINT_LABEL[0]: TAINT_LABEL[1],
    }


def guest_accelerator(gke_type: str, gpus: int, driver_version: str, sharing_strategy: str | None,
                      max_shared_clients: int | None, mig_partition_size: str | None) -> dict:
    """One guest accelerator: GPU type and count, driver installed by GKE, sharing or MIG."""
    if sharing_strategy and mig_partition_size:
        raise ValueError("use either GPU sharing or MIG partitions, not both")
    accelerator = {"type": gke_type, "count": gpus,
                   "gpu_driver_installation_config": {"gpu_driver_version": driver_version}}
    if sharing_strategy:
        if not max_shared_clients or max_shared_clients < 2:
            raise ValueError(f"GPU sharing needs max_shared_clients >= 2 (got {max_shared_clients})")
        accelerator["gpu_sharing_config"] = {"gpu_sharing_strategy": sharing_strategy,
                                             "max_shared_clients_per_gpu": max_shared_clients}
    if mig_partition_size:
        accelerator["gpu_partition_size"] = mig_partition_size
    return accelerator


def reservation_affinity(affinity: str, name: str | None) -> dict:
    """Reservation affinity; a specific reservation is named by the standard key."""
    if affinity == "SPECIFIC_RESERVATION":
        if not name:
            raise ValueError("SPECIFIC_RESERVATION needs a reservation name")
        return {"consume_reservation_type": affinity, "key": "compute.googleapis.com/reservation-name",
                "values": [name]}
    return {"consume_reservation_type": affinity}


@dataclass(frozen=True)
class GkeGpuNodePoolArgs:
    """Inputs of GkeGpuNodePool; machine facts come from the accelerator catalog."""

    cluster_id: pulumi.Input[str]
    location: str
    service_account: pulumi.Input[str]
    machine_type: str
    # GKE accelerator type, e.g. nvidia-l4.
    gke_accelerator: str
    accelerator: str
    gpus_per_node: int
    regional: bool = True
    min_nodes: int = 0
    max_nodes: int = 1
    spot: bool = False
    disk_gib: int = 200
    disk_type: str = "pd-balanced"
    driver_version: str = "DEFAULT"
    sharing_strategy: str | None = None
    max_shared_clients: int | None = None
    mig_partition_size: str | None = None
    reservation: str = "ANY_RESERVATION"
    reservation_name: str | None = None
    # Machines the specific reservation holds; a resource label the cost estimate bills, used or not.
    reserved_nodes: int = 0
    # Dynamic Workload Scheduler: flex-start machines, and with queued provisioning all of a job's nodes at once.
    flex_start: bool = False
    queued_provisioning: bool = False
    # Compact placement for multi-node training; needs `node_locations` of one zone.
    compact_placement: bool = False
    node_locations: Sequence[str] = ()
    max_surge: int = 1
    max_unavailable: int = 0
    node_labels: Mapping[str, str] = field(default_factory=dict)
    # The cluster's boot disk key (GkeCluster.disk_kms_key): GPU nodes' disks are CMEK-encrypted too.
    boot_disk_kms_key: pulumi.Input[str] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    # Local SSDs backing the nodes' ephemeral storage (emptyDir, and so the GCS FUSE file cache); None: the boot disk.
    local_ssd_count: int | None = None


class GkeGpuNodePool(pulumi.ComponentResource):
    """A shielded, autoscaled GPU node pool with GKE-installed drivers."""

    node_pool_name: pulumi.Output[str]

    def __init__(self, name: str, args: GkeGpuNodePoolArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:gcp:GkeGpuNodePool", name, None, opts)
        if args.compact_placement and len(args.node_locations) != 1:
            raise ValueError(f"compact placement needs exactly one node location (got {list(args.node_locations)})")
        node_config = base_node_config(
            args.machine_type, args.service_account, args.disk_gib, args.disk_type,
            gpu_node_labels(name, args.accelerator, args.spot, args.node_labels, args.flex_start), args.labels,
            args.boot_disk_kms_key)
        node_config["guest_accelerators"] = [guest_accelerator(
            args.gke_accelerator, args.gpus_per_node, args.driver_version, args.sharing_strategy,
            args.max_shared_clients, args.mig_partition_size)]
        # No `taints`: GKE adds nvidia.com/gpu itself (see components.gcp.taints).
        node_config["reservation_affinity"] = reservation_affinity(args.reservation, args.reservation_name)
        if args.reserved_nodes:
            node_config["resource_labels"][RESERVED_NODES_LABEL] = str(args.reserved_nodes)
        if args.queued_provisioning and not args.flex_start:
            raise ValueError("queued provisioning runs on flex-start machines; set flex_start too")
        if args.flex_start:
            # "--flex-start" (and "--enable-queued-provisioning") of the GKE guide are NodeConfig.flexStart and
            # NodePool.queuedProvisioning.enabled in pulumi-gcp 10.2.0 (container/_inputs.py, read 2026-12-07).
            node_config["flex_start"] = True
        if args.spot:
            node_config["spot"] = True
        if args.local_ssd_count is not None:
            # GKE formats the Local SSDs as the node's ephemeral storage (NodeConfig.ephemeralStorageLocalSsdConfig).
            node_config["ephemeral_storage_local_ssd_config"] = {"local_ssd_count": args.local_ssd_count}
        zones = len(args.node_locations) or (REGIONAL_ZONES if args.regional else 1)

        pool = gcp.container.NodePool(
            f"{name}-pool",
            cluster=args.cluster_id, location=args.location,
            node_locations=list(args.node_locations) or None,
            initial_node_count=initial_nodes(args.min_nodes, zones),
            autoscaling=autoscaling(args.min_nodes, args.max_nodes, args.spot),
            node_config=node_config,
            management=dict(MANAGEMENT),
            upgrade_settings=upgrade_settings(args.max_surge, args.max_unavailable),
            placement_policy={"type": "COMPACT"} if args.compact_placement else None,
            queued_provisioning={"enabled": True} if args.queued_provisioning else None,
            # GKE counts the initial size per zone and replaces a pool when it changes; the
            # autoscaler owns the node count once the pool exists.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["initialNodeCount", "nodeCount"]))

        self.node_pool_name = pool.name
        self.register_outputs({"node_pool_name": self.node_pool_name})
