"""Google Cloud composition: GKE clusters, GPU pools and GCS buckets from config, on one explicit provider."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.gcp.gcs_bucket import GcsBucket, GcsBucketArgs, WorkloadAccess
from components.gcp.gke_cluster import GkeCluster, GkeClusterArgs
from components.gcp.gpu_node_pool import GkeGpuNodePool, GkeGpuNodePoolArgs
from components.gcp.network import ExistingSubnet, GcpNetwork, GcpNetworkArgs
from components.tags import gcp_labels
from infra.catalog.accelerators import Cloud, resolve
from infra.catalog.dataset_contract import EPHEMERAL_LABEL, LOCAL_NVME
from infra.catalog.local_storage import local_nvme
from infra.compose.context import PROTECTED_ENVIRONMENTS, bucket_name, physical_name
from infra.compose.datasets import local_nvme_pools
from infra.compose.datasets_gcp import gcp_cluster_datasets, gcp_dataset_caches
from infra.compose.datasets_replication import gcp_dataset_replicas
from infra.compose.gateways import gcp_cluster_gateways, proxy_only_cidr
from infra.compose.observability_gcp import gcp_observability
from infra.compose.runners import gcp_runners
from infra.compose.teams import checkpoint_labels, cluster_gpu_queues
from infra.config.gcp import LocationType, Provisioning
from infra.config.observability import observability_enabled
from infra.config.stack import (
    BucketConfig,
    CapacityType,
    ClusterConfig,
    Environment,
    GpuPoolConfig,
    StackConfig,
)


def build(config: StackConfig, stack: str, tags: dict[str, str],
          aws_outputs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every GCP cluster and bucket in the config; returns their stack outputs.

    `aws_outputs` are the AWS half's outputs: a dataset copied from S3 needs its transfer role's ARN.
    """
    assert config.gcp is not None  # guaranteed by infra.config.rules
    provider = gcp.Provider("gcp", project=config.gcp.project, region=config.gcp.region)
    opts = pulumi.ResourceOptions(provider=provider)
    # The output form of the invoke: nothing blocks, and the offline engine answers it.
    number = gcp.organizations.get_project_output(
        project_id=config.gcp.project, opts=pulumi.InvokeOptions(provider=provider)).number
    labels = gcp_labels(tags)
    outputs: dict[str, Any] = {}
    # Buckets first: runner jobs' grants on a bucket take its name output, so they wait for it.
    for name, bucket in config.buckets.items():
        if bucket.cloud == Cloud.GCP:
            outputs[f"bucket_{name}"] = _bucket(config, stack, name, bucket, number, labels, opts)
    # Cross-cloud copies, then the zonal caches in front of the buckets GKE mounts (docs/datasets.md).
    outputs.update(gcp_dataset_replicas(config, stack, number, labels, opts, aws_outputs or {}))
    gcp_dataset_caches(config, stack, opts, outputs)
    for name, cluster in config.clusters.items():
        if cluster.cloud == Cloud.GCP:
            outputs[f"cluster_{name}"] = _cluster(config, stack, name, cluster, number, labels, opts, outputs)
    return outputs


def default_zone(region: str) -> str:
    """The zone used when config names none: `-b`, because every GCP region has one (not all have `-a`)."""
    return f"{region}-b"


def cluster_location(region: str, cluster: ClusterConfig) -> str:
    """A region for regional clusters, one zone for zonal ones."""
    if cluster.gcp.location == LocationType.REGIONAL:
        return region
    return cluster.gcp.zone or default_zone(region)


def _cluster(config: StackConfig, stack: str, name: str, cluster: ClusterConfig,
             number: pulumi.Output[str], labels: dict[str, str],
             opts: pulumi.ResourceOptions, buckets: dict[str, Any]) -> dict[str, Any]:
    assert config.gcp is not None
    options, region = cluster.gcp, config.gcp.region
    cluster_name = physical_name(stack, name)
    existing = options.existing_network
    network = GcpNetwork(f"{name}-net", GcpNetworkArgs(
        network_name=cluster_name, region=region, cidr=str(cluster.network.cidr),
        existing=ExistingSubnet(existing.network, existing.subnetwork, existing.pods_range,
                                existing.services_range) if existing else None,
        proxy_only_cidr=proxy_only_cidr(cluster),
    ), opts=opts)
    location = cluster_location(region, cluster)
    gke = GkeCluster(name, GkeClusterArgs(
        cluster_name=cluster_name, project=config.gcp.project, project_number=number,
        location=location, region=region,
        network=network.network, subnetwork=network.subnetwork,
        pods_range=network.pods_range, services_range=network.services_range,
        kubernetes_version=cluster.kubernetes_version,
        release_channel=options.release_channel.value,
        public_access_cidrs=[str(c) for c in cluster.endpoint.public_access_cidrs],
        authorized_networks=[str(c) for c in options.master_authorized_networks],
        master_cidr=str(options.master_cidr),
        kms_key=options.kms_key, kms_rotation_days=options.kms_rotation_days,
        system_machine_type=options.system_pool.machine_type,
        system_min_nodes=options.system_pool.min_nodes,
        system_max_nodes=options.system_pool.max_nodes,
        deletion_protection=config.environment == Environment.PROD,
        protect=config.environment in PROTECTED_ENVIRONMENTS,
        labels=labels, dns_endpoint=options.dns_endpoint,
        node_service_account=options.node_service_account,
        control_plane_metrics=observability_enabled(config),
        # With observability on, the platform's dcgm-exporter (XID and error counters) replaces GKE's package.
        managed_dcgm=not observability_enabled(config),
    ), opts=opts)
    nvme_pools = local_nvme_pools(config, name)
    pools = {pool_name: GkeGpuNodePool(f"{name}-{pool_name}", pool_args(
        region, cluster, pool, gke.cluster_id, gke.node_service_account, labels,
        boot_disk_kms_key=gke.disk_kms_key,
        checkpoint_bucket=bucket_name(config, stack, pool.checkpoints) if pool.checkpoints else None,
        local_nvme_cache=pool_name in nvme_pools), opts=opts)
        for pool_name, pool in cluster.gpu_pools.items()}
    gateways = gcp_cluster_gateways(config, name, cluster_name, cluster, network, gke.provider, labels, opts)
    team_namespaces = cluster_gpu_queues(config, name, gke.provider, {}, [gke.system_pool])
    return {"name": gke.cluster_name, "endpoint": gke.endpoint, "location": location,
            "gpu_pools": {k: p.node_pool_name for k, p in pools.items()}, **gateways,
            **({"team_namespaces": team_namespaces} if team_namespaces else {}),
            **gcp_runners(config, stack, name, cluster, gke, number, buckets, labels, opts),
            **gcp_observability(config, stack, name, cluster, gke, labels, opts),
            **gcp_cluster_datasets(config, stack, name, gke, number, opts, buckets)}


