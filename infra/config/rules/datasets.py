"""Dataset rules: the home exists, consumers are on the stack's clusters, caches fit, clouds line up.

Each problem names its path and the fix. What the rules know about where pools run (zones) and what
their machines hold (disk, memory) is the same reading the composition uses (`pool_zones`).
"""

from __future__ import annotations

from collections.abc import Iterator

from infra.catalog.accelerators import CatalogError, Cloud, resolve
from infra.catalog.dataset_contract import MIN_DISK_RESERVE_GIB
from infra.catalog.dataset_drivers import MOUNTPOINT_CSI
from infra.catalog.local_storage import local_nvme
from infra.config.base import BucketAccess
from infra.config.datasets import DatasetConfig, NodeCacheMedium
from infra.config.gcp import LocationType
from infra.config.stack import ClusterConfig, GpuPoolConfig, StackConfig
from infra.config.values.buckets import external_bucket_problem

Problem = tuple[str, str]
# Room a node keeps on its root disk besides the cache: OS, kubelet, container images (CUDA training images
# run to many GiB) and logs: half the disk, and at least MIN_DISK_RESERVE_GIB. An evicted Mountpoint or
# sidecar pod takes every mount on the node with it.
# A memory cache shares the machine with the training process; it may take a quarter of the machine.
MEMORY_CACHE_SHARE = 4
# The only direction a transfer service replicates on its own here: Storage Transfer Service reads S3 and
# writes GCS (cloud.google.com/storage-transfer/docs/create-transfers, read 2026-12-07); it does not write S3.
REPLICATION = {(Cloud.AWS, Cloud.GCP)}


def stack_region(config: StackConfig, cloud: Cloud) -> str | None:
    """The stack's region on `cloud` (where its clusters and buckets are), None when it has none there."""
    settings = config.aws if cloud == Cloud.AWS else config.gcp
    return settings.region if settings is not None else None


def home_region(config: StackConfig, dataset: DatasetConfig) -> str | None:
    """Where a dataset's objects are: an external bucket's given region, else the stack's on that cloud."""
    return dataset.home.region if dataset.home.external else stack_region(config, dataset.home.cloud)


def aws_cluster_zones(region: str, cluster: ClusterConfig) -> list[str]:
    """The zones an EKS cluster's subnets are in (computed the same way as the network's)."""
    return [f"{region}{letter}" for letter in "abcdef"[:cluster.network.zones]]


def pool_zones(config: StackConfig, cluster: ClusterConfig, pool: str | None = None) -> list[str] | None:
    """The zones a cluster's GPU pools (or one of them) run in; None when GKE chooses them (regional, unplaced)."""
    region = stack_region(config, cluster.cloud)
    pools = [cluster.gpu_pools[pool]] if pool in cluster.gpu_pools else list(cluster.gpu_pools.values())
    if region is None:
        return None
    if cluster.cloud == Cloud.AWS:
        zones = aws_cluster_zones(region, cluster)
        placed = [p for p in pools if p.aws.efa or p.aws.placement_group]
        # A placed pool gets the first zone only (infra.compose.aws_cluster); the others span all zones.
        return zones[:1] if placed and len(placed) == len(pools) else zones
    if cluster.gcp.location == LocationType.ZONAL:
        return [cluster.gcp.zone or f"{region}-b"]
    if pools and all(p.gcp.compact_placement for p in pools):
        return sorted({p.gcp.zone or f"{region}-b" for p in pools})
    return None


def shared_zones(config: StackConfig, dataset: DatasetConfig, cloud: Cloud) -> list[str] | None:
    """Zones of a dataset's shared cache on `cloud`: listed ones in that cloud's region, else its consumers' pools'.

    When zones are listed, a cloud none of them is on gets no shared cache ([]). On AWS one zone (a mount
    reads through one directory bucket): the first. None when they cannot be known.
    """
    assert dataset.cache.shared is not None
    region = stack_region(config, cloud) or ""
    listed = [z for z in dataset.cache.shared.zones if z.startswith(f"{region}-" if cloud == Cloud.GCP else region)]
    if listed:
        return listed[:1] if cloud == Cloud.AWS else listed
    if dataset.cache.shared.zones:
        return []  # zones listed, none on this cloud: no shared cache here
    zones: list[str] = []
    for consumer in dataset.consumers.values():
        cluster = config.clusters.get(consumer.cluster)
        if cluster is None or cluster.cloud != cloud:
            continue
        known = pool_zones(config, cluster, consumer.pool)
        if known is None:
            return None
        zones += [z for z in known if z not in zones]
    return zones[:1] if cloud == Cloud.AWS else zones


