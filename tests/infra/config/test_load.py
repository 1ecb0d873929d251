"""Typed stack config: each class of bad config gives one exact, path-named message."""

import pytest

from infra.catalog.accelerators import Accelerator, Cloud
from infra.config.load import ConfigError, parse_stack_config
from infra.config.stack import CapacityType, Environment, NatMode
from tests.helpers import DELETE, changed, config_problems

VALID = {
    "environment": "dev",
    "tags": {"owner": "ml-platform", "cost-center": "cc-1"},
    "aws": {"region": "us-east-1"},
    "clusters": {
        "train": {
            "cloud": "aws",
            "gpu_pools": {"h100": {"accelerator": "nvidia-h100-80gb", "gpus_per_node": 8,
                                   "min_nodes": 0, "max_nodes": 2}},
        }
    },
    "buckets": {"datasets": {"cloud": "aws"}},
}


def with_change(path: str, value) -> dict:
    """A deep copy of VALID with one value replaced (or removed when value is ...)."""
    return changed(VALID, path, DELETE if value is ... else value)


problems = config_problems


def test_valid_config_parses_with_typed_values_and_defaults():
    config = parse_stack_config(VALID, "dev")
    pool = config.clusters["train"].gpu_pools["h100"]
    assert config.environment is Environment.DEV
    assert config.clusters["train"].cloud is Cloud.AWS
    assert pool.accelerator is Accelerator.H100_80GB
    assert pool.capacity is CapacityType.ON_DEMAND and pool.disk_gib == 200
    assert config.clusters["train"].network.nat is NatMode.SINGLE
    assert config.clusters["train"].kubernetes_version == "1.35"
    assert config.buckets["datasets"].versioning is True


def test_scalars_arrive_as_strings_from_pulumi_and_are_coerced():
    values = with_change("clusters.train.gpu_pools.h100.max_nodes", "3")
    assert parse_stack_config(values, "dev").clusters["train"].gpu_pools["h100"].max_nodes == 3


def test_wrong_type_names_the_field():
    assert problems(with_change("clusters.train.gpu_pools.h100.min_nodes", "two")) == [
        "clusters.train.gpu_pools.h100.min_nodes: must be a valid integer, unable to parse "
        "string as an integer (got 'two')"]


def test_unknown_key_suggests_the_close_one():
    values = with_change("clusters.train.gpu_pool", {})
    assert problems(values) == [
        "clusters.train.gpu_pool: unknown key; did you mean 'gpu_pools'? allowed keys: cloud, "
        "kubernetes_version, network, endpoint, log_retention_days, gpu_pools, gateways, runners, gcp, aws"]


def test_unknown_top_level_key_is_an_error():
    values = dict(VALID, cluster={})
    assert problems(values) == [
        "cluster: unknown key; did you mean 'clusters'? allowed keys: environment, tags, "
        "name_prefix, aws, gcp, clusters, buckets, datasets, budget_per_hour, sandbox, github_app, observability, "
        "teams"]


def test_min_greater_than_max():
    values = with_change("clusters.train.gpu_pools.h100.min_nodes", 3)
    assert problems(values) == [
        "clusters.train.gpu_pools.h100.max_nodes: must be >= min_nodes (got 2 < 3)"]


def test_unknown_accelerator_lists_the_choices():
    values = with_change("clusters.train.gpu_pools.h100.accelerator", "nvidia-b200")
    assert problems(values) == [
        "clusters.train.gpu_pools.h100.accelerator: must be 'nvidia-t4', 'nvidia-l4', "
        "'nvidia-a10g', 'nvidia-a100-40gb', 'nvidia-a100-80gb', 'nvidia-h100-80gb' or "
        "'nvidia-h200' (got 'nvidia-b200')"]


def test_accelerator_the_cloud_does_not_offer():
    values = with_change("clusters.train.gpu_pools.h100.accelerator", "nvidia-a10g")
    values["clusters"]["train"]["cloud"] = "gcp"
    values["gcp"] = {"project": "acme-ml-dev", "region": "us-central1"}
    assert problems(values) == [
        "clusters.train.gpu_pools.h100.accelerator: nvidia-a10g is not offered on gcp; gcp "
        "offers: nvidia-t4, nvidia-l4, nvidia-a100-40gb, nvidia-a100-80gb, nvidia-h100-80gb, "
        "nvidia-h200"]


def test_gpu_count_the_cloud_does_not_offer():
    values = with_change("clusters.train.gpu_pools.h100.gpus_per_node", 2)
    assert problems(values) == [
        "clusters.train.gpu_pools.h100.gpus_per_node: nvidia-h100-80gb on aws comes in nodes "
        "of 1 or 8 GPUs; set gpus_per_node to one of those (got 2)"]


def test_missing_required_key():
    assert problems(with_change("environment", ...)) == ["environment: required; add this key"]


