"""Reserved capacity, DWS provisioning and spot training pools: bad input refused by path, good input composed."""

import copy

from infra.compose.gcp import pool_args
from infra.config.load import parse_stack_config
from tests.helpers import config_problems

AWS = {
    "environment": "dev",
    "tags": {"owner": "ml", "cost-center": "cc-1"},
    "aws": {"region": "us-east-1"},
    "clusters": {"train": {"cloud": "aws", "network": {"zones": 3}, "gpu_pools": {
        "h100": {"accelerator": "nvidia-h100-80gb", "gpus_per_node": 8, "max_nodes": 4,
                 "aws": {"efa": True, "capacity_reservation_id": "cr-0a1b2c3d4e5f60718", "zone": "us-east-1b",
                         "reserved_nodes": 4}},
    }}},
    "buckets": {"ckpt": {"cloud": "aws"}},
}
GCP = {
    "environment": "dev",
    "tags": {"owner": "ml", "cost-center": "cc-1"},
    "gcp": {"project": "acme-ml-dev", "region": "us-central1"},
    "clusters": {"infer": {"cloud": "gcp", "gpu_pools": {
        "a100": {"accelerator": "nvidia-a100-80gb", "max_nodes": 2,
                 "gcp": {"reservation": {"affinity": "SPECIFIC_RESERVATION", "name": "a100-res",
                                         "zone": "us-central1-c", "nodes": 2}}},
        "flex": {"accelerator": "nvidia-h100-80gb", "gpus_per_node": 8, "max_nodes": 2,
                 "gcp": {"provisioning": "queued-provisioning"}},
    }}},
}


def pool_set(base, cluster, pool, **fields):
    values = copy.deepcopy(base)
    target = values["clusters"][cluster]["gpu_pools"][pool]
    for key, value in fields.items():
        *parents, last = key.split("__")
        node = target
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return values


problems = config_problems


def test_good_reservations_and_dws_pools_parse():
    parse_stack_config(AWS, "dev")
    parse_stack_config(GCP, "dev")


def test_a_reservation_in_a_zone_the_pool_does_not_use_is_refused():
    assert problems(pool_set(AWS, "train", "h100", aws__zone="us-east-1d")) == [
        "clusters.train.gpu_pools.h100.aws.zone: us-east-1d is not a zone this cluster's nodes use (us-east-1a, "
        "us-east-1b, us-east-1c); a reservation there cannot serve the pool; use a zone of the cluster or widen "
        "network.zones"]
    zonal = copy.deepcopy(GCP)
    zonal["clusters"]["infer"]["gcp"] = {"location": "zonal", "zone": "us-central1-a"}
    assert problems(zonal) == [
        "clusters.infer.gpu_pools.a100.gcp.reservation.zone: us-central1-c is not the zone the pool uses "
        "(us-central1-a); the reservation cannot serve it; use the reservation's zone for the pool"]


def test_a_reservation_needs_its_zone_and_size():
    values = pool_set(AWS, "train", "h100", aws__zone=None, aws__reserved_nodes=0)
    del values["clusters"]["train"]["gpu_pools"]["h100"]["aws"]["zone"]
    assert problems(values) == [
        "clusters.train.gpu_pools.h100.aws.zone: required with capacity_reservation_id: a reservation is zonal, so "
        "name its availability zone and the pool runs there (the cluster's zones: us-east-1a, us-east-1b, us-east-1c)",
        "clusters.train.gpu_pools.h100.aws.reserved_nodes: required with capacity_reservation_id: the instances the "
        "reservation holds, which are billed whether nodes run in them or not (got 0)"]
    values = pool_set(GCP, "infer", "a100", gcp__reservation={"affinity": "SPECIFIC_RESERVATION", "name": "r"})
    assert problems(values) == [
        "clusters.infer.gpu_pools.a100.gcp.reservation.zone: required with SPECIFIC_RESERVATION: reservations are "
        "zonal, so name the reservation's zone and the pool runs there",
        "clusters.infer.gpu_pools.a100.gcp.reservation.nodes: required with SPECIFIC_RESERVATION: the machines the "
        "reservation holds, billed whether nodes run on them or not (got 0)"]


