"""The pure helpers behind dataset volumes, caches, transfer roles and the warming Job."""

import json

import pytest

from components.aws.dataset_access import DatasetGrant, dataset_access_policy
from components.aws.dataset_cache import directory_bucket_arn, directory_bucket_name
from components.aws.dataset_transfer_role import transfer_read_policy, transfer_trust_policy
from components.aws.dataset_volume import mount_options, persistent_volume_spec, volume_attributes
from components.gcp.dataset_volume import gcsfuse_mount_options, gcsfuse_volume_attributes
from components.k8s.dataset_warm import warm_command, warm_job_spec
from infra.catalog.accelerators import Cloud
from infra.compose.datasets import check_options


def test_mountpoint_options_follow_access_and_ttl():
    assert mount_options("us-east-1", "", False, -1) == [
        "region us-east-1", "allow-other", "allow-delete", "allow-overwrite", "metadata-ttl indefinite"]
    assert mount_options("eu-west-1", "a/b/", True, 0, "c--euw1-az1--x-s3")[-3:] == [
        "read-only", "metadata-ttl 0", "cache-xz c--euw1-az1--x-s3"]


def test_mountpoint_cache_attributes_per_medium():
    assert volume_attributes("b", None, None) == {"bucketName": "b", "authenticationSource": "pod"}
    assert volume_attributes("b", "memory", 4)["cacheEmptyDirMedium"] == "Memory"
    assert volume_attributes("b", "volume", 200, "gp3-encrypted") == {
        "bucketName": "b", "authenticationSource": "pod", "cache": "ephemeral",
        "cacheEphemeralStorageClassName": "gp3-encrypted", "cacheEphemeralStorageResourceRequest": "200Gi"}
    with pytest.raises(ValueError, match="StorageClass"):
        volume_attributes("b", "volume", 200, None)


def test_a_writable_volume_is_read_write_many_and_unpinned():
    spec = persistent_volume_spec("v", "ns", "c", False, ["region r"], {"bucketName": "b"})
    assert spec["accessModes"] == ["ReadWriteMany"] and "nodeAffinity" not in spec


def test_gcsfuse_parallel_downloads_only_with_a_file_cache():
    assert gcsfuse_mount_options("x/y/", True, False) == ["implicit-dirs", "only-dir=x/y"]
    assert gcsfuse_mount_options("", True, True) == ["implicit-dirs", "file-cache:enable-parallel-downloads:true"]
    assert gcsfuse_volume_attributes("b", None, -1) == {"bucketName": "b", "metadataCacheTTLSeconds": "-1"}


def test_every_helper_option_is_one_the_pinned_drivers_read():
    check_options(Cloud.AWS, "x", mount_options("r", "p/", True, 5, "c--use1-az1--x-s3"),
                  volume_attributes("b", "volume", 1, "sc"))
    check_options(Cloud.GCP, "x", gcsfuse_mount_options("p/", True, True), gcsfuse_volume_attributes("b", 1, 5))
    with pytest.raises(ValueError, match=r"datasets.d.consumers.c: mountOptions 'cache-size 1' not read"):
        check_options(Cloud.AWS, "datasets.d.consumers.c", ["cache-size 1"], [])


def test_directory_bucket_names_and_arns():
    assert directory_bucket_name("acme-prod-imagenet-cache", "use1-az4") == "acme-prod-imagenet-cache--use1-az4--x-s3"
    with pytest.raises(ValueError, match="S3 allows 63"):
        directory_bucket_name("x" * 50, "use1-az4")
    arn = directory_bucket_arn("us-east-1", "1", "b--use1-az4--x-s3")
    assert arn == "arn:aws:s3express:us-east-1:1:bucket/b--use1-az4--x-s3"


def test_policies_are_prefix_scoped_and_name_no_wildcard_action():
    policy = json.loads(dataset_access_policy({"ckpt": DatasetGrant("b", "runs/", True)}))
    assert policy["Statement"][1]["Action"] == ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload",
                                                "s3:DeleteObject"]
    assert policy["Statement"][1]["Resource"] == "arn:aws:s3:::b/runs/*"
    whole = json.loads(dataset_access_policy({"d": DatasetGrant("b", "", False, None, "arn:x")}))
    assert "Condition" not in whole["Statement"][0] and whole["Statement"][2]["Action"] == ["s3express:CreateSession"]
    read = json.loads(transfer_read_policy("b", "p/", None))["Statement"]
    assert [s["Action"] for s in read] == [["s3:ListBucket"], ["s3:GetObject"], ["s3:GetBucketLocation"]]
    with pytest.raises(ValueError, match="numeric"):
        transfer_trust_policy("someone@example.com")


def test_warm_job_reads_each_path_in_parallel_as_the_consumer():
    command = warm_command(["train", "val/shard-*"])
    assert command[:2] == ["sh", "-c"] and "/data/train" in command[2] and "-P 8" in command[2]
    spec = warm_job_spec("dataset-x", "trainer", ["train"], "busybox:1.37.0", {})
    pod = spec["template"]["spec"]
    assert pod["serviceAccountName"] == "trainer" and pod["securityContext"]["runAsNonRoot"] is True
    assert pod["volumes"][0]["persistentVolumeClaim"] == {"claimName": "dataset-x", "readOnly": True}
    with pytest.raises(ValueError):
        warm_command([])