def test_missing_cloud_settings():
    assert problems(with_change("aws", ...)) == [
        "aws: required because a cluster or bucket uses aws; add `mlinfra:aws: {region: ...}`"]


def test_public_endpoint_open_to_the_internet_is_refused():
    values = with_change("clusters.train.endpoint", {"public_access_cidrs": ["0.0.0.0/0"]})
    assert problems(values) == [
        "clusters.train.endpoint.public_access_cidrs.0: 0.0.0.0/0 alone opens the Kubernetes API to "
        "3,702,258,688 public addresses (86% of the internet; more than a /8 counts as open to the world, like "
        "0.0.0.0/0); list only the office, VPN or CI ranges that need access (got 0.0.0.0/0)"]


def test_bad_pool_name_is_refused_with_its_key_path():
    values = with_change("clusters.train.gpu_pools", {"H100": VALID["clusters"]["train"]["gpu_pools"]["h100"]})
    [problem] = problems(values)
    assert problem.startswith("clusters.train.gpu_pools.H100.[key]: not a valid value; string should match pattern")


def test_every_problem_is_reported_at_once():
    values = with_change("environment", "qa")
    values["clusters"]["train"]["cloud"] = "azure"
    values["tags"] = {"owner": "x"}
    assert problems(values) == [
        "environment: must be 'dev', 'staging', 'prod' or 'sandbox' (got 'qa')",
        "tags.cost-center: required; add this key",
        "clusters.train.cloud: must be 'aws' or 'gcp' (got 'azure')",
    ]


def test_error_message_lists_problems_under_a_headline():
    with pytest.raises(ConfigError) as err:
        parse_stack_config(with_change("environment", "qa"), "dev")
    assert str(err.value) == (
        "invalid config for stack 'dev' (1 problem):\n"
        "  - environment: must be 'dev', 'staging', 'prod' or 'sandbox' (got 'qa')")


SANDBOX_BASE = {
    "environment": "sandbox",
    "tags": {"owner": "a", "cost-center": "c"},
    "aws": {"region": "us-east-1"},
    "clusters": {"sandbox": {"cloud": "aws", "gpu_pools": {
        "gpu": {"accelerator": "nvidia-h100-80gb", "gpus_per_node": 8, "max_nodes": 2}}}},
}


def test_sandbox_section_rules_report_every_problem():
    from infra.config.load import ConfigError, parse_stack_config

    values = {**SANDBOX_BASE, "sandbox": {"budget_per_hour": 5, "max_ttl_hours": 4, "default_ttl_hours": 8,
                                          "cluster": "box"}}
    with pytest.raises(ConfigError) as err:
        parse_stack_config(values, "sandbox")
    assert err.value.problems == [
        ("sandbox.default_ttl_hours", "must be <= max_ttl_hours (got 8 > 4)"),
        ("sandbox.cluster", "no cluster named 'box' (clusters: sandbox)"),
        ("sandbox.gpu_cap", "GPU pools can reach 16 GPUs at peak, over the cap of 8; lower max_nodes or "
                            "gpus_per_node"),
    ]


def test_budget_must_be_positive_and_sandbox_keys_are_checked():
    from infra.config.load import ConfigError, parse_stack_config

    values = {**SANDBOX_BASE, "budget_per_hour": 0, "sandbox": {"budget_per_hour": 5, "ttl": 3}}
    with pytest.raises(ConfigError) as err:
        parse_stack_config(values, "sandbox")
    paths = [p for p, _ in err.value.problems]
    assert paths == ["budget_per_hour", "sandbox.ttl"]
    assert err.value.problems[1][1].startswith("unknown key; allowed keys: budget_per_hour, max_ttl_hours")


@pytest.mark.parametrize("expires_at", [0, -5, 253_402_300_800, 100000000000000000000])
def test_sandbox_expiry_outside_what_can_be_read_back_is_refused(expires_at):
    # 10**20 once passed here and crashed the pack's sandbox-expiry rule (exit 3), issue #18.
    from infra.config.load import ConfigError, parse_stack_config

    values = {**SANDBOX_BASE, "sandbox": {"budget_per_hour": 5, "expires_at": expires_at}}
    with pytest.raises(ConfigError) as err:
        parse_stack_config(values, "sandbox")
    assert err.value.problems == [
        ("sandbox.expires_at", "must be epoch seconds from 1 to 253402300799 (9999-12-31T23:59:59Z); set by "
                               f"`mlinfra sandbox create` and `extend`, not by hand (got {expires_at!r})")]


def test_sandbox_expiry_at_the_last_readable_second_is_accepted():
    from infra.config.load import parse_stack_config

    values = {**SANDBOX_BASE, "sandbox": {"budget_per_hour": 5, "gpu_cap": 16, "expires_at": 253_402_300_799}}
    assert parse_stack_config(values, "sandbox").sandbox.expires_at == 253_402_300_799