def dataset_problems(config: StackConfig) -> Iterator[Problem]:
    """Every problem with `datasets:`, with its path."""
    for name, dataset in config.datasets.items():
        yield from _dataset(config, f"datasets.{name}", dataset)
        yield from _one_claim_per_namespace(f"datasets.{name}", dataset)
    yield from _pod_identity_collisions(config)
    yield from _mountpoint_addon_pins(config)


def _mountpoint_addon_pins(config: StackConfig) -> Iterator[Problem]:
    """A stack that mounts datasets on EKS runs the driver build whose options were recorded (dataset_drivers.py)."""
    build = f"{MOUNTPOINT_CSI.version}-eksbuild."
    consumer_clusters = {c.cluster for d in config.datasets.values() for c in d.consumers.values()}
    for name in sorted(consumer_clusters):
        cluster = config.clusters.get(name)
        if cluster is None or cluster.cloud != Cloud.AWS:
            continue
        version = {k.value: v for k, v in cluster.aws.addon_versions.items()}.get(MOUNTPOINT_CSI.name)
        if version is not None and not version.startswith(build):
            yield (f"clusters.{name}.aws.addon_versions.{MOUNTPOINT_CSI.name}",
                   f"'{version}' is not a build of driver {MOUNTPOINT_CSI.version}, the version whose mount options "
                   f"and volume attributes the dataset volumes were checked against; pin a {build}N build, or "
                   "re-read the driver's options at the new version (infra/catalog/dataset_drivers.py) first")


def _one_claim_per_namespace(path: str, dataset: DatasetConfig) -> Iterator[Problem]:
    # The claim is named after the dataset in the consumer's namespace: two consumers there would share it.
    seen: dict[tuple[str, str], str] = {}
    for key, consumer in dataset.consumers.items():
        other = seen.setdefault((consumer.cluster, consumer.namespace), key)
        if other != key:
            yield (f"{path}.consumers.{key}.namespace",
                   f"consumer '{other}' already mounts this dataset in namespace '{consumer.namespace}' on cluster "
                   f"'{consumer.cluster}' (one claim per namespace); use one consumer, or another namespace")


def _pod_identity_collisions(config: StackConfig) -> Iterator[Problem]:
    """EKS allows one Pod Identity association per service account: a consumer must not be a workload_access one."""
    for name, dataset in config.datasets.items():
        for key, consumer in dataset.consumers.items():
            cluster = config.clusters.get(consumer.cluster)
            if cluster is None or cluster.cloud != Cloud.AWS:
                continue
            for grant_name, grant in cluster.aws.workload_access.items():
                if (grant.namespace, grant.service_account) == (consumer.namespace, consumer.service_account):
                    yield (f"datasets.{name}.consumers.{key}.service_account",
                           f"{consumer.namespace}/{consumer.service_account} already gets its Pod Identity role from "
                           f"clusters.{consumer.cluster}.aws.workload_access.{grant_name}, and EKS allows one per "
                           "service account; use another service account for the dataset, or drop the grant there")


