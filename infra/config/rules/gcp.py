"""Cross-field config rules that only concern Google Cloud resources."""

from __future__ import annotations

from collections.abc import Iterator

from infra.catalog.accelerators import CatalogError, Cloud, resolve
from infra.catalog.gpu_availability import not_sold_in, zone_not_offered
from infra.config.gcp import SERVICE_ACCOUNT_EMAIL, LocationType, ReservationAffinity
from infra.config.observability import observability_enabled
from infra.config.rules.cidrs import open_range_problems
from infra.config.rules.cloud_keys import other_cloud_bucket_keys, other_cloud_cluster_keys
from infra.config.stack import ClusterConfig, Environment, GpuPoolConfig, StackConfig

Problem = tuple[str, str]
REGIONAL_ONLY = (Environment.STAGING, Environment.PROD)
# Shared keys that only shape AWS resources: on GCP, subnets and Cloud NAT are regional and
# control-plane log retention belongs to the Cloud Logging bucket, so setting them would do nothing.
AWS_ONLY_FIELDS = {("network", "nat"): "Cloud NAT is regional",
                   ("network", "zones"): "GCP subnets are regional",
                   ("log_retention_days",): "GKE logs go to Cloud Logging, which sets retention"}


def gcp_problems(config: StackConfig) -> Iterator[Problem]:
    """Every Google Cloud-specific problem in the stack config, with its path."""
    region = config.gcp.region if config.gcp else ""
    for name, cluster in config.clusters.items():
        path = f"clusters.{name}"
        if cluster.cloud != Cloud.GCP:
            yield from other_cloud_cluster_keys(path, cluster, "gcp")
            continue
        yield from _cluster(path, cluster, config.environment, region)
        for pool_name, pool in cluster.gpu_pools.items():
            yield from gke_pool_problems(f"{path}.gpu_pools.{pool_name}", cluster, pool, region)
    yield from _alert_email(config)
    for name, bucket in config.buckets.items():
        if bucket.cloud != Cloud.GCP:
            yield from other_cloud_bucket_keys(f"buckets.{name}", bucket, "gcp")
            continue
        path = f"buckets.{name}.gcp"
        options = bucket.gcp
        if options.kms_key and options.encryption != "cmek":
            yield f"{path}.kms_key", "only applies with encryption: cmek; set it or remove kms_key"
        if 0 < options.soft_delete_days < 7:
            yield (f"{path}.soft_delete_days",
                   f"must be 0 (off) or 7 to 90 days, as GCS allows (got {options.soft_delete_days})")


def _alert_email(config: StackConfig) -> Iterator[Problem]:
    gke = [name for name, c in config.clusters.items() if c.cloud == Cloud.GCP]
    if (gke and config.observability.notify.emails and observability_enabled(config)
            and config.gcp is not None and config.gcp.alert_smtp is None):
        yield ("gcp.alert_smtp",
               f"required to mail observability.notify.emails from GKE clusters ({', '.join(gke)}): their managed "
               "Alertmanager sends mail itself; set {smarthost: host:port, sender: alerts@...} of a relay that "
               "admits the clusters' NAT address, or notify by webhook_url only")


