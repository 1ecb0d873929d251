"""GCP config: the `gcp:` keys parse with secure defaults; each bad combination has one exact message."""

import copy

import pytest

from infra.config.gcp import DriverVersion, LocationType, ReleaseChannel, ReservationAffinity
from infra.config.load import parse_stack_config
from tests.helpers import config_problems

VALID = {
    "environment": "prod",
    "tags": {"owner": "ml-platform", "cost-center": "cc-1"},
    # prod alerts must reach someone (infra/config/rules/observability.py).
    "observability": {"notify": {"webhook_url": "https://hooks.example.com/services/T0/B0/X"}},
    "gcp": {"project": "acme-ml-prod", "region": "us-central1"},
    "clusters": {
        "infer": {
            "cloud": "gcp",
            "gpu_pools": {
                "l4": {"accelerator": "nvidia-l4", "max_nodes": 4, "capacity": "spot"},
                "a100": {"accelerator": "nvidia-a100-80gb", "max_nodes": 2},
            },
        }
    },
    "buckets": {"models": {"cloud": "gcp"}},
}
POOL = "clusters.infer.gpu_pools"


def change(**paths) -> dict:
    """A deep copy of VALID with values set at dotted paths (`__` stands for `.`)."""
    config = copy.deepcopy(VALID)
    for dotted, value in paths.items():
        *parents, last = dotted.split("__")
        node = config
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return config


def problems(values: dict) -> list[str]:
    return config_problems(values, "prod")


def test_gcp_defaults_are_regional_private_and_conservative():
    config = parse_stack_config(VALID, "prod")
    cluster = config.clusters["infer"].gcp
    assert cluster.location is LocationType.REGIONAL and cluster.zone is None
    assert cluster.release_channel is ReleaseChannel.REGULAR
    assert cluster.master_authorized_networks == [] and cluster.kms_key is None
    assert cluster.kms_rotation_days == 90 and cluster.existing_network is None
    pool = config.clusters["infer"].gpu_pools["l4"].gcp
    assert pool.driver_version is DriverVersion.DEFAULT
    assert pool.gpu_sharing is None and pool.mig_partition_size is None and pool.compact_placement is False
    assert (pool.max_surge, pool.max_unavailable, pool.disk_type.value) == (1, 0, "pd-balanced")
    bucket = config.buckets["models"].gcp
    assert (bucket.encryption, bucket.soft_delete_days, bucket.workload_access) == ("google-managed", 7, {})


def test_every_gcp_option_parses():
    values = change(
        clusters__infer__gcp={"release_channel": "STABLE", "master_authorized_networks": ["10.100.0.0/16"],
                              "kms_key": "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k",
                              "existing_network": {"network": "n", "subnetwork": "s", "pods_range": "p",
                                                   "services_range": "v"}},
        clusters__infer__gpu_pools__a100__gcp={
            "mig_partition_size": "1g.10gb", "compact_placement": True, "zone": "us-central1-c",
            "reservation": {"affinity": "SPECIFIC_RESERVATION", "name": "a100-res", "zone": "us-central1-c",
                            "nodes": 1}},
        clusters__infer__gpu_pools__l4__gcp={"gpu_sharing": {"strategy": "MPS", "max_clients": 8}},
        buckets__models__gcp={"encryption": "cmek", "workload_access": {
            "serving": {"namespace": "inference", "service_account": "model-server", "access": "read-write"}}},
    )
    config = parse_stack_config(values, "prod")
    a100 = config.clusters["infer"].gpu_pools["a100"].gcp
    assert a100.reservation.affinity is ReservationAffinity.SPECIFIC
    assert config.buckets["models"].gcp.workload_access["serving"].access.value == "read-write"


def test_zonal_prod_cluster_is_refused():
    assert problems(change(clusters__infer__gcp={"location": "zonal"})) == [
        "clusters.infer.gcp.location: a prod cluster must be regional to survive a zone loss; zonal "
        "clusters are for dev and sandbox; set location: regional (got zonal)"]


