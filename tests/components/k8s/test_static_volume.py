"""Both dataset volumes register their PV and claim through one helper: same binding, each driver's own CSI block."""

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.aws.dataset_volume import S3DatasetVolume, S3DatasetVolumeArgs
from components.gcp.dataset_volume import GcsDatasetVolume, GcsDatasetVolumeArgs
from components.k8s.static_volume import bound_claim_spec, bound_volume_spec


def program():
    provider = k8s.Provider("test", kubeconfig="{}")
    S3DatasetVolume("eks-imagenet-train", S3DatasetVolumeArgs(
        volume_name="acme-dev-imagenet-train", namespace="train", claim_name="dataset-imagenet", read_only=True,
        mount_options=["region us-east-1", "read-only"], volume_attributes={"bucketName": "b"},
        provider=provider, zone="us-east-1a", labels={"mlinfra.io/dataset": "imagenet"}))
    GcsDatasetVolume("gke-ckpt-train", GcsDatasetVolumeArgs(
        volume_name="acme-dev-ckpt-train", namespace="train", claim_name="dataset-ckpt",
        bucket=pulumi.Output.from_input("acme-dev-ckpt"), read_only=False, mount_options=["implicit-dirs"],
        volume_attributes={"bucketName": "acme-dev-ckpt"}, provider=provider))


@pytest.fixture(scope="module")
def recorded():
    from infra.offline.engine import run_program
    from tests.conftest import Registered

    return Registered(run_program(program))


def test_the_s3_volume_is_bound_both_ways_and_pinned_to_its_cache_zone(recorded):
    pv = recorded.one("kubernetes:core/v1:PersistentVolume", "eks-imagenet-train-pv")
    pvc = recorded.one("kubernetes:core/v1:PersistentVolumeClaim", "eks-imagenet-train-pvc")
    assert pv.inputs["spec"]["claimRef"] == {"namespace": "train", "name": "dataset-imagenet"}
    assert pv.inputs["spec"]["csi"] == {"driver": "s3.csi.aws.com", "volumeHandle": "acme-dev-imagenet-train",
                                        "volumeAttributes": {"bucketName": "b"}}
    assert pv.inputs["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"] == [
        {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["us-east-1a"]}]
    assert pvc.inputs["spec"] == {"accessModes": ["ReadOnlyMany"], "storageClassName": "",
                                  "volumeName": "acme-dev-imagenet-train",
                                  "resources": {"requests": {"storage": "1Ti"}}}
    assert pvc.inputs["metadata"]["labels"] == {"mlinfra.io/dataset": "imagenet"}
    # The claim waits for its volume; both are children of the dataset component.
    assert pv.urn in pvc.options()["dependencies"]
    assert pv.parent.endswith("mlinfra:aws:S3DatasetVolume::eks-imagenet-train")


def test_the_gcs_volume_uses_the_bucket_as_handle_and_is_read_write(recorded):
    pv = recorded.one("kubernetes:core/v1:PersistentVolume", "gke-ckpt-train-pv").inputs["spec"]
    assert pv["csi"] == {"driver": "gcsfuse.csi.storage.gke.io", "volumeHandle": "acme-dev-ckpt", "readOnly": False,
                         "volumeAttributes": {"bucketName": "acme-dev-ckpt"}}
    assert pv["accessModes"] == ["ReadWriteMany"] and "nodeAffinity" not in pv
    assert (pv["storageClassName"], pv["persistentVolumeReclaimPolicy"]) == ("", "Retain")
    claim = recorded.one("kubernetes:core/v1:PersistentVolumeClaim", "gke-ckpt-train-pvc").inputs
    assert claim["metadata"]["namespace"] == "train" and claim["spec"]["volumeName"] == "acme-dev-ckpt-train"


def test_pure_specs_bind_one_claim():
    spec = bound_volume_spec("ns", "c", True, ["o"], {"driver": "d"})
    assert list(spec) == ["capacity", "accessModes", "storageClassName", "persistentVolumeReclaimPolicy",
                          "claimRef", "mountOptions", "csi"]
    assert bound_claim_spec("v", False)["accessModes"] == ["ReadWriteMany"]
