"""Cross-field rules over reserved and flexible GPU capacity: reservations in zones the pool uses, DWS pools.

AWS On-Demand Capacity Reservations and Capacity Blocks, and Compute Engine reservations, are zonal:
a pool that may launch outside the reservation's zone is not served by it. Flex-start and queued
provisioning (GKE, Dynamic Workload Scheduler) obtain nodes only when a job asks for them.
"""

from __future__ import annotations

from collections.abc import Iterator

from infra.catalog.accelerators import Cloud
from infra.config.gcp import LocationType, Provisioning, ReservationAffinity
from infra.config.stack import CapacityType, ClusterConfig, GpuPoolConfig, StackConfig

Problem = tuple[str, str]
# "To use flex-start in GKE, your cluster must use version 1.32.2-gke.1652000 or later"
# (https://cloud.google.com/kubernetes-engine/docs/concepts/dws, "Requirements", read 2026-12-07);
# a 1.32 cluster may be older than that patch, so flex-start needs 1.33 here.
FLEX_START_MIN_MINOR = 33


def aws_cluster_zones(region: str, cluster: ClusterConfig) -> list[str]:
    """Zones the cluster's nodes may use: its existing subnets' zones, or the first `network.zones` of the region."""
    existing = cluster.aws.existing_network
    if existing is not None:
        return list(existing.private_subnet_ids)
    return [f"{region}{letter}" for letter in "abcdef"[:cluster.network.zones]]


TRAINING_LABEL = ("workload", "training")


def capacity_problems(config: StackConfig) -> Iterator[Problem]:
    """Every problem with reservations, DWS provisioning and spot training pools, with its path."""
    for name, cluster in config.clusters.items():
        for pool_name, pool in cluster.gpu_pools.items():
            path = f"clusters.{name}.gpu_pools.{pool_name}"
            yield from _checkpoints(path, config, cluster, pool)
            if cluster.cloud == Cloud.AWS and config.aws is not None:
                yield from _aws(path, config.aws.region, cluster, pool)
            elif cluster.cloud == Cloud.GCP and config.gcp is not None:
                yield from _gcp(path, config.gcp.region, cluster, pool)


def _checkpoints(path: str, config: StackConfig, cluster: ClusterConfig, pool: GpuPoolConfig) -> Iterator[Problem]:
    training = pool.labels.get(TRAINING_LABEL[0]) == TRAINING_LABEL[1]
    if training and pool.capacity == CapacityType.SPOT and pool.checkpoints is None:
        yield (f"{path}.checkpoints", "required for a training pool on spot: an interruption ends its jobs, which "
               "must resume from checkpoints; name a bucket of this stack, or use capacity: on-demand")
    bucket = pool.checkpoints
    if bucket is not None and (bucket not in config.buckets or config.buckets[bucket].cloud != cluster.cloud):
        known = ", ".join(b for b, c in config.buckets.items() if c.cloud == cluster.cloud) or "none"
        yield (f"{path}.checkpoints", f"no {cluster.cloud.value} bucket {bucket!r} in this stack; "
               f"{cluster.cloud.value} buckets: {known}")


def _aws(path: str, region: str, cluster: ClusterConfig, pool: GpuPoolConfig) -> Iterator[Problem]:
    options = pool.aws
    reserved = options.capacity_reservation_id or options.capacity_block_id
    which = "capacity_block_id" if options.capacity_block_id else "capacity_reservation_id"
    zones = aws_cluster_zones(region, cluster)
    if reserved and options.zone is None:
        yield (f"{path}.aws.zone", f"required with {which}: a reservation is zonal, so name its availability zone "
               f"and the pool runs there (the cluster's zones: {', '.join(zones)})")
    if options.zone is not None and options.zone not in zones:
        yield (f"{path}.aws.zone", f"{options.zone} is not a zone this cluster's nodes use ({', '.join(zones)}); "
               "a reservation there cannot serve the pool; use a zone of the cluster or widen network.zones")
    if reserved and options.reserved_nodes < 1:
        yield (f"{path}.aws.reserved_nodes", f"required with {which}: the instances the reservation holds, which are "
               "billed whether nodes run in them or not (got 0)")
    if options.reserved_nodes and not reserved:
        yield (f"{path}.aws.reserved_nodes", "only applies with capacity_reservation_id or capacity_block_id; "
               "remove it or name the reservation")
    if options.reserved_nodes > pool.max_nodes:
        yield (f"{path}.aws.reserved_nodes", f"the pool can use at most max_nodes {pool.max_nodes} of the "
               f"{options.reserved_nodes} reserved instances, and the rest are billed idle; raise max_nodes")