def test_zonal_dev_cluster_is_allowed_in_its_region():
    values = change(environment="dev", clusters__infer__gcp={"location": "zonal", "zone": "us-central1-c"})
    assert parse_stack_config(values, "dev").clusters["infer"].gcp.zone == "us-central1-c"
    values = change(environment="dev", clusters__infer__gcp={"location": "zonal", "zone": "europe-west4-a"})
    assert problems(values) == ["clusters.infer.gcp.zone: must be a zone of region us-central1 (got europe-west4-a)"]
    assert problems(change(clusters__infer__gcp={"zone": "us-central1-c"})) == [
        "clusters.infer.gcp.zone: only applies to zonal clusters; remove it or set location: zonal"]


def test_authorized_network_open_to_the_internet_is_refused():
    values = change(clusters__infer__gcp={"master_authorized_networks": ["10.1.0.0/16", "0.0.0.0/0"]})
    assert problems(values) == [
        "clusters.infer.gcp.master_authorized_networks.1: 0.0.0.0/0 alone opens the Kubernetes API to "
        "3,702,258,688 public addresses (86% of the internet; more than a /8 counts as open to the world, like "
        "0.0.0.0/0); list only the office, VPN or CI ranges that need access (got 0.0.0.0/0)"]


def test_public_endpoint_open_to_the_internet_is_refused_on_gcp_too():
    values = change(clusters__infer__endpoint={"public_access_cidrs": ["0.0.0.0/0"]})
    assert problems(values)[0].startswith("clusters.infer.endpoint.public_access_cidrs.0: 0.0.0.0/0 alone opens")


def test_mig_on_an_accelerator_without_it_is_refused():
    values = change(clusters__infer__gpu_pools__l4__gcp={"mig_partition_size": "1g.10gb"})
    assert problems(values) == [
        f"{POOL}.l4.gcp.mig_partition_size: nvidia-l4 does not support MIG partitions; remove "
        "mig_partition_size or use an accelerator that does (got 1g.10gb)"]


def test_mig_size_the_accelerator_does_not_have_is_refused():
    values = change(clusters__infer__gpu_pools__a100__gcp={"mig_partition_size": "1g.5gb"})
    assert problems(values) == [
        f"{POOL}.a100.gcp.mig_partition_size: nvidia-a100-80gb supports MIG partitions 1g.10gb, "
        "2g.20gb, 3g.40gb, 7g.80gb; set one of those (got 1g.5gb)"]


def test_sharing_plus_mig_is_refused():
    values = change(clusters__infer__gpu_pools__a100__gcp={
        "mig_partition_size": "3g.40gb", "gpu_sharing": {"strategy": "TIME_SHARING", "max_clients": 2}})
    assert problems(values) == [
        f"{POOL}.a100.gcp.gpu_sharing: cannot be combined with mig_partition_size; use either GPU "
        "sharing or MIG partitions"]


def test_sharing_needs_a_sane_client_count():
    values = change(clusters__infer__gpu_pools__l4__gcp={"gpu_sharing": {"strategy": "MPS", "max_clients": 1}})
    assert problems(values) == [
        f"{POOL}.l4.gcp.gpu_sharing.max_clients: must be greater than or equal to 2 (got 1)"]


def test_reservation_name_goes_with_specific_affinity_only():
    # zone and nodes given: this test is about the name (the others: tests/infra/config/test_gpu_capacity.py).
    values = change(clusters__infer__gpu_pools__a100__gcp={"reservation": {
        "affinity": "SPECIFIC_RESERVATION", "zone": "us-central1-c", "nodes": 1}})
    assert problems(values) == [
        f"{POOL}.a100.gcp.reservation.name: required with affinity SPECIFIC_RESERVATION; name the reservation"]
    values = change(clusters__infer__gpu_pools__a100__gcp={"reservation": {"affinity": "NO_RESERVATION",
                                                                           "name": "r"}})
    assert problems(values) == [
        f"{POOL}.a100.gcp.reservation.name: only applies with affinity SPECIFIC_RESERVATION; remove it "
        "(got affinity NO_RESERVATION)"]


