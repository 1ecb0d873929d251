"""Datasets on EKS: shared caches (S3 Express), each consumer's role, namespace, volume and warming Job."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws.dataset_access import DatasetGrant, S3DatasetAccess, S3DatasetAccessArgs
from components.aws.dataset_cache import S3ExpressCache, S3ExpressCacheArgs, directory_bucket_arn
from components.aws.dataset_volume import S3DatasetVolume, S3DatasetVolumeArgs, mount_options, volume_attributes
from components.aws.eks_cluster import EksCluster
from components.aws.s3_bucket import S3Bucket
from components.k8s.dataset_consumers import DatasetConsumers, DatasetConsumersArgs
from components.k8s.dataset_warm import DatasetWarmer, DatasetWarmerArgs
from infra.catalog.accelerators import Cloud
from infra.catalog.dataset_images import warm_image
from infra.compose.context import AwsContext, bucket_name
from infra.compose.datasets import (
    MANAGED,
    check_options,
    claim_name,
    consumer_annotations,
    consumers_on,
    home_annotation,
    home_bucket,
    labels,
    read_only,
    volume_name,
    warm_job_name,
)
from infra.config.datasets import ConsumerConfig, DatasetConfig
from infra.config.rules.datasets import home_region, shared_zones
from infra.config.stack import ClusterConfig

# The gp3 class EksManagedAddons creates: a `volume` node cache is provisioned from it.
CACHE_STORAGE_CLASS = "gp3-encrypted"


def shared_cache_zone(ctx: AwsContext, dataset: DatasetConfig) -> str | None:
    """The zone of a dataset's S3 Express cache: for an S3 dataset with a shared cache and consumers on EKS."""
    if dataset.cache.shared is None or dataset.home.cloud != Cloud.AWS:
        return None
    if not any(ctx.config.clusters[c.cluster].cloud == Cloud.AWS for c in dataset.consumers.values()):
        return None
    zones = shared_zones(ctx.config, dataset, Cloud.AWS)
    return zones[0] if zones else None


def aws_dataset_caches(ctx: AwsContext) -> dict[str, tuple[S3ExpressCache, str]]:
    """An S3 Express directory bucket per dataset with a shared cache on AWS: dataset -> (cache, zone)."""
    wanted = {name: zone for name, d in sorted(ctx.config.datasets.items())
              if (zone := shared_cache_zone(ctx, d)) is not None}
    if not wanted:
        return {}
    # Directory buckets are placed by zone id (use1-az4), which differs per account; answered offline too.
    zones = aws.get_availability_zones_output(opts=pulumi.InvokeOutputOptions(provider=ctx.opts.provider))
    caches = {}
    for name, zone in wanted.items():
        zone_id = pulumi.Output.all(zones.names, zones.zone_ids).apply(lambda v, z=zone: dict(zip(*v, strict=True))[z])
        dataset = ctx.config.datasets[name]
        assert dataset.cache.shared is not None
        caches[name] = (S3ExpressCache(f"dataset-{name}-cache", S3ExpressCacheArgs(
            base_name=f"{bucket_name(ctx.config, ctx.stack, name)}-cache", zone_id=zone_id, zone=zone,
            ttl_days=dataset.cache.shared.ttl_days, tags=ctx.tags), opts=ctx.opts), zone)
    return caches


