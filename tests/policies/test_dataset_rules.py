"""The dataset rules through the real pack, over the recorded dev and prod plans: clean as planned, and
breaking one field of one resource gives exactly the finding of the rule that guards it."""

from __future__ import annotations

from google.protobuf import json_format, struct_pb2

from infra.offline.analyzer_inputs import PolicyInput
from tests.policies.conftest import recorded_inputs, triples

RULES = {"dataset-node-cache-fits-pool-disk", "dataset-shared-cache-in-pool-zones",
         "dataset-read-only-behind-shared-cache", "dataset-home-region", "dataset-consumers-exist"}


def props(item: PolicyInput) -> dict:
    return json_format.MessageToDict(item.properties)


def edited(stack: str, name: str, edit) -> list[PolicyInput]:
    """The stack's analyzer inputs with resource `name`'s properties passed through `edit`."""
    out, found = [], False
    for item in recorded_inputs(stack):
        if item.name == name:
            struct = struct_pb2.Struct()
            struct.update(edit(props(item)))
            item, found = PolicyInput(**{**item.__dict__, "properties": struct}), True
        out.append(item)
    assert found, name
    return out


def without(stack: str, name: str) -> list[PolicyInput]:
    return [i for i in recorded_inputs(stack) if i.name != name]


def findings(pack, inputs) -> list[tuple[str, str, str]]:
    return sorted(t for t in triples(pack.analyze_stack(list(inputs))) if t[0] in RULES)


def test_dev_and_prod_plans_are_clean(pack):
    # Prod's GKE consumers read the in-region copy, not S3: nothing crosses regions at read time.
    assert findings(pack, recorded_inputs("dev")) == []
    assert findings(pack, recorded_inputs("prod")) == []


def _cache(size: str):
    def edit(p):
        p["spec"]["csi"]["volumeAttributes"]["cacheEmptyDirSizeLimit"] = size
        return p
    return edit


def test_node_cache_bigger_than_the_pool_disk(pack):
    assert findings(pack, edited("dev", "dev-imagenet-eks-pv", _cache("150Gi"))) == [(
        "dataset-node-cache-fits-pool-disk", "mandatory",
        "PersistentVolume 'dev-imagenet-eks-pv' caches 150 GiB on each node, and GPU pool 'dev-l4' of cluster "
        "'dev-dev' has a 200 GiB disk (at most 100 GiB for a cache after images and logs): the cache fills the disk "
        "and the kubelet evicts the mount")]
    # In prod the volume names its pool: only the H100 pool's 1000 GiB disk counts, not the L4 pools' 200 GiB.
    assert findings(pack, edited("prod", "train-imagenet-train-pv", _cache("400Gi")))[1:] == []


def test_gke_file_cache_is_measured_too(pack):
    def edit(p):
        p["spec"]["csi"]["volumeAttributes"]["fileCacheCapacity"] = "120Gi"
        return p
    found = findings(pack, edited("dev", "dev-gke-imagenet-gcs-gke-pv", edit))
    assert [f[0] for f in found] == ["dataset-node-cache-fits-pool-disk"]
    assert "GPU pool 'dev-gke-l4' of cluster 'dev-dev-gke' has a 200 GiB disk" in found[0][2]


def test_shared_cache_outside_the_pools_zones(pack):
    def move(p):
        p["zone"] = "us-central1-c"
        return p
    assert findings(pack, edited("dev", "dataset-imagenet-gcs-cache-us-central1-b", move)) == [(
        "dataset-shared-cache-in-pool-zones", "mandatory",
        "Anywhere Cache 'dataset-imagenet-gcs-cache-us-central1-b' is in us-central1-c, and the GPU pools of cluster "
        "'dev-dev-gke' reading bucket 'acme-ml-dev-datasets-gcs' run in us-central1-b: reads from there pass the "
        "cache by")]

    def unpin(p):
        del p["spec"]["nodeAffinity"]
        return p
    assert findings(pack, edited("prod", "train-imagenet-train-pv", unpin)) == [
        ("dataset-shared-cache-in-pool-zones", "mandatory",
         "PersistentVolume 'train-imagenet-train-pv' reads through the S3 Express cache in us-east-1a but its pods "
         "may run in any zone: pin it there with nodeAffinity on topology.kubernetes.io/zone")]

    def retag(p):
        p["tags"]["mlinfra-cache-zone"] = "us-east-1b"
        return p
    found = findings(pack, edited("prod", "dataset-imagenet-cache-bucket", retag))
    assert ("dataset-shared-cache-in-pool-zones", "mandatory",
            "PersistentVolume 'train-imagenet-train-pv' reads through the S3 Express cache in us-east-1b, and its GPU "
            "pools on cluster 'prod-train' run in us-east-1a: no GPU reads from the cache") in found