def test_pool_zone_only_for_compact_pools_in_the_region():
    assert problems(change(clusters__infer__gpu_pools__a100__gcp={"zone": "us-central1-a"})) == [
        f"{POOL}.a100.gcp.zone: only applies to compact_placement pools in regional clusters; remove it "
        "(zonal clusters place every pool in their zone)"]
    values = change(clusters__infer__gpu_pools__a100__gcp={"zone": "us-east1-b", "compact_placement": True})
    assert problems(values) == [f"{POOL}.a100.gcp.zone: must be a zone of region us-central1 (got us-east1-b)"]


def test_cluster_level_checks():
    values = change(clusters__infer__gcp={"master_cidr": "172.16.0.0/24",
                                          "system_pool": {"min_nodes": 3, "max_nodes": 2}})
    assert problems(values) == [
        "clusters.infer.gcp.master_cidr: must be a /28, the size GKE reserves for the control plane (got /24)",
        "clusters.infer.gcp.system_pool.max_nodes: must be >= min_nodes (got 2 < 3)"]


def test_aws_only_keys_on_a_gcp_cluster_are_refused():
    values = change(clusters__infer__network={"nat": "per-zone", "zones": 3}, clusters__infer__log_retention_days=30)
    assert problems(values) == [
        "clusters.infer.network.nat: has no effect on gcp (Cloud NAT is regional); remove it",
        "clusters.infer.network.zones: has no effect on gcp (GCP subnets are regional); remove it",
        "clusters.infer.log_retention_days: has no effect on gcp (GKE logs go to Cloud Logging, which "
        "sets retention); remove it"]


def test_gcp_keys_on_aws_resources_are_refused():
    # dev, so the prod-only AWS rules (three zones, NAT per zone, access logs) stay out of the way.
    values = change(environment="dev", aws={"region": "us-east-1"}, clusters__infer__cloud="aws",
                    clusters__infer__gcp={"release_channel": "STABLE"},
                    clusters__infer__gpu_pools__a100={"accelerator": "nvidia-a100-80gb", "gpus_per_node": 8,
                                                      "gcp": {"driver_version": "LATEST"}},
                    buckets__models={"cloud": "aws", "gcp": {"soft_delete_days": 30}})
    values["clusters"]["infer"]["gpu_pools"].pop("l4")
    values.pop("gcp")
    assert problems(values) == [
        "clusters.infer.gcp: only applies to gcp clusters; remove it or set cloud: gcp (got aws)",
        f"{POOL}.a100.gcp: only applies to pools of gcp clusters; remove it (the cluster is on aws)",
        "buckets.models.gcp: only applies to gcp buckets; remove it or set cloud: gcp (got aws)"]


def test_bucket_checks():
    values = change(buckets__models__gcp={"kms_key": "projects/p/locations/us/keyRings/r/cryptoKeys/k",
                                          "soft_delete_days": 3})
    assert problems(values) == [
        "buckets.models.gcp.kms_key: only applies with encryption: cmek; set it or remove kms_key",
        "buckets.models.gcp.soft_delete_days: must be 0 (off) or 7 to 90 days, as GCS allows (got 3)"]


def test_bad_workload_grant_names_its_field():
    values = change(buckets__models__gcp={"workload_access": {"serving": {
        "namespace": "inference", "service_account": "model-server", "access": "admin"}}})
    assert problems(values) == [
        "buckets.models.gcp.workload_access.serving.access: must be 'read' or 'read-write' (got 'admin')"]


def test_unknown_gcp_key_suggests_the_close_one():
    values = change(clusters__infer__gpu_pools__l4__gcp={"mig_partition": "1g.10gb"})
    assert problems(values) == [
        f"{POOL}.l4.gcp.mig_partition: unknown key; did you mean 'mig_partition_size'? allowed keys: "
        "driver_version, gpu_sharing, mig_partition_size, reservation, provisioning, compact_placement, zone, "
        "max_surge, max_unavailable, disk_type"]


