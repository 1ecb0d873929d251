"""GCP composition: one GPU pool spec on both clouds, and what each environment turns on."""

import copy

import pytest

from infra.catalog.accelerators import Accelerator, Cloud, resolve
from infra.compose.gcp import cluster_location, default_zone, pool_args
from infra.compose.platform import build_platform
from infra.config.load import parse_stack_config

# One pool spec, written once, planned on both clouds.
POOLS = {
    "l4": {"accelerator": "nvidia-l4", "gpus_per_node": 1, "max_nodes": 2, "capacity": "spot"},
    "h100": {"accelerator": "nvidia-h100-80gb", "gpus_per_node": 8, "min_nodes": 1, "max_nodes": 2},
    "a100": {"accelerator": "nvidia-a100-40gb", "gpus_per_node": 8, "max_nodes": 1, "disk_gib": 400},
}
BOTH = {
    "environment": "dev",
    "tags": {"owner": "ml", "cost-center": "cc-1"},
    "aws": {"region": "us-east-1"},
    "gcp": {"project": "acme-ml-dev", "region": "us-central1"},
    "clusters": {"eks": {"cloud": "aws", "gpu_pools": POOLS},
                 "gke": {"cloud": "gcp", "gcp": {"location": "zonal"}, "gpu_pools": POOLS}},
}
GCP_ONLY = {
    "tags": {"owner": "ml", "cost-center": "cc-1"},
    "gcp": {"project": "acme-ml-x", "region": "europe-west4"},
    "clusters": {"gke": {"cloud": "gcp", "gpu_pools": {"l4": POOLS["l4"]}}},
    "buckets": {"data": {"cloud": "gcp"}},
}


def test_the_same_pool_spec_yields_the_catalogs_machine_on_each_cloud(register):
    config = parse_stack_config(BOTH, "test")
    reg = register(lambda: build_platform(config))
    for name, spec in POOLS.items():
        accelerator = Accelerator(spec["accelerator"])
        aws_offer = resolve(Cloud.AWS, accelerator, spec["gpus_per_node"])
        gcp_offer = resolve(Cloud.GCP, accelerator, spec["gpus_per_node"])
        eks = reg.one("aws:eks/nodeGroup:NodeGroup", f"eks-{name}-ng").inputs
        gke = reg.one("gcp:container/nodePool:NodePool", f"gke-{name}-pool").inputs
        assert eks["instanceTypes"] == [aws_offer.machine_type]
        assert gke["nodeConfig"]["machineType"] == gcp_offer.machine_type
        assert gke["nodeConfig"]["guestAccelerators"][0]["type"] == gcp_offer.image_family
        assert gke["nodeConfig"]["guestAccelerators"][0]["count"] == spec["gpus_per_node"]
        spot = spec.get("capacity") == "spot"
        assert eks["capacityType"] == ("SPOT" if spot else "ON_DEMAND")
        assert gke["nodeConfig"].get("spot", False) is spot
        bounds = (spec.get("min_nodes", 0), spec["max_nodes"])
        assert (eks["scalingConfig"]["minSize"], eks["scalingConfig"]["maxSize"]) == bounds
        assert (gke["autoscaling"]["totalMinNodeCount"], gke["autoscaling"]["totalMaxNodeCount"]) == bounds
        assert gke["nodeConfig"]["diskSizeGb"] == spec.get("disk_gib", 200)
        for labels in (eks["labels"], gke["nodeConfig"]["labels"]):
            assert labels["mlinfra.io/accelerator"] == spec["accelerator"]
    # The catalog's answers, spelled out once so a catalog edit shows up here too.
    machines = {("aws", r.name): r.inputs["instanceTypes"][0] for r in reg.of_type("aws:eks/nodeGroup:NodeGroup")}
    machines |= {("gcp", r.name): r.inputs["nodeConfig"]["machineType"]
                 for r in reg.of_type("gcp:container/nodePool:NodePool")}
    assert machines == {("aws", "eks-system-ng"): "m7i.large",
                        ("aws", "eks-l4-ng"): "g6.xlarge", ("aws", "eks-h100-ng"): "p5.48xlarge",
                        ("aws", "eks-a100-ng"): "p4d.24xlarge", ("gcp", "gke-system"): "e2-standard-4",
                        ("gcp", "gke-l4-pool"): "g2-standard-4", ("gcp", "gke-h100-pool"): "a3-highgpu-8g",
                        ("gcp", "gke-a100-pool"): "a2-highgpu-8g"}


KEY = "projects/acme-ml-x/locations/europe-west4/keyRings/r/cryptoKeys/k"
EXISTING = {"network": "projects/host/global/networks/shared",
            "subnetwork": "projects/host/regions/europe-west4/subnetworks/gke",
            "pods_range": "gke-pods", "services_range": "gke-services"}