def test_read_write_behind_a_shared_cache(pack):
    def writable(p):
        p["spec"]["accessModes"] = ["ReadWriteMany"]
        p["spec"]["csi"]["readOnly"] = False
        return p
    assert findings(pack, edited("dev", "dev-gke-imagenet-gcs-gke-pv", writable)) == [(
        "dataset-read-only-behind-shared-cache", "mandatory",
        "PersistentVolume 'dev-gke-imagenet-gcs-gke-pv' writes to bucket 'acme-ml-dev-datasets-gcs', which has an "
        "Anywhere Cache in us-central1-b: other readers get stale objects")]

    def drop_read_only(p):
        p["spec"]["mountOptions"] = [o for o in p["spec"]["mountOptions"] if o != "read-only"]
        return p
    assert ("dataset-read-only-behind-shared-cache", "mandatory",
            "PersistentVolume 'train-imagenet-train-pv' writes to a bucket it reads through a shared S3 Express cache: "
            "other nodes keep serving the cached objects after the write") in findings(
        pack, edited("prod", "train-imagenet-train-pv", drop_read_only))


def test_home_in_another_region_is_flagged_with_its_cost(pack):
    def elsewhere(p):
        p["metadata"]["annotations"]["mlinfra.dev/dataset-home"] = "aws:us-west-2:acme-ml-dev-datasets/imagenet/"
        return p
    assert findings(pack, edited("dev", "dev-imagenet-eks-pv", elsewhere)) == [(
        "dataset-home-region", "advisory",
        "PersistentVolume 'dev-imagenet-eks-pv' on cluster 'dev-dev' (us-east-1) reads aws objects in us-west-2: "
        "every read crosses regions and is billed per GiB (see the datasets lines of the cost estimate); replicate "
        "the dataset into the cluster's region, or accept the reads with datasets.<name>.cross_region_reads: true")]

    def accepted(p):
        p = elsewhere(p)
        p["metadata"]["annotations"]["mlinfra.dev/dataset-cross-region"] = "accepted"
        return p
    assert findings(pack, edited("dev", "dev-imagenet-eks-pv", accepted)) == []


def test_consumers_exist(pack):
    assert findings(pack, without("dev", "dev-training-trainer-datasets-association")) == [(
        "dataset-consumers-exist", "mandatory",
        "PersistentVolume 'dev-imagenet-eks-pv' mounts with the pod's identity, and training/trainer has no Pod "
        "Identity association on 'dev-dev': the mount fails with access denied")]
    # The bucket's own workload_access grants the same principal in dev: only without both is it missing.
    assert findings(pack, without("dev", "dev-gke-imagenet-gcs-gke-grant-gke-imagenet-gcs")) == []
    grants = [i for i in recorded_inputs("dev") if i.name not in (
        "dev-gke-imagenet-gcs-gke-grant-gke-imagenet-gcs", "datasets-gcs-access-trainer")]
    assert findings(pack, grants) == [(
        "dataset-consumers-exist", "mandatory",
        "PersistentVolume 'dev-gke-imagenet-gcs-gke-pv' mounts bucket 'acme-ml-dev-datasets-gcs' as training/trainer, "
        "which has no role on it: the driver's access check fails the mount")]
    found = findings(pack, without("dev", "dev-datasets-training"))
    assert found == [("dataset-consumers-exist", "mandatory",
                      "PersistentVolume 'dev-imagenet-eks-pv' is claimed from namespace 'training', which the stack "
                      "does not create on 'dev-dev'")]


def test_a_static_claim_must_bind_a_stack_volume(pack):
    def rebind(p):
        p["spec"]["volumeName"] = "someone-elses-volume"
        return p
    found = [t for t in triples(pack.analyze_stack(edited("dev", "dev-imagenet-eks-pvc", rebind)))
             if t[0] == "volume-claims-have-a-storage-class"]
    assert found == [("volume-claims-have-a-storage-class", "mandatory",
                      "PersistentVolumeClaim 'dev-imagenet-eks-pvc' binds PersistentVolume 'someone-elses-volume', "
                      "which the stack does not create on cluster 'dev-dev'")]


def _local_nvme_pool(p):
    p["labels"]["mlinfra.io/ephemeral-storage"] = "local-nvme"
    return p


def test_a_pool_on_local_nvme_is_measured_by_its_instance_store(pack):
    # dev's L4 pool runs g6.xlarge: 250 GB of instance store (Karpenter's instance-local-nvme), 232 GiB, of which at
    # most 116 GiB may hold a cache. 110 GiB overflows the 200 GiB root disk but fits the NVMe.
    inputs = edited("dev", "dev-imagenet-eks-pv", _cache("110Gi"))
    assert [f[0] for f in findings(pack, inputs)] == ["dataset-node-cache-fits-pool-disk"]
    on_nvme = [PolicyInput(**{**i.__dict__, "properties": _struct(_local_nvme_pool(props(i)))})
               if i.name == "dev-l4-ng" else i for i in inputs]
    assert findings(pack, on_nvme) == []
    too_big = [PolicyInput(**{**i.__dict__, "properties": _struct(_cache("120Gi")(props(i)))})
               if i.name == "dev-imagenet-eks-pv" else i for i in on_nvme]
    assert findings(pack, too_big) == [(
        "dataset-node-cache-fits-pool-disk", "mandatory",
        "PersistentVolume 'dev-imagenet-eks-pv' caches 120 GiB on each node, and GPU pool 'dev-l4' of cluster "
        "'dev-dev' has 232 GiB of local NVMe (at most 116 GiB for a cache after images and logs): the cache fills "
        "the disk and the kubelet evicts the mount")]


def _struct(values: dict) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct
