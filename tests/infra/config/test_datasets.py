"""The `datasets:` section: shapes, cross-field rules, and bad input refused with exit 2 naming each field."""

from __future__ import annotations

import copy

import pytest

from infra.catalog.accelerators import Cloud
from infra.config.load import ConfigError, namespace_values, parse_stack_config
from infra.config.rules.datasets import pool_zones, shared_zones
from infra.offline.stackfile import load_stack_file
from tests.helpers import ROOT, mlinfra


def stack_values(stack: str) -> dict:
    """A stack file's `mlinfra:*` values, namespace stripped, as the program receives them (secrets as text)."""
    return namespace_values(load_stack_file(ROOT / "stacks", stack).config)


def problems(values: dict, stack: str = "dev") -> list[str]:
    try:
        parse_stack_config(values, stack)
    except ConfigError as exc:
        return [f"{path}: {message}" for path, message in exc.problems]
    return []


@pytest.fixture()
def dev() -> dict:
    return copy.deepcopy(stack_values("dev"))


def test_dev_and_prod_datasets_parse_with_their_defaults():
    dev = parse_stack_config(stack_values("dev"), "dev")
    imagenet = dev.datasets["imagenet"]
    assert (imagenet.access.value, imagenet.cache.node.size_gib, imagenet.cache.node.medium.value) == (
        "read", 50, "disk")
    assert imagenet.cache.parallel_downloads is True and imagenet.replicate is False
    prod = parse_stack_config(stack_values("prod"), "prod")
    assert prod.datasets["imagenet"].replicate is True
    assert prod.datasets["imagenet"].cache.metadata_ttl_seconds == -1


def test_unknown_cloud_and_unknown_key_name_the_field(dev):
    dev["datasets"]["imagenet"]["home"]["cloud"] = "azure"
    dev["datasets"]["imagenet"]["cache"]["nodes"] = {}
    found = problems(dev)
    assert "datasets.imagenet.home.cloud: must be 'aws' or 'gcp' (got 'azure')" in found
    assert ("datasets.imagenet.cache.nodes: unknown key; did you mean 'node'? allowed keys: node, "
            "metadata_ttl_seconds, parallel_downloads, shared") in found


def test_bucket_not_in_the_stack_and_not_external(dev):
    dev["datasets"]["imagenet"]["home"]["bucket"] = "datsets"
    assert problems(dev) == [
        "datasets.imagenet.home.bucket: 'datsets' is not a bucket of this stack (aws buckets: checkpoints, "
        "datasets); add it under `mlinfra:buckets`, or set `external: true` (with its `region`) for one that exists"]
    dev["datasets"]["imagenet"]["home"].update(external=True, bucket="someone-elses-bucket")
    assert problems(dev) == ["datasets.imagenet.home.region: required for an external bucket: the region it lives "
                             "in (its reads may cross regions)"]
    dev["datasets"]["imagenet"]["home"]["region"] = "us-west-2"
    # A cross-region read is allowed on purpose, but its cost needs a size.
    assert problems(dev) == ["datasets.imagenet.size_gib: required: the cost estimate prices its transfer, egress "
                             "or shared cache by size; set the dataset's approximate size in GiB"]
    dev["datasets"]["imagenet"]["size_gib"] = 100
    assert problems(dev) == []


def test_node_cache_bigger_than_the_pool_disk(dev):
    dev["datasets"]["imagenet"]["cache"]["node"]["size_gib"] = 150
    assert problems(dev) == [
        "datasets.imagenet.cache.node.size_gib: 150 GiB does not fit on pool 'dev.l4' (disk 200 GiB, at most 100 GiB "
        "for a cache after images and logs); lower size_gib or raise the pool's disk_gib"]
    dev["clusters"]["dev"]["gpu_pools"]["l4"]["disk_gib"] = 400
    assert problems(dev) == []
    # A memory cache is measured against the machine (g6.xlarge, 16 GiB: a quarter for the cache).
    dev["datasets"]["imagenet"]["cache"]["node"] = {"size_gib": 8, "medium": "memory"}
    assert problems(dev) == [
        "datasets.imagenet.cache.node.size_gib: 8 GiB of memory cache does not fit on pool 'dev.l4' (16 GiB "
        "machines; at most 4 GiB for a cache); lower size_gib or use medium: disk"]
    dev["datasets"]["imagenet-gcs"]["cache"]["node"]["medium"] = "volume"
    assert ("datasets.imagenet-gcs.cache.node.medium: 'volume' (a gp3 volume per mount) is for EKS clusters; "
            "cluster 'dev-gke' is on gcp, where the file cache is on the node's disk or in memory: use disk or memory"
            ) in problems(dev)