def _dataset(config: StackConfig, path: str, dataset: DatasetConfig) -> Iterator[Problem]:
    yield from _home(config, f"{path}.home", dataset)
    cross_cloud = False
    for key, consumer in dataset.consumers.items():
        where = f"{path}.consumers.{key}"
        cluster = config.clusters.get(consumer.cluster)
        if cluster is None:
            known = ", ".join(sorted(config.clusters)) or "none"
            yield (f"{where}.cluster",
                   f"namespace '{consumer.namespace}' is on cluster '{consumer.cluster}', which this stack does "
                   f"not have; name one of its clusters ({known})")
            continue
        if cluster.cloud != dataset.home.cloud:
            cross_cloud = True
            if (dataset.home.cloud, cluster.cloud) not in REPLICATION:
                yield (where, f"reads a {dataset.home.cloud.value} dataset from a {cluster.cloud.value} cluster, and "
                       f"no transfer service replicates {dataset.home.cloud.value} to {cluster.cloud.value} here; put "
                       f"the home on {cluster.cloud.value} or consume it from a {dataset.home.cloud.value} cluster")
            elif not dataset.replicate:
                yield (f"{path}.replicate",
                       f"must be true: consumer '{key}' is on {cluster.cloud.value} cluster '{consumer.cluster}' and "
                       f"the {cluster.cloud.value} driver cannot mount a {dataset.home.cloud.value} bucket; a copy "
                       "kept by Storage Transfer Service is what it reads")
        if consumer.pool is not None and consumer.pool not in cluster.gpu_pools:
            yield (f"{where}.pool", f"cluster '{consumer.cluster}' has no GPU pool '{consumer.pool}' "
                   f"(pools: {', '.join(sorted(cluster.gpu_pools)) or 'none'})")
        yield from _node_cache(config, path, consumer.cluster, cluster, dataset, consumer.pool)
    if dataset.replicate and not cross_cloud:
        yield f"{path}.replicate", "no consumer is on another cloud, so there is nothing to replicate to; remove it"
    if dataset.replicate and dataset.access == BucketAccess.READ_WRITE:
        yield (f"{path}.access", "a replicated dataset is read-only on the copy (writes there would be overwritten "
               "by the next transfer); set access: read, or keep read-write consumers on the home's cloud only")
    if dataset.home.external and dataset.replicate:
        yield (f"{path}.replicate", "replicating an external bucket needs its owner to trust the transfer "
               "service's role; replicate buckets of this stack only")
    yield from _shared_cache(config, path, dataset)
    if dataset.home.external:
        problem = external_bucket_problem(dataset.home.bucket, dataset.home.cloud)
        if problem:
            yield f"{path}.home.bucket", problem
    # Cloud Storage: "Object names cannot be named . or .." (https://cloud.google.com/storage/docs/naming-objects,
    # read 2026-12-07), and both FUSE drivers show the prefix as directories, where `.` and `..` mean this
    # directory and its parent: such a prefix names objects no mount and no grant reaches as written.
    dots = [part for part in dataset.home.prefix.split("/") if part in (".", "..")]
    if dots:
        yield (f"{path}.home.prefix", f"a prefix part cannot be {dots[0]!r}: Cloud Storage refuses '.' and '..' as "
               f"names and a mount reads them as directories; write the prefix without it "
               f"(got {dataset.home.prefix!r})")
    for i, warm_path in enumerate(dataset.warm.paths if dataset.warm else []):
        if ".." in warm_path.split("/"):
            yield f"{path}.warm.paths.{i}", f"must stay under the dataset's prefix: no '..' (got {warm_path!r})"
    needs_size = dataset.replicate or dataset.cache.shared is not None or _cross_region(config, dataset)
    if needs_size and dataset.size_gib is None:
        yield (f"{path}.size_gib", "required: the cost estimate prices its transfer, egress or shared cache by size; "
               "set the dataset's approximate size in GiB")


def _home(config: StackConfig, path: str, dataset: DatasetConfig) -> Iterator[Problem]:
    home = dataset.home
    if stack_region(config, home.cloud) is None:
        yield (f"{path}.cloud", f"the stack has no `mlinfra:{home.cloud.value}` settings, so nothing can reach a "
               f"{home.cloud.value} bucket; add them or use the other cloud")
    if home.external:
        if home.region is None:
            yield (f"{path}.region",
                   "required for an external bucket: the region it lives in (its reads may cross regions)")
        return
    if home.region is not None:
        yield f"{path}.region", "only for external buckets: a stack bucket is in the stack's region; remove it"
    bucket = config.buckets.get(home.bucket)
    if bucket is None:
        known = ", ".join(sorted(k for k, b in config.buckets.items() if b.cloud == home.cloud)) or "none"
        yield (f"{path}.bucket",
               f"'{home.bucket}' is not a bucket of this stack ({home.cloud.value} buckets: {known}); "
               "add it under `mlinfra:buckets`, or set `external: true` (with its `region`) for one that exists")
    elif bucket.cloud != home.cloud:
        yield (f"{path}.cloud", f"bucket '{home.bucket}' is on {bucket.cloud.value}; set cloud: {bucket.cloud.value}")


def _cross_region(config: StackConfig, dataset: DatasetConfig) -> bool:
    region = home_region(config, dataset)
    if region is None:
        return False  # reported as a missing region
    return any(config.clusters[c.cluster].cloud == dataset.home.cloud
               and stack_region(config, dataset.home.cloud) != region
               for c in dataset.consumers.values() if c.cluster in config.clusters)


