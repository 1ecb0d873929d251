"""The `datasets:` section: one spec per dataset, read the same way on EKS and GKE.

A dataset names its home (a bucket and prefix on either cloud, made by the stack or existing), who
reads it (a service account in a namespace on one of the stack's clusters), whether they may write,
and how it is cached next to the GPUs. Cross-field rules are in `infra.config.rules.datasets`;
the composition that turns a dataset into volumes, grants and caches is `infra.compose.datasets`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from infra.catalog.accelerators import Cloud
from infra.config.base import BucketAccess, KubeName, Model, Name

# `imagenet/train/`: no leading slash, no `..`, ends with `/` so `imagenet` never also matches `imagenet2`.
Prefix = Annotated[str, StringConstraints(pattern=r"^([A-Za-z0-9_.=-]+/)*$")]
# A path under the dataset's prefix to read ahead (a directory or a file), relative, no `..`.
# (a `..` segment is refused by infra.config.rules.datasets: the pattern engine has no look-ahead).
WarmPath = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.=*-][A-Za-z0-9_.=*/-]*$")]
# An existing bucket's own name (S3 and GCS share the shape): 3-63 lower-case letters, digits, dots, hyphens.
BucketName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
# A region on either cloud: `us-east-1` (AWS) or `us-central1` (GCP).
RegionName = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-?\d$")]
ZoneName = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-?\d-?[a-z]$")]
# Mountpoint's `--metadata-ttl` takes seconds or `indefinite`; GCS FUSE's ttl-secs takes -1 for "never expires".
INDEFINITE_TTL = -1


class NodeCacheMedium(StrEnum):
    """Where a node's cache lives: the node's disk, its memory (tmpfs), a volume of its own (EKS: gp3), or the
    machine's local NVMe (EKS instance store, GKE Local SSD), which then holds the pool's ephemeral storage."""

    DISK = "disk"
    MEMORY = "memory"
    VOLUME = "volume"
    LOCAL_NVME = "local-nvme"


class DatasetHome(Model):
    """Where the objects live: a bucket of this stack (by its key), or an existing one by name."""

    cloud: Cloud
    # A key of `buckets:` (same cloud), or with `external: true` the existing bucket's own name.
    bucket: str = Field(min_length=1, max_length=63)
    prefix: Prefix = ""
    # The bucket is not made by this stack; its name and region are taken as given.
    external: bool = False
    # Required for an external bucket; a stack bucket lives in the stack's region of its cloud.
    region: RegionName | None = None


class NodeCacheConfig(Model):
    """The cache on each node that mounts the dataset: Mountpoint's local cache, GCS FUSE's file cache."""

    size_gib: int = Field(ge=1, le=16384)
    medium: NodeCacheMedium = NodeCacheMedium.DISK


class SharedCacheConfig(Model):
    """A cache in the GPUs' zone shared by every node: S3 Express One Zone on AWS, Anywhere Cache on GCS."""

    # Zones on either cloud (`us-east-1a`, `us-central1-b`); for a cloud with none listed, the zones its consumers'
    # GPU pools run in (on EKS one zone: the first, where placed pools go). EKS reads through one zone's bucket.
    zones: list[ZoneName] = Field(default_factory=list)
    # Cached objects expire after this many days (the directory bucket's lifecycle, Anywhere Cache's TTL).
    ttl_days: int = Field(default=7, ge=1, le=7)


class CacheConfig(Model):
    """How a dataset is cached next to the GPUs."""

    # None: no node cache (every read goes to the bucket, or the shared cache).
    node: NodeCacheConfig | None = None
    # How long file and directory metadata is trusted; -1: until the mount ends (a dataset that never changes).
    metadata_ttl_seconds: int = Field(default=60, ge=INDEFINITE_TTL, le=86400 * 30)
    # GCS FUSE: fill the file cache with parallel ranged reads (Mountpoint prefetches sequential reads anyway).
    parallel_downloads: bool = True
    shared: SharedCacheConfig | None = None


class ConsumerConfig(Model):
    """A service account that mounts the dataset, on one of the stack's clusters."""

    cluster: Name
    namespace: KubeName
    service_account: KubeName
    # The GPU pool its pods run on: the node cache must fit that pool's disk (unset: every GPU pool of the cluster).
    pool: Name | None = None


class WarmConfig(Model):
    """Paths a Job reads once after the volume exists, so the first training step does not pay for them."""

    paths: list[WarmPath] = Field(min_length=1)
    # The stack creates the warming Job on each consumer cluster; false: only the documented manifest.
    job: bool = True


class DatasetConfig(Model):
    """One dataset: home, access, consumers, cache, warming and (across clouds) replication."""

    home: DatasetHome
    access: BucketAccess = BucketAccess.READ
    consumers: dict[Name, ConsumerConfig] = Field(min_length=1)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    warm: WarmConfig | None = None
    # Consumers on the other cloud read a copy kept in sync by a transfer service (S3 -> GCS: Storage Transfer).
    replicate: bool = False
    # Consumers read an external home in another region on purpose: the policy pack then does not flag those
    # reads (the cost estimate still prices them). Off: such a read fails the plan where policies are mandatory.
    cross_region_reads: bool = False
    # Approximate size and full reads per month: what the cost estimate needs for transfer, egress and caches.
    size_gib: float | None = Field(default=None, gt=0, le=10_000_000)
    reads_per_month: float = Field(default=4.0, ge=0, le=10_000)