def test_consumer_namespace_on_a_cluster_the_stack_does_not_have(dev):
    dev["datasets"]["imagenet"]["consumers"]["eks"]["cluster"] = "train"
    assert problems(dev) == [
        "datasets.imagenet.consumers.eks.cluster: namespace 'training' is on cluster 'train', which this stack does "
        "not have; name one of its clusters (dev, dev-gke)"]


def test_all_four_bad_inputs_exit_2_together_and_plan_nothing(tmp_path):
    text = (ROOT / "stacks" / "Pulumi.dev.yaml").read_text()
    broken = text.replace("home: {cloud: aws, bucket: datasets, prefix: imagenet/}",
                          "home: {cloud: aws, bucket: missing, prefix: imagenet/}")
    broken = broken.replace("eks: {cluster: dev, namespace: training", "eks: {cluster: nope, namespace: training")
    broken = broken.replace("home: {cloud: gcp, bucket: datasets-gcs", "home: {cloud: gcp, bucket: datasets-gcs")
    broken = broken.replace("        node: {size_gib: 50, medium: disk}\n        metadata_ttl_seconds: 300\n        "
                            "parallel_downloads", "        node: {size_gib: 500, medium: disk}\n        "
                            "metadata_ttl_seconds: 300\n        parallel_downloads")
    assert broken.count("size_gib: 500") == 1 and "cluster: nope" in broken
    (tmp_path / "Pulumi.dev.yaml").write_text(broken)
    result = mlinfra("plan", "dev", "--stacks-dir", str(tmp_path), "--format", "json")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""  # nothing half-planned
    for line in (
        "  - datasets.imagenet.home.bucket: 'missing' is not a bucket of this stack",
        "  - datasets.imagenet.consumers.eks.cluster: namespace 'training' is on cluster 'nope', which this stack "
        "does not have",
        "  - datasets.imagenet-gcs.cache.node.size_gib: 500 GiB does not fit on pool 'dev-gke.l4'",
    ):
        assert line in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    (tmp_path / "Pulumi.dev.yaml").write_text(text.replace("home: {cloud: aws, bucket: datasets, prefix: imagenet/}",
                                                           "home: {cloud: azure, bucket: datasets}"))
    result = mlinfra("plan", "dev", "--stacks-dir", str(tmp_path))
    assert result.returncode == 2
    assert "  - datasets.imagenet.home.cloud: must be 'aws' or 'gcp' (got 'azure')" in result.stderr


def test_cross_cloud_needs_replication_one_way_only(dev):
    dev["datasets"]["imagenet"]["consumers"]["gke"] = {"cluster": "dev-gke", "namespace": "eval",
                                                       "service_account": "evaluator"}
    assert problems(dev) == [
        "datasets.imagenet.replicate: must be true: consumer 'gke' is on gcp cluster 'dev-gke' and the gcp driver "
        "cannot mount a aws bucket; a copy kept by Storage Transfer Service is what it reads"]
    dev["datasets"]["imagenet"].update(replicate=True, access="read-write")
    assert problems(dev) == [
        "datasets.imagenet.access: a replicated dataset is read-only on the copy (writes there would be overwritten "
        "by the next transfer); set access: read, or keep read-write consumers on the home's cloud only",
        "datasets.imagenet.size_gib: required: the cost estimate prices its transfer, egress or shared cache by size; "
        "set the dataset's approximate size in GiB"]
    dev["datasets"]["imagenet-gcs"]["consumers"]["eks"] = {"cluster": "dev", "namespace": "x", "service_account": "y"}
    assert ("datasets.imagenet-gcs.consumers.eks: reads a gcp dataset from a aws cluster, and no transfer service "
            "replicates gcp to aws here; put the home on aws or consume it from a gcp cluster") in problems(dev)


def test_no_read_write_behind_a_shared_cache_and_zones_where_the_pools_are(dev):
    dev["datasets"]["imagenet-gcs"]["access"] = "read-write"
    dev["datasets"]["imagenet-gcs"]["cache"]["shared"] = {"zones": ["us-central1-c"]}
    assert problems(dev) == [
        "datasets.imagenet-gcs.access: read-write behind a shared cache serves stale objects to other nodes after a "
        "write; set access: read, or remove cache.shared",
        "datasets.imagenet-gcs.cache.shared.zones: 'us-central1-c' is not a zone where consumer 'gke''s GPU pools "
        "run (us-central1-b); cache where the GPUs are"]