def test_node_service_account_is_an_existing_account_email():
    email = "acme-ml-prod-nodes@acme-ml-prod.iam.gserviceaccount.com"
    config = parse_stack_config(change(clusters__infer__gcp={"node_service_account": email}), "prod")
    assert config.clusters["infer"].gcp.node_service_account == email
    assert parse_stack_config(copy.deepcopy(VALID), "prod").clusters["infer"].gcp.node_service_account is None


@pytest.mark.parametrize("bad", ["acme-ml-prod-nodes", "nodes@acme-ml-prod.iam.gserviceaccount.com",
                                 "acme-ml-prod-nodes@acme-ml-prod.gserviceaccount.com",
                                 "123456789-compute@developer.gserviceaccount.com"])
def test_a_node_service_account_that_is_not_an_account_email_is_refused(bad):
    assert problems(change(clusters__infer__gcp={"node_service_account": bad})) == [
        "clusters.infer.gcp.node_service_account: must be a service account email, "
        "<id>@<project>.iam.gserviceaccount.com, like the bootstrap output gcp_node_service_accounts "
        f"(got {bad!r})"]


def test_metrics_reader_service_account_is_an_existing_account_email():
    email = "acme-ml-prod-metrics@acme-ml-prod.iam.gserviceaccount.com"
    config = parse_stack_config(change(clusters__infer__gcp={"metrics_reader_service_account": email}), "prod")
    assert config.clusters["infer"].gcp.metrics_reader_service_account == email


def test_a_metrics_reader_that_is_not_an_account_email_is_refused():
    assert problems(change(clusters__infer__gcp={"metrics_reader_service_account": "metrics-reader"})) == [
        "clusters.infer.gcp.metrics_reader_service_account: must be a service account email, "
        "<id>@<project>.iam.gserviceaccount.com, like the bootstrap output gcp_metrics_reader_service_accounts "
        "(got 'metrics-reader')"]


def test_alert_email_from_gke_needs_an_smtp_relay():
    mail = {"notify": {"emails": ["oncall@acme-ml.example.com"]}}
    assert problems(change(observability=mail)) == [
        "gcp.alert_smtp: required to mail observability.notify.emails from GKE clusters (infer): their managed "
        "Alertmanager sends mail itself; set {smarthost: host:port, sender: alerts@...} of a relay that admits "
        "the clusters' NAT address, or notify by webhook_url only"]
    relay = {"smarthost": "smtp-relay.gmail.com:587", "sender": "alerts@acme-ml.example.com"}
    config = parse_stack_config(change(observability=mail, gcp__alert_smtp=relay), "prod")
    assert config.gcp.alert_smtp.smarthost == "smtp-relay.gmail.com:587"
    # Observability off: no mail is sent, so no relay is needed.
    parse_stack_config(change(observability={**mail, "enabled": False}), "prod")


def test_an_smtp_relay_without_a_port_is_refused():
    relay = {"smarthost": "smtp-relay.gmail.com", "sender": "alerts@acme-ml.example.com"}
    [problem] = problems(change(gcp__alert_smtp=relay))
    assert problem.startswith("gcp.alert_smtp.smarthost:")


def test_a100_80gb_in_southamerica_east1_is_exit_2_naming_where_it_is_sold():
    from infra.catalog.gpu_availability import SKYPILOT_GCP

    values = change(gcp__region="southamerica-east1")
    assert problems(values) == [
        f"{POOL}.a100.accelerator: nvidia-a100-80gb (a2-ultragpu-1g) is not sold in southamerica-east1; it is "
        "sold in asia-southeast1, europe-west4, us-central1, us-east4, us-east5 "
        f"(source: {SKYPILOT_GCP}); pick another accelerator or region"]


def test_a_named_zone_that_does_not_offer_the_machine_is_refused():
    values = change(clusters__infer__gpu_pools__a100__gcp={"compact_placement": True, "zone": "us-central1-b"})
    [problem] = problems(values)
    assert problem.startswith(f"{POOL}.a100.gcp.zone: a2-ultragpu-1g is not offered in zone us-central1-b; "
                              "in us-central1 it is offered in us-central1-a, us-central1-c (source: ")
