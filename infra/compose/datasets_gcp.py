"""Datasets on GKE: Anywhere Caches, each consumer's namespace, Workload Identity grant, volume and warming Job."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pulumi

from components.gcp.dataset_cache import AnywhereCaches, AnywhereCachesArgs
from components.gcp.dataset_volume import (
    GcsDatasetVolume,
    GcsDatasetVolumeArgs,
    gcsfuse_mount_options,
    gcsfuse_volume_attributes,
)
from components.gcp.gke_cluster import GkeCluster
from components.gcp.iam import workload_principal
from components.gcp.workload_grants import WorkloadGrants, WorkloadGrantsArgs
from components.k8s.dataset_consumers import DatasetConsumers, DatasetConsumersArgs
from components.k8s.dataset_warm import DatasetWarmer, DatasetWarmerArgs
from infra.catalog.accelerators import Cloud
from infra.catalog.dataset_contract import COPY_ANNOTATION, HOME_ANNOTATION
from infra.catalog.dataset_drivers import GCS_FUSE_POD_ANNOTATION
from infra.catalog.dataset_images import warm_image
from infra.compose.context import bucket_name
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
    replica_key,
    volume_name,
    warm_job_name,
)
from infra.config.datasets import DatasetConfig
from infra.config.observability import observability_enabled
from infra.config.rules.datasets import shared_zones
from infra.config.stack import StackConfig


def gcs_bucket_of(config: StackConfig, stack: str, name: str, dataset: DatasetConfig) -> str:
    """The GCS bucket GKE consumers mount: the home on GCS, else the cross-cloud copy."""
    if dataset.home.cloud == Cloud.GCP:
        return home_bucket(config, stack, dataset)
    return bucket_name(config, stack, replica_key(name))


def mounted_annotation(config: StackConfig, stack: str, name: str, dataset: DatasetConfig,
                       bucket: str) -> dict[str, str]:
    """Where the mounted objects are: the home, or for a copy its GCS bucket and (separately) the home it copies."""
    if dataset.home.cloud == Cloud.GCP:
        return home_annotation(config, stack, dataset)
    assert config.gcp is not None
    return {HOME_ANNOTATION: f"gcp:{config.gcp.region}:{bucket}/{dataset.home.prefix}",
            COPY_ANNOTATION: home_annotation(config, stack, dataset)[HOME_ANNOTATION]}


def bucket_input(config: StackConfig, stack: str, name: str, dataset: DatasetConfig,
                 bucket_outputs: dict[str, Any]) -> pulumi.Input[str]:
    """The mounted bucket's name as the bucket's output when the stack makes it, so grants and caches wait for it."""
    key = dataset.home.bucket if dataset.home.cloud == Cloud.GCP and not dataset.home.external else replica_key(name)
    made = bucket_outputs.get(f"bucket_{key}")
    return made["name"] if made else gcs_bucket_of(config, stack, name, dataset)


def gcp_dataset_caches(config: StackConfig, stack: str, opts: pulumi.ResourceOptions,
                       bucket_outputs: dict[str, Any]) -> None:
    """Anywhere Caches for every dataset read from GCS with a shared cache (home on GCS, or its copy there)."""
    for name, dataset in sorted(config.datasets.items()):
        on_gcs = dataset.home.cloud == Cloud.GCP or dataset.replicate
        on_gke = any(config.clusters[c.cluster].cloud == Cloud.GCP for c in dataset.consumers.values())
        if dataset.cache.shared is None or not on_gcs or not on_gke:
            continue
        zones = shared_zones(config, dataset, Cloud.GCP)
        if not zones:
            continue  # zones listed on the other cloud only (None is refused by the config rules)
        AnywhereCaches(f"dataset-{name}-cache", AnywhereCachesArgs(
            bucket=bucket_input(config, stack, name, dataset, bucket_outputs),
            zones=zones,
            ttl_days=dataset.cache.shared.ttl_days), opts=opts)


def gcp_cluster_datasets(config: StackConfig, stack: str, name: str, gke: GkeCluster, number: pulumi.Input[str],
                         opts: pulumi.ResourceOptions, bucket_outputs: dict[str, Any]) -> dict[str, Any]:
    """Every dataset consumer on one GKE cluster; returns `datasets: {dataset: claim}` for the outputs."""
    assert config.gcp is not None
    consumers = list(consumers_on(config, name))
    if not consumers:
        return {}
    accounts: dict[str, list[str]] = defaultdict(list)
    for _, _, _, consumer in consumers:
        accounts[consumer.namespace].append(consumer.service_account)
    namespaces = DatasetConsumers(f"{name}-datasets", DatasetConsumersArgs(
        service_accounts=accounts, provider=gke.provider, labels=MANAGED), opts=opts)
    outputs: dict[str, str] = {}
    for dataset_name, dataset, key, consumer in consumers:
        bucket = gcs_bucket_of(config, stack, dataset_name, dataset)
        # Bucket-level role: GCS FUSE lists the bucket (the driver's access check, only-dir listings), and GCS
        # IAM conditions cannot scope a list to a prefix.
        WorkloadGrants(f"{name}-{dataset_name}-{key}-grant", WorkloadGrantsArgs(
            project=config.gcp.project,
            members={key: workload_principal(config.gcp.project, number, consumer.namespace, consumer.service_account)},
            buckets={dataset_name: (bucket_input(config, stack, dataset_name, dataset, bucket_outputs),
                                    "read" if read_only(dataset) else "read-write")}), opts=opts)
        node = dataset.cache.node
        options = gcsfuse_mount_options(dataset.home.prefix, dataset.cache.parallel_downloads, node is not None)
        attributes = gcsfuse_volume_attributes(bucket, node.size_gib if node else None,
                                               dataset.cache.metadata_ttl_seconds,
                                               metrics=observability_enabled(config))
        check_options(Cloud.GCP, f"datasets.{dataset_name}.consumers.{key}", options, attributes)
        GcsDatasetVolume(f"{name}-{dataset_name}-{key}", GcsDatasetVolumeArgs(
            volume_name=volume_name(dataset_name, key), namespace=consumer.namespace,
            claim_name=claim_name(dataset_name), bucket=bucket, read_only=read_only(dataset),
            mount_options=options, volume_attributes=attributes, provider=gke.provider, labels=labels(dataset_name),
            annotations={**mounted_annotation(config, stack, dataset_name, dataset, bucket),
                         **consumer_annotations(name, consumer, dataset)},
            depends_on=[namespaces.namespaces[consumer.namespace]]), opts=opts)
        if dataset.warm is not None and dataset.warm.job:
            DatasetWarmer(f"{name}-{dataset_name}-{key}-warm", DatasetWarmerArgs(
                namespace=consumer.namespace, job_name=warm_job_name(dataset_name), claim=claim_name(dataset_name),
                service_account=consumer.service_account, paths=dataset.warm.paths, image=warm_image(),
                provider=gke.provider, pod_annotations={GCS_FUSE_POD_ANNOTATION: "true"},
                labels=labels(dataset_name), depends_on=[namespaces.namespaces[consumer.namespace]]), opts=opts)
        outputs[dataset_name] = claim_name(dataset_name)
    return {"datasets": outputs}