def test_one_pod_identity_association_per_service_account(dev):
    dev["datasets"]["imagenet"]["consumers"]["eks"].update(namespace="ml", service_account="notebook")
    assert problems(dev) == [
        "datasets.imagenet.consumers.eks.service_account: ml/notebook already gets its Pod Identity role from "
        "clusters.dev.aws.workload_access.notebooks, and EKS allows one per service account; use another service "
        "account for the dataset, or drop the grant there"]


def test_pool_zones_follow_placement_and_location():
    prod = parse_stack_config(stack_values("prod"), "prod")
    assert pool_zones(prod, prod.clusters["train"], "h100") == ["us-east-1a"]  # EFA: placed, first zone
    assert pool_zones(prod, prod.clusters["train"], "l4") == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert pool_zones(prod, prod.clusters["infer-gcp"]) is None  # regional, GKE picks
    assert shared_zones(prod, prod.datasets["imagenet"], Cloud.AWS) == ["us-east-1a"]
    assert shared_zones(prod, prod.datasets["imagenet"], Cloud.GCP) == []
    dev = parse_stack_config(stack_values("dev"), "dev")
    assert shared_zones(dev, dev.datasets["imagenet-gcs"], Cloud.GCP) == ["us-central1-b"]


def test_a_mountpoint_addon_of_another_driver_version_is_refused_where_datasets_mount(dev):
    # The dataset volumes' options were recorded at driver v2.7.0 (infra/catalog/dataset_drivers.py).
    dev["clusters"]["dev"]["aws"]["addon_versions"] = {"aws-mountpoint-s3-csi-driver": "v2.8.0-eksbuild.1"}
    assert problems(dev) == [
        "clusters.dev.aws.addon_versions.aws-mountpoint-s3-csi-driver: 'v2.8.0-eksbuild.1' is not a build of driver "
        "v2.7.0, the version whose mount options and volume attributes the dataset volumes were checked against; pin "
        "a v2.7.0-eksbuild.N build, or re-read the driver's options at the new version "
        "(infra/catalog/dataset_drivers.py) first"]
    dev["clusters"]["dev"]["aws"]["addon_versions"] = {"aws-mountpoint-s3-csi-driver": "v2.7.0-eksbuild.2"}
    assert problems(dev) == []


def test_local_nvme_only_on_machines_that_have_it_and_sized_by_it(dev):
    # dev's EKS L4 pool runs g6.xlarge: 250 GB of instance store (232 GiB), at most 116 GiB for a cache; 110 GiB is
    # more than its 200 GiB root disk allows (100) but fits the NVMe.
    dev["datasets"]["imagenet"]["cache"]["node"] = {"size_gib": 110, "medium": "local-nvme"}
    assert problems(dev) == []
    dev["datasets"]["imagenet"]["cache"]["node"]["size_gib"] = 120
    assert problems(dev) == [
        "datasets.imagenet.cache.node.size_gib: 120 GiB does not fit on the local NVMe of pool 'dev.l4' (g6.xlarge: "
        "232 GiB, at most 116 GiB for a cache after images and logs); lower size_gib"]
    dev["datasets"]["imagenet"]["cache"]["node"]["size_gib"] = 50
    # dev-gke's L4 pool runs g2-standard-4, whose Local SSD count is chosen at creation and not recorded.
    dev["datasets"]["imagenet-gcs"]["cache"]["node"]["medium"] = "local-nvme"
    assert problems(dev) == [
        "datasets.imagenet-gcs.cache.node.medium: 'local-nvme' needs a machine with local NVMe, and pool "
        "'dev-gke.l4' runs g2-standard-4, which has none recorded (infra/catalog/local_storage.py); use disk or "
        "memory, or consume the dataset on a pool whose machine has local NVMe"]


def test_local_nvme_on_a_machine_without_it_exits_2_naming_the_field(tmp_path):
    text = (ROOT / "stacks" / "Pulumi.dev.yaml").read_text()
    marker = "        node: {size_gib: 50, medium: disk}\n        metadata_ttl_seconds: 300\n        parallel_downloads"
    assert text.count(marker) == 1
    broken = text.replace(marker, marker.replace("medium: disk", "medium: local-nvme"))
    (tmp_path / "Pulumi.dev.yaml").write_text(broken)
    result = mlinfra("plan", "dev", "--stacks-dir", str(tmp_path), "--format", "json")
    assert result.returncode == 2 and result.stdout == "", result.stderr
    assert ("  - datasets.imagenet-gcs.cache.node.medium: 'local-nvme' needs a machine with local NVMe, and pool "
            "'dev-gke.l4' runs g2-standard-4") in result.stderr