def _node_cache(config: StackConfig, path: str, cluster_name: str, cluster: ClusterConfig,
                dataset: DatasetConfig, only_pool: str | None) -> Iterator[Problem]:
    node = dataset.cache.node
    if node is None:
        return
    where = f"{path}.cache.node"
    if node.medium == NodeCacheMedium.VOLUME:
        if cluster.cloud != Cloud.AWS:
            yield (f"{where}.medium",
                   f"'volume' (a gp3 volume per mount) is for EKS clusters; cluster '{cluster_name}' is on gcp, "
                   "where the file cache is on the node's disk or in memory: use disk or memory")
        return
    for pool_name, pool in cluster.gpu_pools.items():
        if only_pool is not None and pool_name != only_pool:
            continue
        if node.medium == NodeCacheMedium.LOCAL_NVME:
            yield from _local_nvme(f"{where}", cluster_name, cluster, pool_name, pool, node.size_gib)
        elif node.medium == NodeCacheMedium.DISK:
            room = min(pool.disk_gib - MIN_DISK_RESERVE_GIB, pool.disk_gib // 2)
            if node.size_gib > room:
                yield (f"{where}.size_gib",
                       f"{node.size_gib} GiB does not fit on pool '{cluster_name}.{pool_name}' "
                       f"(disk {pool.disk_gib} GiB, at most {room} GiB for a cache after images and logs); "
                       "lower size_gib or raise the pool's disk_gib")
        else:
            try:
                memory = resolve(cluster.cloud, pool.accelerator, pool.gpus_per_node).memory_gib
            except CatalogError:
                continue  # the pool rule reports the unknown machine
            room = memory // MEMORY_CACHE_SHARE
            if node.size_gib > room:
                yield (f"{where}.size_gib",
                       f"{node.size_gib} GiB of memory cache does not fit on pool '{cluster_name}.{pool_name}' "
                       f"({memory} GiB machines; at most {room} GiB for a cache); lower size_gib or use medium: disk")


def _local_nvme(where: str, cluster_name: str, cluster: ClusterConfig, pool_name: str, pool: GpuPoolConfig,
                size_gib: int) -> Iterator[Problem]:
    """A local-NVMe cache needs a machine that has local NVMe, and must leave room on it for images and logs."""
    try:
        machine = resolve(cluster.cloud, pool.accelerator, pool.gpus_per_node).machine_type
    except CatalogError:
        return  # the pool rule reports the unknown machine
    disks = local_nvme(machine)
    if disks is None:
        yield (f"{where}.medium",
               f"'local-nvme' needs a machine with local NVMe, and pool '{cluster_name}.{pool_name}' runs {machine}, "
               "which has none recorded (infra/catalog/local_storage.py); use disk or memory, or consume the "
               "dataset on a pool whose machine has local NVMe")
        return
    # The pool's ephemeral storage (kubelet, and on EKS containerd's images) moves onto the NVMe with the cache.
    room = min(disks.total_gib - MIN_DISK_RESERVE_GIB, disks.total_gib // 2)
    if size_gib > room:
        yield (f"{where}.size_gib",
               f"{size_gib} GiB does not fit on the local NVMe of pool '{cluster_name}.{pool_name}' ({machine}: "
               f"{disks.total_gib} GiB, at most {room} GiB for a cache after images and logs); lower size_gib")


def _shared_cache(config: StackConfig, path: str, dataset: DatasetConfig) -> Iterator[Problem]:
    shared = dataset.cache.shared
    if shared is None:
        return
    where = f"{path}.cache.shared"
    if dataset.access == BucketAccess.READ_WRITE:
        yield (f"{path}.access", "read-write behind a shared cache serves stale objects to other nodes after a write; "
               "set access: read, or remove cache.shared")
    if dataset.home.external:
        yield f"{where}", "a shared cache is planned for buckets of this stack only; remove it or use a stack bucket"
    regions = {c: stack_region(config, c) for c in Cloud}
    for zone in shared.zones:
        if not any(r and zone.startswith(r) for r in regions.values()):
            yield (f"{where}.zones", f"'{zone}' is in neither of the stack's regions "
                   f"({', '.join(r for r in regions.values() if r)}); cache where the GPUs are")
    if len([z for z in shared.zones if regions[Cloud.AWS] and z.startswith(regions[Cloud.AWS])]) > 1:
        yield (f"{where}.zones", "an EKS mount reads through one S3 Express directory bucket; list one AWS zone")
    for key, consumer in dataset.consumers.items():
        cluster = config.clusters.get(consumer.cluster)
        if cluster is None:
            continue
        known = pool_zones(config, cluster, consumer.pool)
        zones = shared_zones(config, dataset, cluster.cloud)
        if zones is None:
            yield (f"{where}.zones", f"required: GKE chooses the zones of cluster '{consumer.cluster}''s regional GPU "
                   "pools, so list the zones to cache in (and pin the pools there with compact placement)")
        elif known is not None:
            for zone in zones:
                if zone not in known:
                    yield (f"{where}.zones", f"'{zone}' is not a zone where consumer '{key}''s GPU pools run "
                           f"({', '.join(known)}); cache where the GPUs are")
