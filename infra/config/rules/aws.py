"""Cross-field config rules that only concern AWS resources."""

from __future__ import annotations

from collections.abc import Iterator

from infra.catalog.accelerators import CatalogError, Cloud, MachineOffer, resolve
from infra.catalog.gpu_availability import not_sold_in
from infra.config.observability import observability_enabled
from infra.config.rules.ci_access import ci_access_problems
from infra.config.rules.cloud_keys import other_cloud_bucket_keys, other_cloud_cluster_keys
from infra.config.stack import (
    BucketConfig,
    CapacityType,
    ClusterConfig,
    Environment,
    GpuPoolConfig,
    NatMode,
    StackConfig,
)

Problem = tuple[str, str]
# "The smallest VPC you can create uses a /28 netmask (16 IP addresses), and the largest uses a /16 netmask
# (65,536 IP addresses)", EC2 CreateVpc, https://docs.aws.amazon.com/sdkfornet/latest/apidocs/items/
# TEC2CreateVpcRequestNET45.html (read 2026-11-29). The upper end (/20 and wider) is the shared rule's.
VPC_LARGEST_PREFIX = 16


def aws_problems(config: StackConfig) -> Iterator[Problem]:
    """Every AWS-specific problem in the stack config, with its path."""
    region = config.aws.region if config.aws else None
    aws_buckets = {n: b for n, b in config.buckets.items() if b.cloud == Cloud.AWS}
    for name, cluster in config.clusters.items():
        if cluster.cloud == Cloud.AWS:
            if config.environment == Environment.PROD:
                yield from _prod_network(f"clusters.{name}", cluster)
            yield from _cluster(f"clusters.{name}", cluster, region, aws_buckets)
        else:
            yield from other_cloud_cluster_keys(f"clusters.{name}", cluster, "aws")
    for name, bucket in aws_buckets.items():
        yield from _bucket(f"buckets.{name}", name, bucket, aws_buckets, config.environment)
    for name, bucket in config.buckets.items():
        if bucket.cloud != Cloud.AWS:
            yield from other_cloud_bucket_keys(f"buckets.{name}", bucket, "aws")
    yield from _observability(config)
    yield from ci_access_problems(config)


# The AMP managed scraper refuses intervals under 30 seconds and needs subnets in at least two zones
# (AMP User Guide, "Using an AWS managed collector", read 2026-11-29).
AMP_MIN_SCRAPE_SECONDS = 30
AMP_MIN_ZONES = 2


def _observability(config: StackConfig) -> Iterator[Problem]:
    if not observability_enabled(config):
        return
    aws_clusters = {n: c for n, c in config.clusters.items() if c.cloud == Cloud.AWS}
    interval = config.observability.scrape_interval_seconds
    if aws_clusters and interval < AMP_MIN_SCRAPE_SECONDS:
        yield ("observability.scrape_interval_seconds",
               f"must be at least {AMP_MIN_SCRAPE_SECONDS} with AWS clusters: the AMP managed scraper refuses "
               f"shorter intervals (got {interval})")
    # A network the stack creates has at least two zones already (network.zones); one it is given may not.
    for name, cluster in aws_clusters.items():
        existing = cluster.aws.existing_network
        if existing is not None and len(existing.private_subnet_ids) < AMP_MIN_ZONES:
            yield (f"clusters.{name}.aws.existing_network.private_subnet_ids",
                   f"the AMP managed scraper needs subnets in at least {AMP_MIN_ZONES} zones; give the cluster "
                   f"{AMP_MIN_ZONES} or turn observability off (got {len(existing.private_subnet_ids)})")


def _prod_network(path: str, cluster: ClusterConfig) -> Iterator[Problem]:
    # A prod cluster must survive the loss of a zone, and so must its way out to the internet.
    if cluster.aws.existing_network is not None:
        return  # the VPC's owner decides its zones and NAT
    if cluster.network.zones < 3:
        yield (f"{path}.network.zones",
               f"prod needs at least 3 zones to survive losing one; set zones: 3 (got {cluster.network.zones})")
    if cluster.network.nat != NatMode.PER_ZONE:
        yield (f"{path}.network.nat",
               f"prod needs a NAT gateway per zone; set nat: per-zone (got {cluster.network.nat.value})")


