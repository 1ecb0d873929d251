from infra.cli.views.summaries import summarize

POOL = "gcp:container/nodePool:NodePool"


def test_gpu_pool_summary_shows_the_taint_gke_adds():
    inputs = {"nodeConfig": {"machineType": "a2-ultragpu-1g", "guestAccelerators": [
        {"type": "nvidia-a100-80gb", "count": 1, "gpuPartitionSize": "3g.40gb"}]},
        "autoscaling": {"totalMinNodeCount": 1, "totalMaxNodeCount": 4}}
    assert summarize(POOL, inputs) == ("a2-ultragpu-1g · ON_DEMAND · 1..4 nodes · 1x nvidia-a100-80gb MIG 3g.40gb"
                                       " · taint nvidia.com/gpu (added by GKE)")


def test_explicit_gpu_taint_is_not_shown_twice_and_cpu_pools_have_none():
    explicit = {"nodeConfig": {"machineType": "g2-standard-4", "spot": True,
                               "guestAccelerators": [{"type": "nvidia-l4", "count": 1}],
                               "taints": [{"key": "nvidia.com/gpu", "effect": "NO_SCHEDULE"}]},
                "autoscaling": {"totalMinNodeCount": 0, "totalMaxNodeCount": 2}}
    assert summarize(POOL, explicit) == "g2-standard-4 · SPOT · 0..2 nodes · 1x nvidia-l4 · taint nvidia.com/gpu"
    cpu = {"nodeConfig": {"machineType": "e2-standard-4"}, "autoscaling": {}}
    assert "taint" not in summarize(POOL, cpu)


def test_gke_cluster_and_bucket_summaries_name_the_security_settings():
    cluster = {"minMasterVersion": "1.33", "location": "us-central1",
               "privateClusterConfig": {"enablePrivateEndpoint": True},
               "databaseEncryption": {"state": "ENCRYPTED"}, "releaseChannel": {"channel": "STABLE"},
               "datapathProvider": "ADVANCED_DATAPATH", "deletionProtection": True}
    assert summarize("gcp:container/cluster:Cluster", cluster) == (
        "k8s 1.33 · us-central1 · endpoint private · secrets KMS · STABLE · ADVANCED_DATAPATH · deletion protection")
    bucket = {"name": "b", "publicAccessPrevention": "enforced", "uniformBucketLevelAccess": True,
              "versioning": {"enabled": True}, "encryption": {"defaultKmsKeyName": "k"}, "logging": {"logBucket": "l"}}
    assert summarize("gcp:storage/bucket:Bucket", bucket) == (
        "b · public access enforced · uniform access · versioning on · CMEK · access logs")