def test_gcp_resources_use_the_explicit_provider_and_an_offline_project_number(register):
    values = copy.deepcopy(GCP_ONLY)
    values["clusters"]["gke"]["gcp"] = {"existing_network": EXISTING, "kms_key": KEY}
    values["buckets"]["data"]["gcp"] = {"encryption": "cmek", "kms_key": KEY}
    config = parse_stack_config({**values, "environment": "dev"}, "test")
    reg = register(lambda: build_platform(config))
    provider = reg.one("pulumi:providers:gcp", "gcp")
    assert provider.inputs["project"] == "acme-ml-x" and provider.inputs["region"] == "europe-west4"
    assert reg.run.invokes == ["gcp:organizations/getProject:getProject"]
    custom = [r for r in reg.resources if r.custom and r.type.startswith("gcp:")]
    assert custom and all(r.provider.startswith(provider.urn) for r in custom)
    assert reg.of_type("aws:eks/cluster:Cluster") == [] and reg.of_type("pulumi:providers:aws") == []
    # An existing network and key are used, not created.
    assert reg.of_type("gcp:compute/network:Network") == [] and reg.of_type("gcp:kms/cryptoKey:CryptoKey") == []
    cluster = reg.one("gcp:container/cluster:Cluster").inputs
    assert (cluster["network"], cluster["subnetwork"]) == (EXISTING["network"], EXISTING["subnetwork"])
    assert cluster["ipAllocationPolicy"] == {"clusterSecondaryRangeName": "gke-pods",
                                             "servicesSecondaryRangeName": "gke-services"}
    assert cluster["databaseEncryption"] == {"state": "ENCRYPTED", "keyName": KEY}
    assert reg.one("gcp:storage/bucket:Bucket").inputs["encryption"] == {"defaultKmsKeyName": KEY}


@pytest.mark.parametrize("environment, protect, retain, deletion_protection, force_destroy, logs", [
    ("dev", False, False, False, False, False),
    ("sandbox", False, False, False, True, False),
    ("staging", True, False, False, False, False),
    ("prod", True, True, True, False, True),
])
def test_environment_decides_protection_retention_and_access_logs(
        register, environment, protect, retain, deletion_protection, force_destroy, logs):
    values = {**copy.deepcopy(GCP_ONLY), "environment": environment}
    if environment == "sandbox":
        # A sandbox stack must carry its limits (docs/how-to/sandbox.md); the template's cluster is this one.
        values["sandbox"] = {"budget_per_hour": 50, "cluster": "gke"}
    if environment in ("staging", "prod"):
        # Observability is on there, and its alerts must go somewhere (infra/config/rules/observability.py).
        values["observability"] = {"notify": {"webhook_url": "https://hooks.example.com/services/T0/B0/X"}}
    config = parse_stack_config(values, "test", ("observability",))
    reg = register(lambda: build_platform(config))
    cluster = reg.one("gcp:container/cluster:Cluster")
    assert cluster.inputs["deletionProtection"] is deletion_protection
    assert cluster.options()["protect"] is protect
    # The cluster's secrets and node disk keys.
    keys = reg.of_type("gcp:kms/cryptoKey:CryptoKey")
    assert len(keys) == 2 and all(k.options()["protect"] is protect for k in keys)
    bucket = reg.one("gcp:storage/bucket:Bucket", "data-bucket")
    assert (bucket.options()["protect"], bucket.options()["retainOnDelete"]) == (protect, retain)
    assert bucket.inputs["forceDestroy"] is force_destroy
    assert ("logging" in bucket.inputs) is logs
    assert bucket.inputs["name"] == "mlinfra-test-data" and bucket.inputs["location"] == "EUROPE-WEST4"
    assert cluster.inputs["location"] == "europe-west4"


def test_zones_and_compact_pools_are_placed_locally():
    assert default_zone("europe-west1") == "europe-west1-b"
    config = parse_stack_config({**copy.deepcopy(GCP_ONLY), "environment": "dev"}, "test")
    cluster = config.clusters["gke"]
    assert cluster_location("europe-west4", cluster) == "europe-west4"
    zonal = cluster.model_copy(update={"gcp": cluster.gcp.model_copy(update={"location": "zonal"})})
    assert cluster_location("europe-west4", zonal) == "europe-west4-b"
    pool = cluster.gpu_pools["l4"]
    compact = pool.model_copy(update={"gcp": pool.gcp.model_copy(update={"compact_placement": True})})
    regional_args = pool_args("europe-west4", cluster, compact, "c", "sa", {})
    assert (regional_args.node_locations, regional_args.regional) == (["europe-west4-b"], True)
    zonal_args = pool_args("europe-west4", zonal, compact, "c", "sa", {})
    assert (zonal_args.node_locations, zonal_args.location, zonal_args.regional) == (
        ["europe-west4-b"], "europe-west4-b", False)
    assert pool_args("europe-west4", cluster, pool, "c", "sa", {}).node_locations == []
