"""Dataset contracts over the whole stack: a dataset volume is schema-valid and still useless when its cache
cannot fit the node, its shared cache is in a zone the GPUs are not, a writer sits behind a cache others
read, it is read across regions without anyone saying so, or its consumer has no identity to mount it with.

Volumes are found by their CSI driver; what the composition knows about them (home, consumer, pool) travels
as annotations (infra/catalog/dataset_contract.py). Driver names: infra/catalog/dataset_drivers.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cluster_links import EKS_CLUSTER, GKE_CLUSTER, cluster_label, cluster_of
from pulumi_policy import PolicyResource
from rulekit import ADVISORY, HIGH, MEDIUM, aws_gpu_node_group, dig, stack_rule

from infra.catalog import dataset_contract as contract  # noqa: E402 - rulekit puts the repository on sys.path
from infra.catalog import dataset_drivers as drivers  # noqa: E402
from infra.catalog import local_storage  # noqa: E402

PV = "kubernetes:core/v1:PersistentVolume"
NAMESPACE = "kubernetes:core/v1:Namespace"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
NODE_POOL = "gcp:container/nodePool:NodePool"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
SUBNET = "aws:ec2/subnet:Subnet"
DIRECTORY_BUCKET = "aws:s3/directoryBucket:DirectoryBucket"
ANYWHERE_CACHE = "gcp:storage/anywhereCache:AnywhereCache"
POD_IDENTITY = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
BUCKET_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
_UNITS = {"Ki": 1 / 1024 ** 2, "Mi": 1 / 1024, "Gi": 1, "Ti": 1024}


def _gib(quantity: Any) -> float | None:
    """A Kubernetes quantity (`100Gi`) in GiB; None when it is not one the platform writes."""
    text = str(quantity or "")
    for suffix, factor in _UNITS.items():
        if text.endswith(suffix) and text[:-2].replace(".", "", 1).isdigit():
            return float(text[:-2]) * factor
    return None


def _csi(pv: PolicyResource) -> dict:
    return dig(pv.props, "spec", "csi", default={}) or {}


def _driver(pv: PolicyResource) -> str | None:
    return dig(pv.props, "spec", "csi", "driver")


def _dataset_volumes(view) -> list[PolicyResource]:
    wanted = {drivers.MOUNTPOINT_CSI_DRIVER_NAME, drivers.GCS_FUSE_CSI_DRIVER_NAME}
    return [r for r in view.resources if r.resource_type == PV and _driver(r) in wanted]


def _annotation(pv: PolicyResource, key: str) -> str | None:
    return dig(pv.props, "metadata", "annotations", key)


def _on(view, resource: PolicyResource, cluster: PolicyResource) -> bool:
    found = cluster_of(view, resource)
    return found is not None and found.urn == cluster.urn


def _node_cache_gib(pv: PolicyResource) -> float | None:
    """The node-disk cache a volume asks for: Mountpoint's disk emptyDir, or GCS FUSE's file cache."""
    attributes = _csi(pv).get("volumeAttributes") or {}
    if _driver(pv) == drivers.MOUNTPOINT_CSI_DRIVER_NAME:
        if attributes.get("cache") != "emptyDir" or attributes.get("cacheEmptyDirMedium") == "Memory":
            return None
        return _gib(attributes.get("cacheEmptyDirSizeLimit"))
    return _gib(attributes.get("fileCacheCapacity"))


def _by_urn(view, urn: str) -> PolicyResource | None:
    return next((r for r in view.resources if r.urn == urn), None)


def _gpu_pools(view, cluster: PolicyResource) -> Iterator[tuple[PolicyResource, str | None, int | None]]:
    """(pool, its mlinfra.io/pool label, the GiB its emptyDir caches live on) for every GPU pool of `cluster`.

    That is the root disk, or the machine's local NVMe when the pool keeps its ephemeral storage there (its nodes
    carry the contract's ephemeral-storage label; the size is the catalog's, infra/catalog/local_storage.py).
    """
    for pool in view.resources:
        if pool.resource_type == NODE_GROUP and aws_gpu_node_group(pool.props) and _on(view, pool, cluster):
            disk = dig(pool.props, "diskSize")
            for template in pool.property_dependencies.get("launchTemplate", []):
                found = _by_urn(view, template.urn)
                if found is not None and found.resource_type == LAUNCH_TEMPLATE:
                    disk = dig(found.props, "blockDeviceMappings", 0, "ebs", "volumeSize", default=disk)
            labels = dig(pool.props, "labels", default={}) or {}
            yield pool, labels.get(contract.POOL_LABEL), _ephemeral_gib(labels, dig(pool.props, "instanceTypes", 0),
                                                                         disk)
        elif (pool.resource_type == NODE_POOL and dig(pool.props, "nodeConfig", "guestAccelerators")
              and _on(view, pool, cluster)):
            labels = dig(pool.props, "nodeConfig", "labels", default={}) or {}
            yield (pool, labels.get(contract.POOL_LABEL),
                   _ephemeral_gib(labels, dig(pool.props, "nodeConfig", "machineType"),
                                  dig(pool.props, "nodeConfig", "diskSizeGb")))


def _ephemeral_gib(labels: dict, machine: Any, disk: Any) -> Any:
    if labels.get(contract.EPHEMERAL_LABEL) == contract.LOCAL_NVME:
        disks = local_storage.local_nvme(str(machine))
        return disks.total_gib if disks else None
    return disk


def _where(pool: PolicyResource, gib: float) -> str:
    labels = (dig(pool.props, "labels", default=None) or dig(pool.props, "nodeConfig", "labels", default={}) or {})
    local = labels.get(contract.EPHEMERAL_LABEL) == contract.LOCAL_NVME
    return f"{gib:g} GiB of local NVMe" if local else f"a {gib:g} GiB disk"


def _node_cache_fits(pv: PolicyResource, view) -> Iterator[str]:
    size = _node_cache_gib(pv)
    cluster = cluster_of(view, pv)
    if size is None or cluster is None:
        return
    only = _annotation(pv, contract.POOL_ANNOTATION)
    for pool, label, disk in _gpu_pools(view, cluster):
        if (only and label != only) or not isinstance(disk, int | float):
            continue
        room = min(disk - contract.MIN_DISK_RESERVE_GIB, disk // 2)
        if size > room:
            yield (f"PersistentVolume '{pv.name}' caches {size:g} GiB on each node, and GPU pool "
                   f"'{label or pool.name}' of cluster {cluster_label(cluster)} has {_where(pool, disk)} (at most "
                   f"{room:g} GiB for a cache after images and logs): the cache fills the disk and the kubelet evicts "
                   "the mount")


def _eks_pool_zones(view, cluster: PolicyResource, only: str | None) -> set[str] | None:
    zones: set[str] = set()
    for pool, label, _ in _gpu_pools(view, cluster):
        if pool.resource_type != NODE_GROUP or (only and label != only):
            continue
        for subnet in pool.property_dependencies.get("subnetIds", []):
            found = _by_urn(view, subnet.urn)
            if found is None or found.resource_type != SUBNET:
                return None  # subnets of an existing network: zones unknown here
            zones.add(dig(found.props, "availabilityZone"))
    return zones


def _gke_pool_zones(view, cluster: PolicyResource) -> set[str] | None:
    zones: set[str] = set()
    location = str(dig(cluster.props, "location", default=""))
    zonal = location.count("-") == 2
    for pool, _, _ in _gpu_pools(view, cluster):
        listed = dig(pool.props, "nodeLocations")
        if listed:
            zones |= set(listed)
        elif zonal:
            zones.add(location)
        else:
            return None  # regional pool, zones chosen by GKE
    return zones


def _xz_bucket(pv: PolicyResource) -> str | None:
    for option in dig(pv.props, "spec", "mountOptions", default=[]) or []:
        if str(option).startswith("cache-xz"):
            return str(option).replace("=", " ", 1).split(" ", 1)[1].strip()
    return None


def _pv_zone(pv: PolicyResource) -> list[str]:
    terms = dig(pv.props, "spec", "nodeAffinity", "required", "nodeSelectorTerms", default=[]) or []
    return [str(v) for t in terms for e in (t.get("matchExpressions") or []) for v in (e.get("values") or [])]


def _shared_cache_zones(resource: PolicyResource, view) -> Iterator[str]:
    if resource.resource_type == PV:
        yield from _s3_express_zone(resource, view)
        return
    bucket, zone = dig(resource.props, "bucket"), dig(resource.props, "zone")
    readers = [pv for pv in _dataset_volumes(view)
               if _driver(pv) == drivers.GCS_FUSE_CSI_DRIVER_NAME and _csi(pv).get("volumeHandle") == bucket]
    for pv in readers:
        cluster = cluster_of(view, pv)
        if cluster is None or cluster.resource_type != GKE_CLUSTER:
            continue
        zones = _gke_pool_zones(view, cluster)
        if zones is not None and zone not in zones:
            yield (f"Anywhere Cache '{resource.name}' is in {zone}, and the GPU pools of cluster "
                   f"{cluster_label(cluster)} reading bucket '{bucket}' run in {', '.join(sorted(zones))}: reads "
                   "from there pass the cache by")


def _s3_express_zone(pv: PolicyResource, view) -> Iterator[str]:
    bucket = _xz_bucket(pv)
    cluster = cluster_of(view, pv)
    if bucket is None or cluster is None or cluster.resource_type != EKS_CLUSTER:
        return
    directory = next((r for r in view.resources if r.resource_type == DIRECTORY_BUCKET
                      and dig(r.props, "bucket") == bucket), None)
    if directory is None:
        yield (f"PersistentVolume '{pv.name}' reads through S3 Express bucket '{bucket}', which the stack does not "
               "create")
        return
    zone = dig(directory.props, "tags", contract.CACHE_ZONE_TAG)
    pinned = _pv_zone(pv)
    if pinned != [zone]:
        yield (f"PersistentVolume '{pv.name}' reads through the S3 Express cache in {zone} but its pods may run in "
               f"{', '.join(pinned) or 'any zone'}: pin it there with nodeAffinity on topology.kubernetes.io/zone")
    zones = _eks_pool_zones(view, cluster, _annotation(pv, contract.POOL_ANNOTATION))
    if zones is not None and zone not in zones:
        yield (f"PersistentVolume '{pv.name}' reads through the S3 Express cache in {zone}, and its GPU pools on "
               f"cluster {cluster_label(cluster)} run in {', '.join(sorted(zones)) or 'no zone'}: no GPU reads from "
               "the cache")


def _datasets_only(check):
    """Run `check` on the volumes of the two dataset drivers only."""
    def run(resource: PolicyResource, view) -> Iterator[str]:
        if resource.resource_type == PV and _driver(resource) not in {drivers.MOUNTPOINT_CSI_DRIVER_NAME,
                                                                     drivers.GCS_FUSE_CSI_DRIVER_NAME}:
            return iter(())
        return check(resource, view)
    return run


def _read_only_behind_cache(pv: PolicyResource, view) -> Iterator[str]:
    modes = list(dig(pv.props, "spec", "accessModes", default=[]) or [])
    writable = modes != ["ReadOnlyMany"]
    if _driver(pv) == drivers.MOUNTPOINT_CSI_DRIVER_NAME:
        options = [str(o) for o in dig(pv.props, "spec", "mountOptions", default=[]) or []]
        if _xz_bucket(pv) and (writable or "read-only" not in options):
            yield (f"PersistentVolume '{pv.name}' writes to a bucket it reads through a shared S3 Express cache: "
                   "other nodes keep serving the cached objects after the write")
        return
    bucket = _csi(pv).get("volumeHandle")
    cached = [r for r in view.resources if r.resource_type == ANYWHERE_CACHE and dig(r.props, "bucket") == bucket]
    if cached and (writable or _csi(pv).get("readOnly") is not True):
        yield (f"PersistentVolume '{pv.name}' writes to bucket '{bucket}', which has an Anywhere Cache in "
               f"{', '.join(sorted(str(dig(c.props, 'zone')) for c in cached))}: other readers get stale objects")


def _cluster_region(view, cluster: PolicyResource) -> str | None:
    if cluster.resource_type == GKE_CLUSTER:
        location = str(dig(cluster.props, "location", default=""))
        return location.rsplit("-", 1)[0] if location.count("-") == 2 else location or None
    for subnet in cluster.property_dependencies.get("vpcConfig", []):
        found = _by_urn(view, subnet.urn)
        if found is not None and found.resource_type == SUBNET:
            return str(dig(found.props, "availabilityZone", default=""))[:-1] or None
    return None


def _home_region(pv: PolicyResource, view) -> Iterator[str]:
    home = _annotation(pv, contract.HOME_ANNOTATION)
    cluster = cluster_of(view, pv)
    if not home or cluster is None or _annotation(pv, contract.CROSS_REGION_ANNOTATION) == "accepted":
        return
    cloud, region, _ = home.split(":", 2)
    here = _cluster_region(view, cluster)
    if here is not None and region != here:
        yield (f"PersistentVolume '{pv.name}' on cluster {cluster_label(cluster)} ({here}) reads {cloud} objects in "
               f"{region}: every read crosses regions and is billed per GiB (see the datasets lines of the cost "
               "estimate); replicate the dataset into the cluster's region, or accept the reads with "
               "datasets.<name>.cross_region_reads: true")


def _consumer_exists(pv: PolicyResource, view) -> Iterator[str]:
    consumer = _annotation(pv, contract.CONSUMER_ANNOTATION)
    cluster = cluster_of(view, pv)
    if not consumer or cluster is None:
        return
    namespace, account = consumer.split("/", 1)
    where = cluster_label(cluster)
    if not any(r.resource_type == NAMESPACE and dig(r.props, "metadata", "name") == namespace and _on(view, r, cluster)
               for r in view.resources):
        yield (f"PersistentVolume '{pv.name}' is claimed from namespace '{namespace}', which the stack does not "
               f"create on {where}")
    if cluster.resource_type == EKS_CLUSTER:
        if not any(r.resource_type == POD_IDENTITY and dig(r.props, "namespace") == namespace
                   and dig(r.props, "serviceAccount") == account and _on_eks(view, r, cluster) for r in view.resources):
            yield (f"PersistentVolume '{pv.name}' mounts with the pod's identity, and {namespace}/{account} has no Pod "
                   f"Identity association on {where}: the mount fails with access denied")
        return
    bucket = _csi(pv).get("volumeHandle")
    suffix = f"/ns/{namespace}/sa/{account}"
    if not any(r.resource_type == BUCKET_MEMBER and dig(r.props, "bucket") == bucket
               and str(dig(r.props, "member", default="")).endswith(suffix) for r in view.resources):
        yield (f"PersistentVolume '{pv.name}' mounts bucket '{bucket}' as {namespace}/{account}, which has no role on "
               "it: the driver's access check fails the mount")


def _on_eks(view, association: PolicyResource, cluster: PolicyResource) -> bool:
    linked = association.property_dependencies.get("clusterName", [])
    if linked:
        return any(d.urn == cluster.urn for d in linked)
    return dig(association.props, "clusterName") == dig(cluster.props, "name")


RULES = [
    stack_rule(
        "dataset-node-cache-fits-pool-disk",
        "A dataset volume's node cache fits the root disk of the GPU pools it runs on, with room for images "
        "(practice: Mountpoint CSI docs/CACHING.md, set a size limit or the cache fills the node)",
        types=[PV], check=_datasets_only(_node_cache_fits),
        severity=HIGH,
        remediation="Lower datasets.<name>.cache.node.size_gib, or raise the pool's disk_gib."),
    stack_rule(
        "dataset-shared-cache-in-pool-zones",
        "A dataset's shared zonal cache (S3 Express directory bucket, Anywhere Cache) is in the zones its GPU pools "
        "run in, and pods reading through S3 Express are pinned to that zone (practice: Anywhere Cache serves "
        "only clients in its zone; S3 Express One Zone is single-zone)",
        types=[PV, ANYWHERE_CACHE], check=_datasets_only(_shared_cache_zones), severity=MEDIUM,
        remediation="Set datasets.<name>.cache.shared.zones to the pools' zones (or leave it empty to follow them)."),
    stack_rule(
        "dataset-read-only-behind-shared-cache",
        "No dataset volume writes to a bucket that a shared cache serves to other nodes (practice: Mountpoint's "
        "shared cache and Anywhere Cache are read caches; other nodes keep cached objects until they expire)",
        types=[PV], check=_datasets_only(_read_only_behind_cache), severity=HIGH,
        remediation="Set the dataset's access to read, or remove cache.shared."),
    stack_rule(
        "dataset-home-region",
        "A dataset read from another region is flagged with its transfer cost unless the stack accepts it; a "
        "cross-cloud dataset is read from its in-region copy (practice: keep data in the compute's region)",
        types=[PV], check=_datasets_only(_home_region), severity=MEDIUM, level=ADVISORY,
        remediation="Replicate the dataset into the cluster's region, or keep the read and its transfer on purpose."),
    stack_rule(
        "dataset-consumers-exist",
        "Each dataset volume's consumer has its namespace and an identity that may read the bucket on its cluster "
        "(practice: Mountpoint pod-level credentials, GCS FUSE CSI Workload Identity)",
        types=[PV], check=_datasets_only(_consumer_exists),
        severity=HIGH,
        remediation="Declare the consumer under datasets.<name>.consumers (the stack creates its namespace, service "
                    "account and grant)."),
]
