"""Datasets in the planned stacks: dev caches one per cluster, prod replicates across clouds behind a zonal cache.

Also the contract with upstream: every mountOption and volumeAttribute of every dataset volume in every
stack is one the pinned driver reads (infra/catalog/dataset_drivers.py).
"""

from __future__ import annotations

import json

import pytest

from infra.catalog.dataset_drivers import (
    GCS_FUSE_CSI_DRIVER_NAME,
    MOUNTPOINT_CSI_DRIVER_NAME,
    unknown_gcs_fuse_options,
    unknown_mountpoint_options,
)
from infra.offline.document import build_document
from tests.helpers import stack_run

PV = "kubernetes:core/v1:PersistentVolume"


@pytest.fixture(scope="module")
def documents():
    return {stack: build_document(stack_run(stack)) for stack in ("dev", "prod")}


def by_name(document):
    return {r["name"]: r for r in document["resources"]}


def test_dev_mounts_an_s3_dataset_on_eks_with_a_node_cache(documents):
    found = by_name(documents["dev"])
    pv = found["dev-imagenet-eks-pv"]["inputs"]
    assert pv["spec"]["csi"] == {"driver": "s3.csi.aws.com", "volumeHandle": "dataset-imagenet-eks",
                                 "volumeAttributes": {
                                     "bucketName": "acme-ml-dev-datasets", "authenticationSource": "pod",
                                     "cache": "emptyDir", "cacheEmptyDirSizeLimit": "50Gi"}}
    assert pv["spec"]["mountOptions"] == ["region us-east-1", "allow-other", "prefix imagenet/", "read-only",
                                          "metadata-ttl 300"]
    assert pv["spec"]["accessModes"] == ["ReadOnlyMany"]
    assert pv["spec"]["claimRef"] == {"namespace": "training", "name": "dataset-imagenet"}
    claim = found["dev-imagenet-eks-pvc"]["inputs"]
    assert (claim["metadata"]["namespace"], claim["spec"]["volumeName"], claim["spec"]["storageClassName"]) == (
        "training", "dataset-imagenet-eks", "")
    association = found["dev-training-trainer-datasets-association"]["inputs"]
    assert (association["namespace"], association["serviceAccount"]) == ("training", "trainer")


def test_the_mountpoint_addon_is_the_recorded_build_of_the_pinned_driver(documents):
    # v2.7.0-eksbuild.1 for EKS 1.35: aws-samples/comfyui-on-eks@afda88e1 docs/mirador-security-findings-status.md.
    for stack, addon in (("dev", "dev-addons-aws-mountpoint-s3-csi-driver"),
                         ("prod", "train-addons-aws-mountpoint-s3-csi-driver")):
        inputs = by_name(documents[stack])[addon]["inputs"]
        assert (inputs["addonName"], inputs["addonVersion"]) == ("aws-mountpoint-s3-csi-driver", "v2.7.0-eksbuild.1")


def test_dev_eks_dataset_role_reads_only_its_prefix(documents):
    from components.aws.dataset_access import DatasetGrant, dataset_access_policy
    # The planned policy is unknown in a preview (it names the bucket's KMS key); the helper that makes it:
    policy = json.loads(dataset_access_policy({"imagenet": DatasetGrant("acme-ml-dev-datasets", "imagenet/", False,
                                                                         "arn:aws:kms:us-east-1:1:key/k")}))
    assert policy["Statement"] == [
        {"Sid": "ImagenetList", "Effect": "Allow", "Action": ["s3:ListBucket"],
         "Resource": "arn:aws:s3:::acme-ml-dev-datasets",
         "Condition": {"StringLike": {"s3:prefix": ["imagenet/*"]}}},
        {"Sid": "ImagenetObjects", "Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": "arn:aws:s3:::acme-ml-dev-datasets/imagenet/*"},
        {"Sid": "ImagenetKey", "Effect": "Allow", "Resource": "arn:aws:kms:us-east-1:1:key/k",
         "Action": ["kms:Decrypt"]}]
    trust = json.loads(by_name(documents["dev"])["dev-training-trainer-datasets-role"]["inputs"]["assumeRolePolicy"])
    assert trust["Statement"][0]["Condition"]["StringEquals"]["aws:RequestTag/kubernetes-service-account"] == "trainer"