def aws_cluster_datasets(ctx: AwsContext, name: str, cluster: ClusterConfig, eks: EksCluster,
                         cluster_arn: pulumi.Input[str], buckets: dict[str, S3Bucket],
                         caches: dict[str, tuple[S3ExpressCache, str]],
                         driver: pulumi.Resource) -> dict[str, Any]:
    """Every dataset consumer on one EKS cluster; returns `datasets: {dataset: claim}` for the outputs."""
    consumers = list(consumers_on(ctx.config, name))
    if not consumers:
        return {}
    accounts: dict[str, list[str]] = defaultdict(list)
    for _, _, _, consumer in consumers:
        accounts[consumer.namespace].append(consumer.service_account)
    namespaces = DatasetConsumers(f"{name}-datasets", DatasetConsumersArgs(
        service_accounts=accounts, provider=eks.provider, labels=MANAGED), opts=ctx.opts)
    grants: dict[tuple[str, str], dict[str, DatasetGrant]] = defaultdict(dict)
    keys: dict[tuple[str, str], dict[str, pulumi.Input[str]]] = defaultdict(dict)
    cache_arns: dict[tuple[str, str], dict[str, pulumi.Input[str]]] = defaultdict(dict)
    outputs: dict[str, str] = {}
    for dataset_name, dataset, key, consumer in consumers:
        bucket = home_bucket(ctx.config, ctx.stack, dataset)
        who = (consumer.namespace, consumer.service_account)
        grants[who][dataset_name] = DatasetGrant(bucket, dataset.home.prefix, not read_only(dataset))
        home = None if dataset.home.external else buckets.get(dataset.home.bucket)
        if home is not None and home.kms_key_arn is not None:
            keys[who][dataset_name] = home.kms_key_arn
        cache, zone = caches.get(dataset_name, (None, None))
        if cache is not None:
            cache_arns[who][dataset_name] = ctx.account_id.apply(
                lambda account, c=cache: c.bucket_name.apply(lambda b: directory_bucket_arn(ctx.region, account, b)))
        _volume(ctx, name, eks, dataset_name, dataset, key, consumer, bucket, cache, zone, namespaces, driver)
        if dataset.warm is not None and dataset.warm.job:
            DatasetWarmer(f"{name}-{dataset_name}-{key}-warm", DatasetWarmerArgs(
                namespace=consumer.namespace, job_name=warm_job_name(dataset_name), claim=claim_name(dataset_name),
                service_account=consumer.service_account, paths=dataset.warm.paths, image=warm_image(),
                provider=eks.provider, labels=labels(dataset_name), depends_on=[driver]), opts=ctx.opts)
        outputs[dataset_name] = claim_name(dataset_name)
    for (namespace, account), dataset_grants in sorted(grants.items()):
        S3DatasetAccess(f"{name}-{namespace}-{account}-datasets", S3DatasetAccessArgs(
            cluster_name=eks.cluster_name, cluster_arn=cluster_arn, account_id=ctx.account_id,
            namespace=namespace, service_account=account, grants=dataset_grants,
            kms_key_arns=keys[(namespace, account)], directory_bucket_arns=cache_arns[(namespace, account)],
            tags=ctx.tags, bounds=ctx.bounds), opts=ctx.opts)
    return {"datasets": outputs}


def _volume(ctx: AwsContext, cluster_name: str, eks: EksCluster, dataset_name: str, dataset: DatasetConfig,
            key: str, consumer: ConsumerConfig, bucket: str, cache: S3ExpressCache | None, zone: str | None,
            namespaces: DatasetConsumers, driver: pulumi.Resource) -> None:
    node = dataset.cache.node
    region = home_region(ctx.config, dataset) or ctx.region
    options = mount_options(region, dataset.home.prefix, read_only(dataset), dataset.cache.metadata_ttl_seconds)
    attributes = volume_attributes(bucket, node.medium.value if node else None, node.size_gib if node else None,
                                   CACHE_STORAGE_CLASS)
    where = f"datasets.{dataset_name}.consumers.{key}"
    check_options(Cloud.AWS, where, [*options, *(["cache-xz cache"] if cache else [])], attributes)
    all_options: pulumi.Input[list[str]] = options
    if cache is not None:
        all_options = cache.bucket_name.apply(lambda b: [*options, f"cache-xz {b}"])
    S3DatasetVolume(f"{cluster_name}-{dataset_name}-{key}", S3DatasetVolumeArgs(
        volume_name=volume_name(dataset_name, key), namespace=consumer.namespace, claim_name=claim_name(dataset_name),
        read_only=read_only(dataset), mount_options=all_options, volume_attributes=attributes,
        provider=eks.provider, zone=zone, labels=labels(dataset_name),
        annotations={**home_annotation(ctx.config, ctx.stack, dataset),
                     **consumer_annotations(cluster_name, consumer, dataset)},
        depends_on=[driver, namespaces.namespaces[consumer.namespace]]), opts=ctx.opts)
