"""AWS-only config: the `aws:` sub-keys parse with secure defaults; bad combinations are refused by path."""

import copy

from infra.catalog.accelerators import Accelerator, Cloud, offers_for
from infra.catalog.gpu_availability import AVAILABILITY, availability, not_sold_in
from infra.config.aws import BucketAccess, ClusterAccess, EksAddon
from infra.config.load import parse_stack_config
from tests.helpers import config_problems

BASE = {
    "environment": "dev",
    "tags": {"owner": "ml", "cost-center": "cc-1"},
    # Where alerts go: required once a test makes this a prod stack (infra/config/rules/observability.py).
    "observability": {"notify": {"emails": ["oncall@example.com"]}},
    "aws": {"region": "us-east-1"},
    "clusters": {"train": {"cloud": "aws", "gpu_pools": {
        "h100": {"accelerator": "nvidia-h100-80gb", "gpus_per_node": 8, "max_nodes": 2},
        "l4": {"accelerator": "nvidia-l4", "capacity": "spot", "max_nodes": 4},
    }}},
    "buckets": {"datasets": {"cloud": "aws"}, "logs": {"cloud": "aws", "aws": {"log_target": True}}},
}


def config(**changes):
    """BASE with dotted-path keys set, e.g. `clusters.train.aws={...}`."""
    values = copy.deepcopy(BASE)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = values
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return values


problems = config_problems


def test_defaults_are_the_secure_ones():
    parsed = parse_stack_config(BASE, "dev")
    cluster = parsed.clusters["train"].aws
    assert cluster.deletion_protection is None  # decided by environment: on in prod
    assert cluster.access_entries == {} and cluster.addon_versions == {}
    assert cluster.system_pool.min_nodes == 2 and cluster.system_pool.instance_type == "m7i.large"
    assert cluster.cluster_autoscaler is True and cluster.gpu_addons is True
    assert cluster.interface_endpoints is False and cluster.flow_log_retention_days == 90
    pool = parsed.clusters["train"].gpu_pools["h100"].aws
    assert pool.efa is False and pool.node_repair is True and pool.on_demand_fallback_max_nodes == 0
    bucket = parsed.buckets["datasets"].aws
    assert bucket.access_logs_to is None and bucket.replication is None and bucket.log_target is False


def test_full_aws_options_parse():
    values = config(clusters__train__aws={
        "access_entries": {"platform": {"principal_arn": "arn:aws:iam::123456789012:role/platform",
                                        "access": "admin"},
                           "auditors": {"principal_arn": "arn:aws:iam::123456789012:role/audit"}},
        "addon_versions": {"vpc-cni": "v1.19.5-eksbuild.1"},
        "workload_access": {"trainer": {"namespace": "ml", "service_account": "trainer",
                                        "buckets": {"datasets": "read"}}},
    })
    values["clusters"]["train"]["gpu_pools"]["h100"]["aws"] = {"efa": True,
                                                              "capacity_block_id": "cr-0123456789abcdef0",
                                                              "zone": "us-east-1a", "reserved_nodes": 2}
    parsed = parse_stack_config(values, "dev").clusters["train"]
    assert parsed.aws.access_entries["platform"].access is ClusterAccess.ADMIN
    assert parsed.aws.access_entries["auditors"].access is ClusterAccess.READ_ONLY
    assert parsed.aws.addon_versions == {EksAddon.VPC_CNI: "v1.19.5-eksbuild.1"}
    assert parsed.aws.workload_access["trainer"].buckets == {"datasets": BucketAccess.READ}
    assert parsed.gpu_pools["h100"].aws.efa is True


def test_unknown_aws_key_is_an_error():
    assert problems(config(clusters__train__aws={"efa": True})) == [
        "clusters.train.aws.efa: unknown key; allowed keys: access_entries, addon_versions, "
        "deletion_protection, secrets_kms_key_arn, system_pool, existing_network, "
        "interface_endpoints, flow_log_retention_days, cluster_autoscaler, gpu_addons, workload_access, "
        "gateway_logs_to"]


def pool_problems(pool: str, **aws):
    values = config()
    values["clusters"]["train"]["gpu_pools"][pool]["aws"] = aws
    return problems(values)


def test_efa_on_a_machine_without_it_is_refused():
    assert pool_problems("l4", efa=True) == [
        "clusters.train.gpu_pools.l4.aws.efa: g6.xlarge (nvidia-l4 x1) has no EFA, so EFA cannot be "
        "used; pick a gpus_per_node whose machine has EFA or remove the key"]


def test_placement_group_on_a_machine_without_efa_is_refused():
    assert pool_problems("l4", placement_group=True) == [
        "clusters.train.gpu_pools.l4.aws.placement_group: g6.xlarge (nvidia-l4 x1) has no EFA, so a "
        "cluster placement group cannot be used; pick a gpus_per_node whose machine has EFA or "
        "remove the key"]


