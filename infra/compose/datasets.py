"""What both clouds' dataset compositions share: names, labels, and the options check against upstream.

Kept at the bottom of the dataset modules: it imports config, the catalog and `context` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from infra.catalog.accelerators import Cloud
from infra.catalog.dataset_contract import (
    CONSUMER_ANNOTATION,
    CROSS_REGION_ANNOTATION,
    HOME_ANNOTATION,
    POOL_ANNOTATION,
    READS_ANNOTATION,
    SIZE_ANNOTATION,
)
from infra.catalog.dataset_drivers import unknown_gcs_fuse_options, unknown_mountpoint_options
from infra.compose.context import bucket_name
from infra.config.base import BucketAccess
from infra.config.datasets import ConsumerConfig, DatasetConfig, NodeCacheMedium
from infra.config.rules.datasets import home_region
from infra.config.stack import StackConfig

DATASET_LABEL = "mlinfra.dev/dataset"
MANAGED = {"app.kubernetes.io/managed-by": "mlinfra"}


def claim_name(dataset: str) -> str:
    """The claim a consumer's pods mount: `dataset-<name>` in the consumer's namespace."""
    return f"dataset-{dataset}"


def volume_name(dataset: str, consumer: str) -> str:
    """The cluster-wide PersistentVolume behind one consumer's claim."""
    return f"dataset-{dataset}-{consumer}"


def warm_job_name(dataset: str) -> str:
    """The warming Job in the consumer's namespace."""
    return f"warm-{dataset}"


def replica_key(dataset: str) -> str:
    """The key a dataset's cross-cloud copy is named by, like a bucket of the stack."""
    return f"{dataset}-replica"


def labels(dataset: str) -> dict[str, str]:
    """Labels on every Kubernetes object made for a dataset."""
    return {**MANAGED, DATASET_LABEL: dataset}


def home_bucket(config: StackConfig, stack: str, dataset: DatasetConfig) -> str:
    """The home bucket's physical name: the stack's name for its own buckets, the given one for external ones."""
    home = dataset.home
    return home.bucket if home.external else bucket_name(config, stack, home.bucket)


def home_annotation(config: StackConfig, stack: str, dataset: DatasetConfig) -> dict[str, str]:
    """`<cloud>:<region>:<bucket>/<prefix>`, on the PV and claim."""
    return {HOME_ANNOTATION: f"{dataset.home.cloud.value}:{home_region(config, dataset)}:"
                             f"{home_bucket(config, stack, dataset)}/{dataset.home.prefix}"}


def consumer_annotations(cluster: str, consumer: ConsumerConfig, dataset: DatasetConfig) -> dict[str, str]:
    """The consumer's identity and pool, and the dataset's size and reads (for the cost estimate)."""
    found = {CONSUMER_ANNOTATION: f"{consumer.namespace}/{consumer.service_account}",
             READS_ANNOTATION: f"{dataset.reads_per_month:g}"}
    if dataset.size_gib is not None:
        found[SIZE_ANNOTATION] = f"{dataset.size_gib:g}"
    if dataset.cross_region_reads:
        found[CROSS_REGION_ANNOTATION] = "accepted"
    if consumer.pool:
        found[POOL_ANNOTATION] = f"{cluster}-{consumer.pool}"
    return found


def read_only(dataset: DatasetConfig) -> bool:
    """Read-only unless the dataset is declared read-write (a checkpoint area)."""
    return dataset.access != BucketAccess.READ_WRITE


def consumers_on(config: StackConfig, cluster: str) -> Iterator[tuple[str, DatasetConfig, str, ConsumerConfig]]:
    """(dataset, its config, consumer key, consumer) for every consumer on `cluster`, in a stable order."""
    for name, dataset in sorted(config.datasets.items()):
        for key, consumer in sorted(dataset.consumers.items()):
            if consumer.cluster == cluster:
                yield name, dataset, key, consumer


def local_nvme_pools(config: StackConfig, cluster: str) -> set[str]:
    """The GPU pools of `cluster` whose ephemeral storage goes on local NVMe: those a local-nvme cache is read on."""
    pools: set[str] = set()
    for _, dataset, _, consumer in consumers_on(config, cluster):
        node = dataset.cache.node
        if node is not None and node.medium == NodeCacheMedium.LOCAL_NVME:
            pools |= {consumer.pool} if consumer.pool else set(config.clusters[cluster].gpu_pools)
    return pools


def check_options(cloud: Cloud, where: str, mount_options: Iterable[str], attributes: Iterable[str]) -> None:
    """Refuse a volume carrying an option the pinned driver does not read (it would be dropped silently)."""
    check = unknown_mountpoint_options if cloud == Cloud.AWS else unknown_gcs_fuse_options
    unknown = check(list(mount_options), list(attributes))
    if unknown:
        raise ValueError(f"{where}: {', '.join(unknown)} not read by the pinned driver "
                         "(infra/catalog/dataset_drivers.py); re-read upstream or drop the option")
