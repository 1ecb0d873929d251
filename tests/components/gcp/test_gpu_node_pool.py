import pytest

from components.gcp.gpu_node_pool import (
    GkeGpuNodePool,
    GkeGpuNodePoolArgs,
    gpu_node_labels,
    guest_accelerator,
    reservation_affinity,
)
from components.gcp.node_config import autoscaling, initial_nodes, upgrade_settings
from components.gcp.taints import gke_gpu_taints

ARGS = dict(cluster_id="projects/p/locations/us-central1/clusters/c", location="us-central1",
            service_account="nodes@p.iam.gserviceaccount.com", machine_type="g2-standard-4",
            gke_accelerator="nvidia-l4", accelerator="nvidia-l4", gpus_per_node=1, max_nodes=4)


def pool_inputs(register, **changes):
    reg = register(lambda: GkeGpuNodePool("infer-l4", GkeGpuNodePoolArgs(**{**ARGS, **changes})))
    return reg.one("gcp:container/nodePool:NodePool", "infer-l4-pool")


def test_gke_taints_gpu_nodes_itself():
    assert gke_gpu_taints([{"type": "nvidia-l4", "count": 1}]) == [
        {"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}]
    assert gke_gpu_taints([]) == []


def test_labels_name_pool_accelerator_capacity_and_the_gke_taint():
    assert gpu_node_labels("l4", "nvidia-l4", True, {"team": "serving"}) == {
        "team": "serving", "mlinfra.io/pool": "l4", "mlinfra.io/accelerator": "nvidia-l4",
        "mlinfra.io/capacity-type": "spot", "mlinfra.io/gpu-taint": "added-by-gke"}


def test_guest_accelerator_sharing_and_mig_are_exclusive():
    assert guest_accelerator("nvidia-l4", 1, "LATEST", "MPS", 8, None) == {
        "type": "nvidia-l4", "count": 1, "gpu_driver_installation_config": {"gpu_driver_version": "LATEST"},
        "gpu_sharing_config": {"gpu_sharing_strategy": "MPS", "max_shared_clients_per_gpu": 8}}
    assert guest_accelerator("nvidia-a100-80gb", 1, "DEFAULT", None, None, "3g.40gb")["gpu_partition_size"] == "3g.40gb"
    with pytest.raises(ValueError, match="not both"):
        guest_accelerator("nvidia-a100-80gb", 1, "DEFAULT", "TIME_SHARING", 2, "3g.40gb")
    with pytest.raises(ValueError, match="got 1"):
        guest_accelerator("nvidia-l4", 1, "DEFAULT", "TIME_SHARING", 1, None)


def test_reservation_affinity_and_scaling_helpers():
    assert reservation_affinity("SPECIFIC_RESERVATION", "a100-res") == {
        "consume_reservation_type": "SPECIFIC_RESERVATION",
        "key": "compute.googleapis.com/reservation-name", "values": ["a100-res"]}
    with pytest.raises(ValueError):
        reservation_affinity("SPECIFIC_RESERVATION", None)
    assert autoscaling(0, 4, spot=True)["location_policy"] == "ANY"
    with pytest.raises(ValueError, match="got 3..2"):
        autoscaling(3, 2, spot=False)
    assert [initial_nodes(n, 3) for n in (0, 1, 3, 4)] == [0, 1, 1, 2]
    with pytest.raises(ValueError):
        upgrade_settings(0, 0)


def test_gpu_pool_secure_defaults(register):
    pool = pool_inputs(register)
    i = pool.inputs
    node = i["nodeConfig"]
    assert node["machineType"] == "g2-standard-4"
    assert node["guestAccelerators"] == [{"type": "nvidia-l4", "count": 1,
                                          "gpuDriverInstallationConfig": {"gpuDriverVersion": "DEFAULT"}}]
    assert node["imageType"] == "COS_CONTAINERD"
    assert node["shieldedInstanceConfig"] == {"enableSecureBoot": True, "enableIntegrityMonitoring": True}
    assert node["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}
    assert node["serviceAccount"] == "nodes@p.iam.gserviceaccount.com"
    assert node["metadata"] == {"disable-legacy-endpoints": "true"}
    assert node["diskSizeGb"] == 200 and node["diskType"] == "pd-balanced"
    assert node["reservationAffinity"] == {"consumeReservationType": "ANY_RESERVATION"}
    # No explicit GPU taint (GKE adds it); the label says so.
    assert "taints" not in node and node["labels"]["mlinfra.io/gpu-taint"] == "added-by-gke"
    assert "spot" not in node
    assert i["autoscaling"] == {"totalMinNodeCount": 0, "totalMaxNodeCount": 4, "locationPolicy": "BALANCED"}
    assert i["initialNodeCount"] == 0
    assert i["management"] == {"autoRepair": True, "autoUpgrade": True}
    assert i["upgradeSettings"] == {"strategy": "SURGE", "maxSurge": 1, "maxUnavailable": 0}
    assert "placementPolicy" not in i and "nodeLocations" not in i
    assert pool.options()["ignoreChanges"] == ["initialNodeCount", "nodeCount"]


def test_spot_pool_takes_capacity_from_any_zone(register):
    i = pool_inputs(register, spot=True, min_nodes=2).inputs
    assert i["nodeConfig"]["spot"] is True
    assert i["nodeConfig"]["labels"]["mlinfra.io/capacity-type"] == "spot"
    assert i["autoscaling"]["locationPolicy"] == "ANY"
    assert i["initialNodeCount"] == 1


def test_compact_mig_pool_with_reservation_surge_and_disk_options(register):
    i = pool_inputs(register, machine_type="a2-ultragpu-1g", gke_accelerator="nvidia-a100-80gb",
                    accelerator="nvidia-a100-80gb", mig_partition_size="3g.40gb", driver_version="LATEST",
                    compact_placement=True, node_locations=["us-central1-b"],
                    reservation="SPECIFIC_RESERVATION", reservation_name="a100-res",
                    max_surge=0, max_unavailable=1, disk_gib=500, disk_type="pd-ssd", min_nodes=2).inputs
    node = i["nodeConfig"]
    assert node["guestAccelerators"] == [{"type": "nvidia-a100-80gb", "count": 1, "gpuPartitionSize": "3g.40gb",
                                          "gpuDriverInstallationConfig": {"gpuDriverVersion": "LATEST"}}]
    assert i["placementPolicy"] == {"type": "COMPACT"} and i["nodeLocations"] == ["us-central1-b"]
    assert i["initialNodeCount"] == 2  # one zone
    assert node["reservationAffinity"] == {"consumeReservationType": "SPECIFIC_RESERVATION",
                                           "key": "compute.googleapis.com/reservation-name", "values": ["a100-res"]}
    assert i["upgradeSettings"] == {"strategy": "SURGE", "maxSurge": 0, "maxUnavailable": 1}
    assert (node["diskSizeGb"], node["diskType"]) == (500, "pd-ssd")


def test_time_shared_pool(register):
    node = pool_inputs(register, sharing_strategy="TIME_SHARING", max_shared_clients=4).inputs["nodeConfig"]
    assert node["guestAccelerators"][0]["gpuSharingConfig"] == {"gpuSharingStrategy": "TIME_SHARING",
                                                                "maxSharedClientsPerGpu": 4}


def test_compact_placement_needs_one_zone():
    with pytest.raises(ValueError, match="exactly one node location"):
        GkeGpuNodePool("p", GkeGpuNodePoolArgs(**ARGS, compact_placement=True))


def test_gpu_node_boot_disks_use_the_clusters_disk_key(register):
    key = "projects/p/locations/us-central1/keyRings/r/cryptoKeys/disks"
    assert pool_inputs(register, boot_disk_kms_key=key).inputs["nodeConfig"]["bootDiskKmsKey"] == key
    assert "bootDiskKmsKey" not in pool_inputs(register).inputs["nodeConfig"]