# A reservation names its zone and size (infra/config/rules/gpu_capacity.py): given, so each test sees its own rule.
RESERVED = {"zone": "us-east-1a", "reserved_nodes": 1}


def test_spot_with_a_capacity_block_is_refused():
    assert pool_problems("l4", capacity_block_id="cr-0123456789abcdef0", **RESERVED) == [
        "clusters.train.gpu_pools.l4.aws.capacity_block_id: a capacity block is reserved capacity, "
        "never spot; set capacity: on-demand or remove capacity_block_id (got capacity: spot)"]


def test_spot_with_a_capacity_reservation_is_refused():
    assert pool_problems("l4", capacity_reservation_id="cr-0123456789abcdef0", **RESERVED) == [
        "clusters.train.gpu_pools.l4.aws.capacity_reservation_id: a capacity reservation is on-demand "
        "capacity; set capacity: on-demand or remove capacity_reservation_id (got capacity: spot)"]


def test_reservation_and_block_together_are_refused():
    assert pool_problems("h100", capacity_reservation_id="cr-0123456789abcdef0",
                         capacity_block_id="cr-0123456789abcdef1", **RESERVED) == [
        "clusters.train.gpu_pools.h100.aws.capacity_reservation_id: a pool targets either a capacity "
        "reservation or a capacity block; remove one"]


def test_on_demand_fallback_needs_a_spot_pool():
    assert pool_problems("h100", on_demand_fallback_max_nodes=2) == [
        "clusters.train.gpu_pools.h100.aws.on_demand_fallback_max_nodes: only a spot pool falls back "
        "to on-demand; set capacity: spot or remove on_demand_fallback_max_nodes (got capacity: on-demand)"]


def test_bad_reservation_id_is_refused_by_shape():
    [problem] = pool_problems("h100", capacity_block_id="block-1")
    assert problem.startswith("clusters.train.gpu_pools.h100.aws.capacity_block_id: not a valid value")


def test_accelerator_not_sold_in_the_region_is_refused():
    values = config(aws={"region": "eu-west-1"})
    values["clusters"]["train"]["gpu_pools"]["h100"].update(accelerator="nvidia-a100-80gb")
    source = AVAILABILITY[(Cloud.AWS, "p4de.24xlarge")].source
    assert problems(values) == [
        "clusters.train.gpu_pools.h100.accelerator: nvidia-a100-80gb (p4de.24xlarge) is not sold in "
        "eu-west-1; it is sold in ap-northeast-1, ap-southeast-1, eu-central-1, us-east-1, us-west-2 "
        f"(source: {source}); pick another accelerator or region"]


def test_h200_in_us_west_1_is_sold_there_so_it_is_not_refused():
    # The example: p5en.48xlarge is offered (and priced) in us-west-1 (SkyPilot's AWS catalog), so a
    # refusal would be wrong; a region its complete listing does not name is refused.
    values = config(aws={"region": "us-west-1"})
    values["clusters"]["train"]["gpu_pools"]["h100"].update(accelerator="nvidia-h200")
    parse_stack_config(values, "dev")  # no ConfigError
    [p5en] = offers_for(Cloud.AWS, Accelerator.H200)
    assert "us-west-1" in availability(p5en).regions and availability(p5en).complete
    assert not_sold_in(p5en, "us-west-1") is None
    assert not_sold_in(p5en, "eu-west-1").startswith("nvidia-h200 (p5en.48xlarge) is not sold in eu-west-1; it is "
                                                     "sold in ap-northeast-1, ap-northeast-2, ap-south-1, ")


def test_a_region_the_listing_does_not_cover_is_never_refused():
    # SkyPilot's AWS catalog has no sa-east-1 row for any instance type: its silence there is no evidence that
    # p5en.48xlarge is not sold there, so the config is accepted (and the pool, with no sa-east-1 price, is unpriced).
    [p5en] = offers_for(Cloud.AWS, Accelerator.H200)
    assert "sa-east-1" not in availability(p5en).covers and "eu-west-1" in availability(p5en).covers
    assert not_sold_in(p5en, "sa-east-1") is None
    values = config(aws={"region": "sa-east-1"})
    values["clusters"]["train"]["gpu_pools"]["h100"].update(accelerator="nvidia-h200")
    parse_stack_config(values, "dev")  # no ConfigError


def test_region_table_is_plain_data():
    [p4de] = offers_for(Cloud.AWS, Accelerator.A100_80GB)
    assert availability(p4de).regions == ("ap-northeast-1", "ap-southeast-1", "eu-central-1", "us-east-1", "us-west-2")
    assert not_sold_in(p4de, "us-west-2") is None and not_sold_in(p4de, "eu-west-1")
    # A partial listing (only part of g6.xlarge's rows were read) never refuses a region it does not name;
    # a machine with no listing at all neither.
    [l4] = [o for o in offers_for(Cloud.AWS, Accelerator.L4) if o.gpus == 1]
    assert not availability(l4).complete and not_sold_in(l4, "ap-east-1") is None
    [a10g] = [o for o in offers_for(Cloud.AWS, Accelerator.A10G) if o.gpus == 1]
    assert availability(a10g) is None and not_sold_in(a10g, "eu-west-1") is None


