"""One EKS cluster from config: network, control plane, node pools, add-ons and workload access."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pulumi

from components.aws.amp_workspace import AmpWorkspace
from components.aws.cluster_addons import EksClusterAddons, EksClusterAddonsArgs
from components.aws.dataset_cache import S3ExpressCache
from components.aws.eks_addons import EksManagedAddons, EksManagedAddonsArgs
from components.aws.eks_cluster import AccessEntry, EksCluster, EksClusterArgs, cluster_arn
from components.aws.gpu_node_pool import EksGpuNodePool, EksGpuNodePoolArgs
from components.aws.network import AwsNetwork, AwsNetworkArgs
from components.aws.pod_identity import WorkloadBucketAccess, WorkloadBucketAccessArgs
from components.aws.s3_bucket import S3Bucket
from components.aws.system_pool import EksSystemNodePool, EksSystemNodePoolArgs
from infra.catalog.accelerators import Cloud, resolve
from infra.catalog.dataset_contract import EPHEMERAL_LABEL, LOCAL_NVME
from infra.catalog.dataset_drivers import MOUNTPOINT_CSI, mountpoint_addon_version
from infra.catalog.local_storage import local_nvme
from infra.compose.charts import autoscaler_image_tag, helm_chart
from infra.compose.context import PROTECTED_ENVIRONMENTS, AwsContext, bucket_name, physical_name, zones_for
from infra.compose.datasets import local_nvme_pools
from infra.compose.datasets_aws import aws_cluster_datasets
from infra.compose.gateways import aws_cluster_gateways
from infra.compose.observability_aws import cluster_observability
from infra.compose.runners import aws_runners
from infra.compose.teams import checkpoint_labels, cluster_gpu_queues
from infra.config.stack import CapacityType, ClusterConfig, Environment, GpuPoolConfig, NatMode


def addon_versions(cluster: ClusterConfig) -> dict[str, str]:
    """Managed add-on versions: the stack's own, else the Mountpoint driver's recorded build for the cluster's minor.

    The Mountpoint add-on is pinned because the dataset volumes' options were read at one driver version
    (infra/catalog/dataset_drivers.py); EKS's default build could be another driver with other options.
    """
    versions = {k.value: v for k, v in cluster.aws.addon_versions.items()}
    pinned = mountpoint_addon_version(cluster.kubernetes_version)
    if pinned is not None:
        versions.setdefault(MOUNTPOINT_CSI.name, pinned)
    return versions


def build_cluster(ctx: AwsContext, name: str, cluster: ClusterConfig,
                  buckets: dict[str, S3Bucket], workspace: AmpWorkspace | None = None,
                  dataset_caches: dict[str, tuple[S3ExpressCache, str]] | None = None) -> dict[str, Any]:
    """The cluster and everything on it (its metrics too, when the stack has a workspace); returns its outputs."""
    options = cluster.aws
    cluster_name = physical_name(ctx.stack, name)
    subnets, vpc_id, public_subnets = _network(ctx, name, cluster, cluster_name)
    private_subnets = list(subnets.values())
    # Computed, not read from the cluster, so trust policies show in a plan before it exists.
    arn = ctx.account_id.apply(lambda account: cluster_arn(ctx.region, account, cluster_name))
    environment = ctx.config.environment
    eks = EksCluster(name, EksClusterArgs(
        cluster_name=cluster_name,
        kubernetes_version=cluster.kubernetes_version,
        subnet_ids=private_subnets,
        region=ctx.region,
        public_access_cidrs=[str(c) for c in cluster.endpoint.public_access_cidrs],
        log_retention_days=cluster.log_retention_days,
        kms_key_arn=options.secrets_kms_key_arn,
        account_id=ctx.account_id,
        protect=environment in PROTECTED_ENVIRONMENTS,
        deletion_protection=(environment == Environment.PROD if options.deletion_protection is None
                             else options.deletion_protection),
        access_entries={k: AccessEntry(e.principal_arn, e.access.value) for k, e in options.access_entries.items()},
        tags=ctx.tags, bounds=ctx.bounds,
    ), opts=ctx.opts)
    system = EksSystemNodePool(f"{name}-system", EksSystemNodePoolArgs(
        cluster_name=eks.cluster_name, node_role_arn=eks.node_role_arn, subnet_ids=private_subnets,
        instance_type=options.system_pool.instance_type, min_nodes=options.system_pool.min_nodes,
        max_nodes=options.system_pool.max_nodes, disk_gib=options.system_pool.disk_gib, tags=ctx.tags,
    ), opts=ctx.opts)
    managed = EksManagedAddons(f"{name}-addons", EksManagedAddonsArgs(
        cluster_name=eks.cluster_name, cluster_arn=arn, account_id=ctx.account_id,
        versions=addon_versions(cluster), nodes=[system.node_group],
        tags=ctx.tags, provider=eks.provider, labels={"app.kubernetes.io/managed-by": "mlinfra"},
        bounds=ctx.bounds,
    ), opts=ctx.opts)
    pools: dict[str, EksGpuNodePool] = {}
    capacity: dict[str, str] = {}
    for pool_name, pool in cluster.gpu_pools.items():
        for key, pool_args in _pool_args(ctx, name, cluster_name, eks, subnets, pool_name, pool,
                                              vpc_id).items():
            pools[key] = EksGpuNodePool(key, pool_args, opts=ctx.opts)
            capacity[key] = pool_args.capacity_type
    EksClusterAddons(f"{name}-k8s", EksClusterAddonsArgs(
        cluster_name=cluster_name, cluster_name_output=eks.cluster_name, cluster_arn=arn,
        account_id=ctx.account_id, region=ctx.region, provider=eks.provider,
        autoscaler_chart=helm_chart("cluster-autoscaler"),
        # No autoscaler, no image: a version without a pinned autoscaler image is then fine (issue 30).
        autoscaler_image_tag=autoscaler_image_tag(cluster.kubernetes_version) if options.cluster_autoscaler else "",
        device_plugin_chart=helm_chart("nvidia-device-plugin"), dcgm_chart=helm_chart("dcgm-exporter"),
        efa_device_plugin_chart=(helm_chart("aws-efa-k8s-device-plugin")
                                 if any(p.aws.efa for p in cluster.gpu_pools.values()) else None),
        pool_capacity=capacity, cluster_autoscaler=options.cluster_autoscaler,
        gpu_addons=options.gpu_addons,
        depends_on=[system.node_group, managed.addons["eks-pod-identity-agent"]], tags=ctx.tags,
        bounds=ctx.bounds,
    ), opts=ctx.opts)
    # `aws.gpu_addons: false` leaves the GPU add-ons to the cluster's owner, Kueue too unless teams need it here.
    queued = options.gpu_addons or any(t.cluster == name for t in ctx.config.teams.values())
    team_namespaces = cluster_gpu_queues(ctx.config, name, eks.provider, {}, [system.node_group]) if queued else {}
    for grant_name, grant in options.workload_access.items():
        physical = {bucket_name(ctx.config, ctx.stack, b): a.value for b, a in grant.buckets.items()}
        keys = {bucket_name(ctx.config, ctx.stack, b): buckets[b].kms_key_arn
                for b in grant.buckets if buckets[b].kms_key_arn is not None}
        WorkloadBucketAccess(f"{name}-{grant_name}", WorkloadBucketAccessArgs(
            cluster_name=eks.cluster_name, cluster_arn=arn, account_id=ctx.account_id,
            namespace=grant.namespace, service_account=grant.service_account, buckets=physical,
            bucket_key_arns=keys, tags=ctx.tags, bounds=ctx.bounds,
        ), opts=ctx.opts)
    gateways = aws_cluster_gateways(
        ctx, name, cluster_name, arn, cluster, vpc_id, private_subnets, public_subnets, buckets, eks.provider,
        [system.node_group, managed.addons["eks-pod-identity-agent"]], cluster_name_output=eks.cluster_name)
    on_nodes = [system.node_group, managed.addons["eks-pod-identity-agent"]]
    metrics = {} if workspace is None else cluster_observability(
        ctx, name, cluster_name, cluster, workspace, eks, arn, private_subnets, on_nodes)
    return {"name": eks.cluster_name, "endpoint": eks.endpoint, "vpc_id": vpc_id,
            "gpu_pools": {k: p.node_group_name for k, p in pools.items()}, **gateways, **metrics,
            **({"team_namespaces": team_namespaces} if team_namespaces else {}),
            **aws_runners(ctx, name, cluster, eks, system, managed, arn, buckets),
            **aws_cluster_datasets(ctx, name, cluster, eks, arn, buckets, dataset_caches or {},
                                   managed.addons["aws-mountpoint-s3-csi-driver"])}


def _network(ctx: AwsContext, name: str, cluster: ClusterConfig,
             cluster_name: str) -> tuple[dict[str, pulumi.Input[str]], pulumi.Input[str], list[pulumi.Input[str]]]:
    """Private subnets by zone (nodes, internal balancers), the VPC, and public subnets (public balancers)."""
    existing = cluster.aws.existing_network
    if existing is not None:
        # Someone else owns this VPC (and its flow logs and endpoints); we only place nodes in it.
        return dict(existing.private_subnet_ids), existing.vpc_id, list(existing.public_subnet_ids.values())
    network = AwsNetwork(f"{name}-net", AwsNetworkArgs(
        cidr=str(cluster.network.cidr),
        zones=zones_for(ctx.region, cluster.network.zones),
        nat_per_zone=cluster.network.nat == NatMode.PER_ZONE,
        cluster_names=[cluster_name],
        region=ctx.region,
        flow_log_retention_days=cluster.aws.flow_log_retention_days,
        interface_endpoints=cluster.aws.interface_endpoints,
        account_id=ctx.account_id,
        protect=ctx.config.environment in PROTECTED_ENVIRONMENTS,
        tags=ctx.tags, bounds=ctx.bounds,
        # The flow-log group is named after it: two stacks with a cluster of one name must not share it.
        physical_name=f"{cluster_name}-net",
    ), opts=ctx.opts)
    return dict(network.private_subnet_ids), network.vpc_id, list(network.public_subnet_ids.values())


def _pool_args(ctx: AwsContext, name: str, cluster_name: str, eks: EksCluster,
               subnets: dict[str, pulumi.Input[str]], pool_name: str,
               pool: GpuPoolConfig, vpc_id: pulumi.Input[str]) -> dict[str, EksGpuNodePoolArgs]:
    """The pool's node group args, plus its on-demand fallback when it has one."""
    options = pool.aws
    offer = resolve(Cloud.AWS, pool.accelerator, pool.gpus_per_node)
    placement = options.efa if options.placement_group is None else options.placement_group
    checkpoints = bucket_name(ctx.config, ctx.stack, pool.checkpoints) if pool.checkpoints else None
    # A reservation and a cluster placement group are zonal: such a pool gets its zone (or the first) only.
    if options.zone is not None:
        pool_subnets = [subnets[options.zone]]
    else:
        pool_subnets = [next(iter(subnets.values()))] if placement else list(subnets.values())
    # A local-NVMe dataset cache is read on this pool: its ephemeral storage goes on the instance store (the config
    # rules refused machines without one).
    nvme = local_nvme(offer.machine_type) if pool_name in local_nvme_pools(ctx.config, name) else None
    nvme_label = {EPHEMERAL_LABEL: LOCAL_NVME} if nvme else {}
    if options.capacity_block_id:
        capacity_type = "CAPACITY_BLOCK"
    else:
        capacity_type = "SPOT" if pool.capacity == CapacityType.SPOT else "ON_DEMAND"
    main = EksGpuNodePoolArgs(
        cluster_name=eks.cluster_name,
        node_role_arn=eks.node_role_arn,
        subnet_ids=pool_subnets,
        instance_type=offer.machine_type,
        ami_type=offer.image_family,
        accelerator=pool.accelerator.value,
        gpus_per_node=offer.gpus,
        min_nodes=pool.min_nodes,
        max_nodes=pool.max_nodes,
        capacity_type=capacity_type,
        disk_gib=pool.disk_gib,
        labels={**checkpoint_labels(pool, checkpoints), **nvme_label},
        autoscaler_cluster_name=cluster_name,
        efa_interfaces=offer.efa_interfaces if options.efa else 0,
        cluster_security_group_id=eks.security_group_id if options.efa else None,
        vpc_id=vpc_id if options.efa else None,
        placement_group=placement,
        capacity_reservation_id=options.capacity_reservation_id,
        capacity_block_id=options.capacity_block_id,
        reserved_nodes=options.reserved_nodes,
        node_repair=options.node_repair,
        local_nvme_gib=nvme.total_gib if nvme else None,
        tags=ctx.tags,
    )
    pools = {f"{name}-{pool_name}": main}
    if options.on_demand_fallback_max_nodes:
        pools[f"{name}-{pool_name}-fallback"] = replace(
            main, capacity_type="ON_DEMAND", min_nodes=0, max_nodes=options.on_demand_fallback_max_nodes,
            reserved_nodes=0)
    return pools