def pool_args(region: str, cluster: ClusterConfig, pool: GpuPoolConfig, cluster_id: pulumi.Input[str],
              service_account: pulumi.Input[str], labels: dict[str, str],
              boot_disk_kms_key: pulumi.Input[str] | None = None,
              checkpoint_bucket: str | None = None, local_nvme_cache: bool = False) -> GkeGpuNodePoolArgs:
    """A GPU pool's component args: the machine from the catalog, the rest from config.

    `local_nvme_cache`: a dataset caches on Local SSD on this pool, so its ephemeral storage goes there (the config
    rules refused machines without recorded Local SSD).
    """
    offer = resolve(Cloud.GCP, pool.accelerator, pool.gpus_per_node)
    disks = local_nvme(offer.machine_type) if local_nvme_cache else None
    options = pool.gcp
    regional = cluster.gcp.location == LocationType.REGIONAL
    node_locations: list[str] = []
    sharing, reservation = options.gpu_sharing, options.reservation
    if reservation is not None and reservation.zone is not None and regional:
        # A reservation is zonal: the pool runs where its machines are held (rules keep the two consistent).
        node_locations = [reservation.zone]
    elif options.compact_placement:
        # Compact placement keeps every machine of the pool in one zone.
        node_locations = [options.zone or default_zone(region) if regional else cluster_location(region, cluster)]
    flexible = options.provisioning != Provisioning.STANDARD
    return GkeGpuNodePoolArgs(
        cluster_id=cluster_id, location=cluster_location(region, cluster),
        service_account=service_account,
        machine_type=offer.machine_type, gke_accelerator=offer.image_family,
        accelerator=pool.accelerator.value, gpus_per_node=offer.gpus, regional=regional,
        min_nodes=pool.min_nodes, max_nodes=pool.max_nodes,
        spot=pool.capacity == CapacityType.SPOT,
        disk_gib=pool.disk_gib, disk_type=options.disk_type.value,
        driver_version=options.driver_version.value,
        sharing_strategy=sharing.strategy.value if sharing else None,
        max_shared_clients=sharing.max_clients if sharing else None,
        mig_partition_size=options.mig_partition_size,
        # A flex-start pool consumes no reservation (its machines come from Dynamic Workload Scheduler).
        reservation=("NO_RESERVATION" if flexible else reservation.affinity.value if reservation
                     else "ANY_RESERVATION"),
        reservation_name=reservation.name if reservation else None,
        reserved_nodes=reservation.nodes if reservation else 0,
        flex_start=flexible, queued_provisioning=options.provisioning == Provisioning.QUEUED,
        compact_placement=options.compact_placement, node_locations=node_locations,
        max_surge=options.max_surge, max_unavailable=options.max_unavailable,
        node_labels={**checkpoint_labels(pool, checkpoint_bucket), **({EPHEMERAL_LABEL: LOCAL_NVME} if disks else {})},
        labels=labels, boot_disk_kms_key=boot_disk_kms_key,
        local_ssd_count=disks.gke_local_ssd_count if disks else None,
    )


def _bucket(config: StackConfig, stack: str, name: str, bucket: BucketConfig,
            number: pulumi.Output[str], labels: dict[str, str],
            opts: pulumi.ResourceOptions) -> dict[str, Any]:
    assert config.gcp is not None
    options = bucket.gcp
    component = GcsBucket(name, GcsBucketArgs(
        bucket_name=bucket_name(config, stack, name),
        location=config.gcp.region.upper(), project=config.gcp.project, project_number=number,
        storage_class=options.storage_class, versioning=bucket.versioning,
        noncurrent_version_expiration_days=bucket.lifecycle.noncurrent_version_expiration_days,
        abort_incomplete_multipart_days=bucket.lifecycle.abort_incomplete_multipart_days,
        soft_delete_days=options.soft_delete_days,
        cmek=options.encryption == "cmek", kms_key=options.kms_key,
        access_logs=config.environment == Environment.PROD,
        workload_access={k: WorkloadAccess(g.namespace, g.service_account, g.access.value)
                         for k, g in options.workload_access.items()},
        protect=config.environment in PROTECTED_ENVIRONMENTS,
        retain_on_delete=config.environment == Environment.PROD,
        force_destroy=config.environment == Environment.SANDBOX,
        labels=labels,
    ), opts=opts)
    return {"name": component.bucket_name, "url": component.url}