def test_every_problem_is_reported_together():
    values = config(clusters__train__aws={"system_pool": {"min_nodes": 3, "max_nodes": 2},
                                          "workload_access": {"x": {"namespace": "ml",
                                                                    "service_account": "x",
                                                                    "buckets": {"models": "read"}}}})
    values["clusters"]["train"]["gpu_pools"]["l4"]["aws"] = {"efa": True}
    values["clusters"]["train"]["gpu_pools"]["l4"]["min_nodes"] = 5
    assert problems(values) == [
        "clusters.train.gpu_pools.l4.max_nodes: must be >= min_nodes (got 4 < 5)",
        "clusters.train.aws.system_pool.max_nodes: must be >= min_nodes (got 2 < 3)",
        "clusters.train.aws.workload_access.x.buckets.models: no aws bucket of that name in this "
        "stack; aws buckets: datasets, logs",
        "clusters.train.gpu_pools.l4.aws.efa: g6.xlarge (nvidia-l4 x1) has no EFA, so EFA cannot be "
        "used; pick a gpus_per_node whose machine has EFA or remove the key",
    ]


def test_existing_network_needs_two_zones():
    values = config(clusters__train__aws={"existing_network": {
        "vpc_id": "vpc-0123456789abcdef0", "private_subnet_ids": {"us-east-1a": "subnet-0123456789abcdef0"}}})
    assert problems(values) == [
        "clusters.train.aws.existing_network.private_subnet_ids: EKS needs subnets in at least 2 "
        "zones; list one per zone (got 1)"]


def test_access_logs_must_go_to_a_log_target():
    assert problems(config(buckets__datasets__aws={"access_logs_to": "datasets"})) == [
        "buckets.datasets.aws.access_logs_to: a bucket cannot receive its own access logs; name a log bucket"]
    assert problems(config(buckets__logs__aws={"access_logs_to": "datasets"})) == [
        "buckets.logs.aws.access_logs_to: must name an aws bucket of this stack with "
        "`aws.log_target: true` (got 'datasets')"]


PROD_NETWORK = {"zones": 3, "nat": "per-zone"}


def test_prod_clusters_need_three_zones_and_a_nat_per_zone():
    assert problems(config(environment="prod", buckets={})) == [
        "clusters.train.network.zones: prod needs at least 3 zones to survive losing one; set zones: 3 (got 2)",
        "clusters.train.network.nat: prod needs a NAT gateway per zone; set nat: per-zone (got single)"]
    parse_stack_config(config(environment="prod", buckets={}, clusters__train__network=PROD_NETWORK), "prod")


def test_prod_buckets_need_access_logs():
    assert problems(config(environment="prod", clusters__train__network=PROD_NETWORK)) == [
        "buckets.datasets.aws.access_logs_to: required in prod: access logs go to a bucket with "
        "`aws.log_target: true`"]
    parse_stack_config(config(environment="prod", clusters__train__network=PROD_NETWORK,
                              buckets__datasets__aws={"access_logs_to": "logs"}), "prod")


def test_log_target_cannot_use_kms_and_replication_needs_versioning():
    values = config(buckets__logs__aws={"log_target": True,
                                        "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/k1"})
    values["buckets"]["datasets"].update(versioning=False, aws={"replication": {
        "destination_bucket_arn": "arn:aws:s3:::acme-dr-datasets",
        "destination_kms_key_arn": "arn:aws:kms:us-west-2:123456789012:key/k2"}})
    assert problems(values) == [
        "buckets.datasets.aws.replication: replication needs versioning; set versioning: true or "
        "remove replication",
        "buckets.logs.aws.kms_key_arn: S3 cannot deliver access logs to a KMS-encrypted bucket, so a "
        "log target uses SSE-S3; remove kms_key_arn"]


def test_a_cluster_admits_only_its_own_environments_deploy_role():
    own = "arn:aws:iam::123456789012:role/acme-github-deploy-dev"
    parse_stack_config(config(clusters__train__aws={"access_entries": {"ci": {"principal_arn": own}}}), "dev")
    assert problems(config(clusters__train__aws={"access_entries": {
        "ci": {"principal_arn": "arn:aws:iam::123456789012:role/acme-github-deploy-prod", "access": "admin"}}})) == [
        "clusters.train.aws.access_entries.ci.principal_arn: names prod's deploy role in a dev stack: each "
        "environment's clusters admit only its own deploy role; use acme-github-deploy-dev (bootstrap output "
        "aws_deploy_<environment>_role_arn)"]