def test_dev_mounts_a_gcs_dataset_on_gke_with_file_cache_and_anywhere_cache(documents):
    found = by_name(documents["dev"])
    pv = found["dev-gke-imagenet-gcs-gke-pv"]["inputs"]["spec"]
    assert pv["csi"] == {"driver": "gcsfuse.csi.storage.gke.io", "volumeHandle": "acme-ml-dev-datasets-gcs",
                         "readOnly": True, "volumeAttributes": {
                             "bucketName": "acme-ml-dev-datasets-gcs", "metadataCacheTTLSeconds": "300",
                             # GKE turns the sidecar's metrics off by default; the datasets dashboard reads them.
                             "fileCacheCapacity": "50Gi", "disableMetrics": "false"}}
    assert pv["mountOptions"] == ["implicit-dirs", "only-dir=imagenet", "file-cache:enable-parallel-downloads:true"]
    grant = found["dev-gke-imagenet-gcs-gke-grant-gke-imagenet-gcs"]["inputs"]
    assert grant["role"] == "roles/storage.objectViewer"
    assert grant["member"].endswith("/subject/ns/training/sa/trainer")
    cache = found["dataset-imagenet-gcs-cache-us-central1-b"]["inputs"]
    assert cache == {"bucket": "acme-ml-dev-datasets-gcs", "zone": "us-central1-b", "ttl": "86400s",
                     "admissionPolicy": "admit-on-first-miss"}
    job = found["dev-gke-imagenet-gcs-gke-warm-job"]["inputs"]["spec"]["template"]
    assert job["metadata"]["annotations"] == {"gke-gcsfuse/volumes": "true"}
    assert job["spec"]["volumes"][0]["persistentVolumeClaim"] == {"claimName": "dataset-imagenet-gcs",
                                                                  "readOnly": True}
    assert job["spec"]["serviceAccountName"] == "trainer"
    # Pinned by digest (docker-library/repo-info repos/busybox/remote/1.37.0.md): a re-pushed tag changes nothing.
    assert job["spec"]["containers"][0]["image"] == (
        "docker.io/library/busybox:1.37.0@sha256:9db7b59979c38555a39def84a31fb98b5296952f9e3afd4f6f11f05b07adfab0")


def test_prod_replicates_s3_to_gcs_without_keys_and_caches_in_the_h100_zone(documents):
    found = by_name(documents["prod"])
    pv = found["train-imagenet-train-pv"]["inputs"]["spec"]
    assert pv["mountOptions"][-1] == "cache-xz acme-ml-prod-imagenet-cache--use1-az1--x-s3"
    assert pv["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] == ["us-east-1a"]
    directory = found["dataset-imagenet-cache-bucket"]["inputs"]
    assert directory["location"] == {"type": "AvailabilityZone", "name": "use1-az1"}
    assert directory["tags"]["mlinfra-cache-zone"] == "us-east-1a"
    assert found["dataset-imagenet-cache-expiry"]["inputs"]["rules"][0]["expiration"] == {"days": 7}
    job = found["dataset-imagenet-transfer-job"]["inputs"]["transferSpec"]
    assert job["awsS3DataSource"]["bucketName"] == "acme-ml-prod-datasets"
    assert "awsAccessKey" not in job["awsS3DataSource"] and "roleArn" in job["awsS3DataSource"]
    assert job["gcsDataSink"] == {"bucketName": "acme-ml-prod-imagenet-replica", "path": "imagenet/"}
    trust = json.loads(found["dataset-imagenet-transfer-role"]["inputs"]["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Federated": "accounts.google.com"}
    assert trust["Condition"] == {"StringEquals": {"accounts.google.com:sub": "100000000000000000001"}}
    gke = found["infer-gcp-imagenet-eval-pv"]["inputs"]
    assert gke["spec"]["csi"]["volumeHandle"] == "acme-ml-prod-imagenet-replica"
    copy_of = gke["metadata"]["annotations"]["mlinfra.dev/dataset-copy-of"]
    assert copy_of == "aws:us-east-1:acme-ml-prod-datasets/imagenet/"
    sink_roles = sorted(r["inputs"]["role"] for r in documents["prod"]["resources"]
                        if r["name"].startswith("dataset-imagenet-transfer-") and "role" in r["inputs"]
                        and r["type"] == "gcp:storage/bucketIAMMember:BucketIAMMember")
    assert sink_roles == ["roles/storage.legacyBucketWriter", "roles/storage.objectViewer"]
    assert found["imagenet-replica-bucket"]["protect"] is True


def test_dataset_outputs_name_the_claims(documents):
    assert documents["dev"]["outputs"]["cluster_dev"]["datasets"] == {"imagenet": "dataset-imagenet"}
    assert documents["prod"]["outputs"]["cluster_infer-gcp"]["datasets"] == {"imagenet": "dataset-imagenet"}


def test_every_planned_volume_uses_only_options_the_pinned_driver_reads(documents):
    volumes = 0
    for document in documents.values():
        for resource in document["resources"]:
            if resource["type"] != PV:
                continue
            csi = resource["inputs"]["spec"]["csi"]
            options, attributes = resource["inputs"]["spec"].get("mountOptions", []), csi["volumeAttributes"]
            check = {MOUNTPOINT_CSI_DRIVER_NAME: unknown_mountpoint_options,
                     GCS_FUSE_CSI_DRIVER_NAME: unknown_gcs_fuse_options}[csi["driver"]]
            assert check(options, attributes) == [], resource["name"]
            volumes += 1
    assert volumes == 4


def test_an_unrecorded_option_is_caught():
    assert unknown_mountpoint_options(["metadata-ttl 60", "cache-size 10"], ["bucketName", "cacheSize"]) == [
        "mountOptions 'cache-size 10'", "volumeAttributes 'cacheSize'"]
    assert unknown_gcs_fuse_options(["only-dir=a", "file-cache:enable-parallel-download:true", "o=ro"],
                                    ["fileCacheCapacity", "fileCacheSize"]) == [
        "mountOptions 'file-cache:enable-parallel-download:true'", "mountOptions 'o=ro'",
        "volumeAttributes 'fileCacheSize'"]
