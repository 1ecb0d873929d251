"""The GCP side of the prod stack, planned from its file: shape and key settings pinned."""

import pytest

from infra.cli.views.plan import markdown_view
from infra.offline.document import build_document
from tests.helpers import stack_run


@pytest.fixture(scope="module")
def prod():
    document = build_document(stack_run("prod"))
    return document, {r["name"]: r for r in document["resources"]}


def test_prod_gke_inference_cluster_is_regional_protected_and_private(prod):
    _, by_name = prod
    cluster = by_name["infer-gcp-cluster"]
    assert cluster["inputs"]["location"] == "us-central1"
    assert cluster["inputs"]["deletionProtection"] is True
    assert cluster["protect"] is True
    assert cluster["inputs"]["releaseChannel"] == {"channel": "STABLE"}
    assert cluster["inputs"]["privateClusterConfig"]["enablePrivateEndpoint"] is True
    assert cluster["inputs"]["masterAuthorizedNetworksConfig"]["cidrBlocks"] == [
        {"cidrBlock": "10.100.0.0/16", "displayName": "internal-0"}]
    assert by_name["infer-gcp-secrets-key"]["protect"] is True


def test_prod_pools_l4_spot_time_shared_and_a100_with_mig(prod):
    _, by_name = prod
    l4 = by_name["infer-gcp-l4-spot-pool"]["inputs"]
    assert l4["nodeConfig"]["machineType"] == "g2-standard-4" and l4["nodeConfig"]["spot"] is True
    assert l4["autoscaling"] == {"totalMinNodeCount": 0, "totalMaxNodeCount": 8, "locationPolicy": "ANY"}
    assert l4["nodeConfig"]["guestAccelerators"][0]["gpuSharingConfig"] == {
        "gpuSharingStrategy": "TIME_SHARING", "maxSharedClientsPerGpu": 4}
    a100 = by_name["infer-gcp-a100-mig-pool"]["inputs"]
    assert a100["nodeConfig"]["machineType"] == "a2-ultragpu-1g"
    assert a100["nodeConfig"]["guestAccelerators"] == [{
        "type": "nvidia-a100-80gb", "count": 1, "gpuPartitionSize": "3g.40gb",
        "gpuDriverInstallationConfig": {"gpuDriverVersion": "LATEST"}}]
    assert a100["initialNodeCount"] == 1 and "spot" not in a100["nodeConfig"]


def test_prod_buckets_are_protected_retained_logged_and_granted_to_workloads(prod):
    document, by_name = prod
    for name in ("models-gcs-bucket", "samples-gcs-bucket"):
        bucket = by_name[name]
        assert bucket["protect"] is True and bucket["retainOnDelete"] is True
        assert bucket["inputs"]["forceDestroy"] is False and "logging" in bucket["inputs"]
    # Every prod bucket uses CMEK; each created key and its ring are kept when the bucket is.
    for name in ("models-gcs", "samples-gcs"):
        key = by_name[f"{name}-cmek-key"]
        key_id = key["standIns"]["outputs"]["id"]
        assert by_name[f"{name}-bucket"]["inputs"]["encryption"] == {"defaultKmsKeyName": key_id}
        assert key["standIns"]["outputs"]["id"] == (f"projects/acme-ml-prod/locations/us-central1/keyRings/"
                                                    f"acme-ml-prod-{name}-key/cryptoKeys/acme-ml-prod-{name}-key")
        for part in ("key", "keyring"):
            assert (by_name[f"{name}-cmek-{part}"]["protect"], by_name[f"{name}-cmek-{part}"]["retainOnDelete"]) == (
                True, True)
    assert by_name["samples-gcs-bucket"]["inputs"]["lifecycleRules"][0]["condition"]["daysSinceNoncurrentTime"] == 14
    assert by_name["models-gcs-bucket"]["inputs"]["softDeletePolicy"] == {"retentionDurationSeconds": 2592000}
    grants = {r["name"]: r["inputs"]["role"] for r in document["resources"]
              if r["type"] == "gcp:storage/bucketIAMMember:BucketIAMMember"}
    assert grants == {"models-gcs-access-serving": "roles/storage.objectViewer",
                      "models-gcs-access-publisher": "roles/storage.objectUser",
                      "samples-gcs-access-serving": "roles/storage.objectUser",
                      # Cloud Storage writes usage logs only with object create on the log bucket.
                      "models-gcs-logs-writer": "roles/storage.objectCreator",
                      "samples-gcs-logs-writer": "roles/storage.objectCreator",
                      # The imagenet copy (#27): its usage-log writer, the transfer agent's sink roles and the
                      # evaluation jobs' read grant.
                      "imagenet-replica-logs-writer": "roles/storage.objectCreator",
                      "dataset-imagenet-transfer-legacyBucketWriter": "roles/storage.legacyBucketWriter",
                      "dataset-imagenet-transfer-objectViewer": "roles/storage.objectViewer",
                      "infer-gcp-imagenet-eval-grant-eval-imagenet": "roles/storage.objectViewer"}