def _cluster(path: str, cluster: ClusterConfig, region: str | None,
             buckets: dict[str, BucketConfig]) -> Iterator[Problem]:
    options = cluster.aws
    cidr = cluster.network.cidr
    if options.existing_network is None and cidr.prefixlen < VPC_LARGEST_PREFIX:
        yield (f"{path}.network.cidr",
               f"an AWS VPC is at most a /{VPC_LARGEST_PREFIX} (65,536 addresses); use e.g. "
               f"{cidr.network_address}/{VPC_LARGEST_PREFIX} (got {cidr})")
    system = options.system_pool
    if system.max_nodes < system.min_nodes:
        yield (f"{path}.aws.system_pool.max_nodes",
               f"must be >= min_nodes (got {system.max_nodes} < {system.min_nodes})")
    existing = options.existing_network
    if existing is not None and len(existing.private_subnet_ids) < 2:
        yield (f"{path}.aws.existing_network.private_subnet_ids",
               f"EKS needs subnets in at least 2 zones; list one per zone "
               f"(got {len(existing.private_subnet_ids)})")
    for name, grant in options.workload_access.items():
        for bucket in grant.buckets:
            if bucket not in buckets:
                known = ", ".join(buckets) or "none"
                yield (f"{path}.aws.workload_access.{name}.buckets.{bucket}",
                       f"no aws bucket of that name in this stack; aws buckets: {known}")
    for name, pool in cluster.gpu_pools.items():
        yield from _pool(f"{path}.gpu_pools.{name}", pool, region)


def _pool(path: str, pool: GpuPoolConfig, region: str | None) -> Iterator[Problem]:
    try:
        offer = resolve(Cloud.AWS, pool.accelerator, pool.gpus_per_node)
    except CatalogError:
        return  # reported by the cloud-neutral pool rules
    options = pool.aws
    refusal = not_sold_in(offer, region) if region is not None else None
    if refusal:
        yield f"{path}.accelerator", refusal
    if options.efa and not offer.supports_efa:
        yield f"{path}.aws.efa", _no_efa(offer, "EFA")
    if options.placement_group and not offer.supports_efa:
        yield f"{path}.aws.placement_group", _no_efa(offer, "a cluster placement group")
    spot = pool.capacity == CapacityType.SPOT
    if options.capacity_block_id and spot:
        yield (f"{path}.aws.capacity_block_id",
               "a capacity block is reserved capacity, never spot; set capacity: on-demand or "
               "remove capacity_block_id (got capacity: spot)")
    if options.capacity_reservation_id and spot:
        yield (f"{path}.aws.capacity_reservation_id",
               "a capacity reservation is on-demand capacity; set capacity: on-demand or remove "
               "capacity_reservation_id (got capacity: spot)")
    if options.capacity_block_id and options.capacity_reservation_id:
        yield (f"{path}.aws.capacity_reservation_id",
               "a pool targets either a capacity reservation or a capacity block; remove one")
    if options.on_demand_fallback_max_nodes and not spot:
        yield (f"{path}.aws.on_demand_fallback_max_nodes",
               "only a spot pool falls back to on-demand; set capacity: spot or remove "
               f"on_demand_fallback_max_nodes (got capacity: {pool.capacity.value})")


def _no_efa(offer: MachineOffer, what: str) -> str:
    return (f"{offer.machine_type} ({offer.accelerator.value} x{offer.gpus}) has no EFA, so "
            f"{what} cannot be used; pick a gpus_per_node whose machine has EFA or remove the key")


def _bucket(path: str, name: str, bucket: BucketConfig, buckets: dict[str, BucketConfig],
            environment: Environment) -> Iterator[Problem]:
    options = bucket.aws
    target = options.access_logs_to
    if target is not None:
        if target == name:
            yield f"{path}.aws.access_logs_to", "a bucket cannot receive its own access logs; name a log bucket"
        elif target not in buckets or not buckets[target].aws.log_target:
            yield (f"{path}.aws.access_logs_to",
                   f"must name an aws bucket of this stack with `aws.log_target: true` (got {target!r})")
    elif environment == Environment.PROD and not options.log_target:
        yield (f"{path}.aws.access_logs_to",
               "required in prod: access logs go to a bucket with `aws.log_target: true`")
    if options.log_target and options.kms_key_arn:
        yield (f"{path}.aws.kms_key_arn",
               "S3 cannot deliver access logs to a KMS-encrypted bucket, so a log target uses "
               "SSE-S3; remove kms_key_arn")
    if options.replication is not None and not bucket.versioning:
        yield (f"{path}.aws.replication",
               "replication needs versioning; set versioning: true or remove replication")