def _cluster(path: str, cluster: ClusterConfig, environment: Environment, region: str) -> Iterator[Problem]:
    options = cluster.gcp
    for keys, reason in AWS_ONLY_FIELDS.items():
        owner = cluster.network if keys[0] == "network" else cluster
        if keys[-1] in owner.model_fields_set:
            yield f"{path}.{'.'.join(keys)}", f"has no effect on gcp ({reason}); remove it"
    gpath = f"{path}.gcp"
    if options.location == LocationType.ZONAL and environment in REGIONAL_ONLY:
        yield (f"{gpath}.location",
               f"a {environment.value} cluster must be regional to survive a zone loss; zonal "
               "clusters are for dev and sandbox; set location: regional (got zonal)")
    if options.zone is not None:
        if options.location == LocationType.REGIONAL:
            yield f"{gpath}.zone", "only applies to zonal clusters; remove it or set location: zonal"
        elif region and not options.zone.startswith(f"{region}-"):
            yield f"{gpath}.zone", f"must be a zone of region {region} (got {options.zone})"
    yield from open_range_problems(f"{gpath}.master_authorized_networks", options.master_authorized_networks,
                                   "the Kubernetes API")
    account = options.node_service_account
    if account is not None and not SERVICE_ACCOUNT_EMAIL.match(account):
        yield (f"{gpath}.node_service_account",
               "must be a service account email, <id>@<project>.iam.gserviceaccount.com, like the bootstrap "
               f"output gcp_node_service_accounts (got {account!r})")
    reader = options.metrics_reader_service_account
    if reader is not None and not SERVICE_ACCOUNT_EMAIL.match(reader):
        yield (f"{gpath}.metrics_reader_service_account",
               "must be a service account email, <id>@<project>.iam.gserviceaccount.com, like the bootstrap "
               f"output gcp_metrics_reader_service_accounts (got {reader!r})")
    if options.master_cidr.prefixlen != 28:
        yield (f"{gpath}.master_cidr",
               f"must be a /28, the size GKE reserves for the control plane (got /{options.master_cidr.prefixlen})")
    # The control plane's range "must not overlap with any other ranges in use within the cluster's
    # network" (PrivateClusterConfig.masterIpv4CidrBlock, https://pub.dev/documentation/pulumi_google_native/
    # latest/container/PrivateClusterConfig-class.html, the GKE API's field text, read 2026-11-29); the
    # network's nodes, pods and services ranges are all carved from network.cidr.
    network = cluster.network.cidr
    if options.existing_network is None and network.overlaps(options.master_cidr):
        yield (f"{gpath}.master_cidr",
               f"{options.master_cidr} overlaps network.cidr {network}, which holds the nodes, pods and services; "
               "pick a /28 outside it, e.g. the default 172.16.0.0/28")
    system = options.system_pool
    if system.max_nodes < system.min_nodes:
        yield (f"{gpath}.system_pool.max_nodes",
               f"must be >= min_nodes (got {system.max_nodes} < {system.min_nodes})")


def gke_pool_problems(path: str, cluster: ClusterConfig, pool: GpuPoolConfig, region: str) -> Iterator[Problem]:
    """Problems with the GKE-only settings of one GPU pool (MIG, sharing, reservation, zone)."""
    options = pool.gcp
    gpath = f"{path}.gcp"
    yield from _sold_here(path, cluster, pool, region)
    if options.mig_partition_size is not None:
        try:
            sizes = resolve(Cloud.GCP, pool.accelerator, pool.gpus_per_node).mig_partitions
        except CatalogError:
            sizes = None  # the shared rules already report the accelerator or count
        if sizes == ():
            yield (f"{gpath}.mig_partition_size",
                   f"{pool.accelerator.value} does not support MIG partitions; remove "
                   f"mig_partition_size or use an accelerator that does (got {options.mig_partition_size})")
        elif sizes and options.mig_partition_size not in sizes:
            yield (f"{gpath}.mig_partition_size",
                   f"{pool.accelerator.value} supports MIG partitions {', '.join(sizes)}; set one "
                   f"of those (got {options.mig_partition_size})")
        if options.gpu_sharing is not None:
            yield (f"{gpath}.gpu_sharing",
                   "cannot be combined with mig_partition_size; use either GPU sharing or MIG partitions")
    reservation = options.reservation
    if reservation is not None:
        specific = reservation.affinity == ReservationAffinity.SPECIFIC
        if specific and not reservation.name:
            yield f"{gpath}.reservation.name", "required with affinity SPECIFIC_RESERVATION; name the reservation"
        if not specific and reservation.name:
            yield (f"{gpath}.reservation.name", "only applies with affinity SPECIFIC_RESERVATION; "
                   f"remove it (got affinity {reservation.affinity.value})")
    if options.zone is not None:
        if not options.compact_placement or cluster.gcp.location == LocationType.ZONAL:
            yield (f"{gpath}.zone", "only applies to compact_placement pools in regional clusters; "
                   "remove it (zonal clusters place every pool in their zone)")
        elif region and not options.zone.startswith(f"{region}-"):
            yield f"{gpath}.zone", f"must be a zone of region {region} (got {options.zone})"


def _sold_here(path: str, cluster: ClusterConfig, pool: GpuPoolConfig, region: str) -> Iterator[Problem]:
    """The pool's machine must be sold in the stack's region, and in the zone the config names (if any)."""
    try:
        offer = resolve(Cloud.GCP, pool.accelerator, pool.gpus_per_node)
    except CatalogError:
        return  # reported by the cloud-neutral pool rules
    refusal = not_sold_in(offer, region) if region else None
    if refusal:
        yield f"{path}.accelerator", refusal
        return
    # Only zones the config names: a default zone is GKE's choice in a regional cluster.
    for zone, zone_path in ((pool.gcp.zone, f"{path}.gcp.zone"), (cluster.gcp.zone, None)):
        if zone is None or (zone_path is None and cluster.gcp.location != LocationType.ZONAL):
            continue
        problem = zone_not_offered(offer, zone)
        if problem:
            yield zone_path or f"{path}.accelerator", problem
