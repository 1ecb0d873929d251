"""AWS composition: clusters, GPU pools and buckets from config, on one explicit provider."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws.eks_cluster import EksCluster, EksClusterArgs
from components.aws.gpu_node_pool import EksGpuNodePool, EksGpuNodePoolArgs
from components.aws.network import AwsNetwork, AwsNetworkArgs
from components.aws.s3_bucket import S3Bucket, S3BucketArgs
from infra.catalog import Cloud, resolve
from infra.composition import PROTECTED_ENVIRONMENTS, bucket_name, physical_name, zones_for
from infra.config_models import (
    BucketConfig,
    CapacityType,
    ClusterConfig,
    Environment,
    NatMode,
    StackConfig,
)


def build(config: StackConfig, stack: str, tags: dict[str, str]) -> dict[str, Any]:
    """Every AWS cluster and bucket in the config; returns their stack outputs."""
    opts = _aws_provider(config)
    outputs: dict[str, Any] = {}
    for name, cluster in config.clusters.items():
        if cluster.cloud == Cloud.AWS:
            outputs[f"cluster_{name}"] = _aws_cluster(config, stack, name, cluster, tags, opts)
    for name, bucket in config.buckets.items():
        if bucket.cloud == Cloud.AWS:
            outputs[f"bucket_{name}"] = _aws_bucket(config, stack, name, bucket, tags, opts)
    return outputs


def _aws_provider(config: StackConfig) -> pulumi.ResourceOptions:
    assert config.aws is not None  # guaranteed by config_rules
    # An explicit provider pins the region from typed config instead of ambient settings.
    provider = aws.Provider("aws", region=config.aws.region)
    return pulumi.ResourceOptions(provider=provider)


def _aws_cluster(config: StackConfig, stack: str, name: str, cluster: ClusterConfig,
                 tags: dict[str, str], opts: pulumi.ResourceOptions | None) -> dict[str, Any]:
    assert config.aws is not None  # guaranteed by config_rules
    cluster_name = physical_name(stack, name)
    network = AwsNetwork(f"{name}-net", AwsNetworkArgs(
        cidr=str(cluster.network.cidr),
        zones=zones_for(config.aws.region, cluster.network.zones),
        nat_per_zone=cluster.network.nat == NatMode.PER_ZONE,
        cluster_names=[cluster_name],
        tags=tags,
    ), opts=opts)
    private_subnets = list(network.private_subnet_ids.values())
    eks = EksCluster(name, EksClusterArgs(
        cluster_name=cluster_name,
        kubernetes_version=cluster.kubernetes_version,
        subnet_ids=private_subnets,
        public_access_cidrs=[str(c) for c in cluster.endpoint.public_access_cidrs],
        log_retention_days=cluster.log_retention_days,
        protect=config.environment in PROTECTED_ENVIRONMENTS,
        tags=tags,
    ), opts=opts)
    pools = {}
    for pool_name, pool in cluster.gpu_pools.items():
        offer = resolve(Cloud.AWS, pool.accelerator, pool.gpus_per_node)
        pools[pool_name] = EksGpuNodePool(f"{name}-{pool_name}", EksGpuNodePoolArgs(
            cluster_name=eks.cluster_name,
            node_role_arn=eks.node_role_arn,
            subnet_ids=private_subnets,
            instance_type=offer.machine_type,
            ami_type=offer.image_family,
            accelerator=pool.accelerator.value,
            gpus_per_node=offer.gpus,
            min_nodes=pool.min_nodes,
            max_nodes=pool.max_nodes,
            capacity_type="SPOT" if pool.capacity == CapacityType.SPOT else "ON_DEMAND",
            disk_gib=pool.disk_gib,
            labels=pool.labels,
            tags=tags,
        ), opts=opts)
    return {"name": eks.cluster_name, "endpoint": eks.endpoint, "vpc_id": network.vpc_id,
            "gpu_pools": {k: p.node_group_name for k, p in pools.items()}}


def _aws_bucket(config: StackConfig, stack: str, name: str, bucket: BucketConfig,
                tags: dict[str, str], opts: pulumi.ResourceOptions | None) -> dict[str, Any]:
    component = S3Bucket(name, S3BucketArgs(
        bucket_name=bucket_name(config, stack, name),
        versioning=bucket.versioning,
        noncurrent_version_expiration_days=bucket.lifecycle.noncurrent_version_expiration_days,
        abort_incomplete_multipart_days=bucket.lifecycle.abort_incomplete_multipart_days,
        protect=config.environment in PROTECTED_ENVIRONMENTS,
        retain_on_delete=config.environment == Environment.PROD,
        force_destroy=config.environment == Environment.SANDBOX,
        tags=tags,
    ), opts=opts)
    return {"name": component.bucket_name, "arn": component.arn}