def test_more_reserved_than_the_pool_can_use_is_refused():
    assert problems(pool_set(AWS, "train", "h100", aws__reserved_nodes=6)) == [
        "clusters.train.gpu_pools.h100.aws.reserved_nodes: the pool can use at most max_nodes 4 of the 6 reserved "
        "instances, and the rest are billed idle; raise max_nodes"]


def test_efa_on_a_shape_without_it_is_refused():
    values = copy.deepcopy(AWS)
    values["clusters"]["train"]["gpu_pools"]["l4"] = {"accelerator": "nvidia-l4", "aws": {"efa": True}}
    assert problems(values) == [
        "clusters.train.gpu_pools.l4.aws.efa: g6.xlarge (nvidia-l4 x1) has no EFA, so EFA cannot be used; pick a "
        "gpus_per_node whose machine has EFA or remove the key"]


def test_dws_pools_take_no_spot_no_reservation_and_no_minimum():
    values = pool_set(GCP, "infer", "flex", capacity="spot", min_nodes=1,
                      gcp__reservation={"affinity": "ANY_RESERVATION"})
    assert problems(values) == [
        "clusters.infer.gpu_pools.flex.gcp.provisioning: queued-provisioning is its own way of buying machines, not "
        "spot; set capacity: on-demand or provisioning: standard",
        "clusters.infer.gpu_pools.flex.gcp.reservation: a queued-provisioning pool consumes no reservation; remove "
        "reservation or set provisioning: standard",
        "clusters.infer.gpu_pools.flex.min_nodes: a queued-provisioning pool gets nodes only when a job asks for "
        "them; set min_nodes: 0 (got 1)"]


def test_a_training_pool_on_spot_needs_a_checkpoint_bucket_of_its_cloud():
    values = copy.deepcopy(AWS)
    values["clusters"]["train"]["gpu_pools"]["l4"] = {"accelerator": "nvidia-l4", "capacity": "spot",
                                                      "labels": {"workload": "training"}}
    assert problems(values) == [
        "clusters.train.gpu_pools.l4.checkpoints: required for a training pool on spot: an interruption ends its "
        "jobs, which must resume from checkpoints; name a bucket of this stack, or use capacity: on-demand"]
    values["clusters"]["train"]["gpu_pools"]["l4"]["checkpoints"] = "models"
    assert problems(values) == [
        "clusters.train.gpu_pools.l4.checkpoints: no aws bucket 'models' in this stack; aws buckets: ckpt"]
    values["clusters"]["train"]["gpu_pools"]["l4"]["checkpoints"] = "ckpt"
    parse_stack_config(values, "dev")


def test_gke_pools_follow_the_reservation_zone_and_use_dws():
    config = parse_stack_config(GCP, "dev")
    cluster = config.clusters["infer"]
    reserved = pool_args("us-central1", cluster, cluster.gpu_pools["a100"], "c", "sa", {})
    assert (reserved.node_locations, reserved.reservation, reserved.reservation_name, reserved.reserved_nodes) == (
        ["us-central1-c"], "SPECIFIC_RESERVATION", "a100-res", 2)
    flex = pool_args("us-central1", cluster, cluster.gpu_pools["flex"], "c", "sa", {})
    assert (flex.flex_start, flex.queued_provisioning, flex.reservation) == (True, True, "NO_RESERVATION")


def test_a_checkpoint_bucket_is_named_on_the_nodes():
    values = copy.deepcopy(GCP)
    values["buckets"] = {"ckpt": {"cloud": "gcp"}}
    values["clusters"]["infer"]["gpu_pools"]["l4"] = {"accelerator": "nvidia-l4", "capacity": "spot",
                                                      "labels": {"workload": "training"}, "checkpoints": "ckpt"}
    config = parse_stack_config(values, "dev")
    cluster = config.clusters["infer"]
    args = pool_args("us-central1", cluster, cluster.gpu_pools["l4"], "c", "sa", {}, checkpoint_bucket="p-dev-ckpt")
    assert args.node_labels == {"workload": "training", "mlinfra.io/checkpoints": "p-dev-ckpt"}