def _gcp(path: str, region: str, cluster: ClusterConfig, pool: GpuPoolConfig) -> Iterator[Problem]:
    options = pool.gcp
    gpath = f"{path}.gcp"
    reservation = options.reservation
    if reservation is not None and reservation.affinity == ReservationAffinity.SPECIFIC:
        zone = reservation.zone
        if zone is None:
            yield (f"{gpath}.reservation.zone", "required with SPECIFIC_RESERVATION: reservations are zonal, so name "
                   "the reservation's zone and the pool runs there")
        else:
            pool_zone = _pool_zone(region, cluster, pool)
            if not zone.startswith(f"{region}-"):
                yield f"{gpath}.reservation.zone", f"must be a zone of region {region} (got {zone})"
            elif pool_zone is not None and zone != pool_zone:
                yield (f"{gpath}.reservation.zone", f"{zone} is not the zone the pool uses ({pool_zone}); the "
                       "reservation cannot serve it; use the reservation's zone for the pool")
        if reservation.nodes < 1:
            yield (f"{gpath}.reservation.nodes", "required with SPECIFIC_RESERVATION: the machines the reservation "
                   "holds, billed whether nodes run on them or not (got 0)")
        elif reservation.nodes > pool.max_nodes:
            yield (f"{gpath}.reservation.nodes", f"the pool can use at most max_nodes {pool.max_nodes} of the "
                   f"{reservation.nodes} reserved machines, and the rest are billed idle; raise max_nodes")
    elif reservation is not None and (reservation.zone is not None or reservation.nodes):
        yield (f"{gpath}.reservation", "zone and nodes only apply with affinity SPECIFIC_RESERVATION; remove them")
    if options.provisioning == Provisioning.STANDARD:
        return
    mode = options.provisioning.value
    if pool.capacity == CapacityType.SPOT:
        yield (f"{gpath}.provisioning", f"{mode} is its own way of buying machines, not spot; set capacity: "
               "on-demand or provisioning: standard")
    if reservation is not None and reservation.affinity != ReservationAffinity.NONE:
        yield (f"{gpath}.reservation", f"a {mode} pool consumes no reservation; remove reservation or set "
               "provisioning: standard")
    if pool.min_nodes:
        yield (f"{path}.min_nodes", f"a {mode} pool gets nodes only when a job asks for them; set min_nodes: 0 "
               f"(got {pool.min_nodes})")
    minor = int(cluster.kubernetes_version.split(".")[1])
    if minor < FLEX_START_MIN_MINOR:
        yield (f"{gpath}.provisioning", f"flex-start needs GKE 1.32.2-gke.1652000 or later; set kubernetes_version "
               f"to 1.{FLEX_START_MIN_MINOR} or newer (got {cluster.kubernetes_version})")


def _pool_zone(region: str, cluster: ClusterConfig, pool: GpuPoolConfig) -> str | None:
    """The one zone a GKE pool is pinned to by other settings, or None when the reservation's zone decides."""
    if cluster.gcp.location == LocationType.ZONAL:
        return cluster.gcp.zone or f"{region}-b"
    if pool.gcp.compact_placement and pool.gcp.zone is not None:
        return pool.gcp.zone
    return None