def test_prod_gke_nodes_use_the_disk_key_and_see_same_node_traffic(prod):
    _, by_name = prod
    assert by_name["infer-gcp-cluster"]["inputs"]["enableIntranodeVisibility"] is True
    disk_key = by_name["infer-gcp-disks-key"]
    assert (disk_key["protect"], disk_key["inputs"]["name"]) == (True, "prod-infer-gcp-disks")
    for pool in ("infer-gcp-system", "infer-gcp-l4-spot-pool", "infer-gcp-a100-mig-pool"):
        assert by_name[pool]["propertyDependencies"]["nodeConfig"] == [disk_key["urn"]], pool
        assert "bootDiskKmsKey" in by_name[pool]["inputs"]["nodeConfig"], pool
    grant = by_name["infer-gcp-disks-compute"]
    assert grant["inputs"]["member"].endswith("@compute-system.iam.gserviceaccount.com")
    assert grant["urn"] in by_name["infer-gcp-cluster"]["dependencies"]


def test_prod_counts_and_the_plan_shows_gke_taints_gpu_pools(prod):
    document, _ = prod
    by_type = document["counts"]["byType"]
    assert by_type["gcp:container/cluster:Cluster"] == 1
    # the two GPU pools, then the flex-start H100 pool (#32); the system pool is inline in the cluster
    assert by_type["gcp:container/nodePool:NodePool"] == 4
    # two buckets and the imagenet dataset's copy (#27), each with its access-log bucket
    assert by_type["gcp:storage/bucket:Bucket"] == 6
    markdown = markdown_view(document)
    # The resource table's row (the GPU platform lists name the pool too, #32).
    [l4_row] = [line for line in markdown.splitlines() if "infer-gcp-l4-spot-pool" in line and line.startswith("|")]
    assert "taint nvidia.com/gpu (added by GKE)" in l4_row
    [system_row] = [line for line in markdown.splitlines() if "infer-gcp-system" in line]
    assert "taint" not in system_row


def test_prod_gke_contracts_health_checks_on_a_fixed_port_and_the_pd_csi_driver(prod):
    prod, _ = prod
    # The upstream HealthCheckPolicy CRD rejects `port` unless portSpecification is USE_FIXED_PORT.
    checks = [r["inputs"]["spec"]["default"]["config"]["httpHealthCheck"] for r in prod["resources"]
              if r["type"] == "kubernetes:networking.gke.io/v1:HealthCheckPolicy"]
    assert len(checks) == 2
    for check in checks:
        assert check["portSpecification"] == "USE_FIXED_PORT" and isinstance(check["port"], int)
    [cluster] = [r for r in prod["resources"] if r["type"] == "gcp:container/cluster:Cluster"]
    # GKE's default StorageClass (standard-rwo) is served by this driver.
    assert cluster["inputs"]["addonsConfig"]["gcePersistentDiskCsiDriverConfig"] == {"enabled": True}
