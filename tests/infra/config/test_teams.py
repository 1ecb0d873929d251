"""The teams section: quotas a pool can supply, budgets turned into GPUs at the catalog price, bad input by path."""

import copy

from infra.config.load import parse_stack_config
from infra.config.team_quota import team_quotas
from tests.helpers import config_problems

BASE = {
    "environment": "dev",
    "tags": {"owner": "ml", "cost-center": "cc-1"},
    "aws": {"region": "us-east-1"},
    "clusters": {"train": {"cloud": "aws", "gpu_pools": {
        "h100": {"accelerator": "nvidia-h100-80gb", "gpus_per_node": 8, "max_nodes": 4},
        "l4": {"accelerator": "nvidia-l4", "capacity": "spot", "max_nodes": 4},
    }}},
    "teams": {"research": {"cluster": "train", "gpus": {"h100": 16}},
              "applied": {"cluster": "train", "gpu_budget_per_month": {"h100": 60000}}},
}


def with_teams(**teams):
    values = copy.deepcopy(BASE)
    values["teams"] = teams
    return values


problems = config_problems


def test_a_budget_becomes_whole_gpus_at_the_catalog_price_with_the_arithmetic():
    config = parse_stack_config(BASE, "dev")
    quota = team_quotas(config, "applied")["h100"]
    # p5.48xlarge: $55.04/h for 8 H100s = $6.88/GPU-h; 60000 / (730 x 6.88) = 11.946...
    assert quota.gpus == 11
    assert quota.derivation == (
        "$60,000.00/month / (730 h x $6.8800/GPU-h) = 11.95 -> 11 GPUs; price: p5.48xlarge on-demand $55.04/h / "
        "8 GPUs (AWS EC2 on-demand price list, us-east-1, Linux (via the AWS Pricing API), 2026-01, list)")
    assert team_quotas(config, "research")["h100"].gpus == 16
    assert team_quotas(config, "research")["h100"].derivation is None


def test_a_quota_above_what_the_pool_can_ever_supply_is_refused_naming_the_field():
    assert problems(with_teams(research={"cluster": "train", "gpus": {"h100": 40}})) == [
        "teams.research.gpus.h100: 40 GPUs is more than pool h100 can ever supply (max_nodes 4 x 8 GPUs = 32); "
        "lower the quota or raise the pool's max_nodes"]


def test_a_budget_that_buys_more_than_the_pool_is_refused_with_its_derivation():
    found = problems(with_teams(rich={"cluster": "train", "gpu_budget_per_month": {"h100": 200000}}))
    assert found == [
        "teams.rich.gpu_budget_per_month.h100: 39 GPUs (derived: $200,000.00/month / (730 h x $6.8800/GPU-h) = "
        "39.82 -> 39 GPUs; price: p5.48xlarge on-demand $55.04/h / 8 GPUs (AWS EC2 on-demand price list, us-east-1, "
        "Linux (via the AWS Pricing API), 2026-01, list)) is more than pool h100 can ever supply (max_nodes 4 x 8 "
        "GPUs = 32); lower the quota or raise the pool's max_nodes"]


def test_a_budget_on_a_shape_with_no_price_is_refused():
    # The catalog has no spot price for AWS machines, so a spot pool's budget buys an unknown number of GPUs.
    assert problems(with_teams(inference={"cluster": "train", "gpu_budget_per_month": {"l4": 1000}})) == [
        "teams.inference.gpu_budget_per_month.l4: the catalog has no spot price for nvidia-l4 x1 on aws, so no "
        "quota can be derived from a budget; state the quota in gpus instead"]


def test_teams_together_may_not_be_promised_more_than_the_pool_holds():
    found = problems(with_teams(a={"cluster": "train", "gpus": {"h100": 24}},
                                b={"cluster": "train", "gpus": {"h100": 16}}))
    assert found == [
        "teams.b.gpus.h100: teams on pool train.h100 are guaranteed 40 GPUs together (a 24, b 16), more than the pool "
        "can ever supply (4 x 8 = 32); lower the quotas (a team borrows unused quota from its cohort anyway) or "
        "raise max_nodes"]


def test_unknown_cluster_pool_namespace_clash_and_both_forms_are_each_named():
    found = problems(with_teams(
        a={"cluster": "nope", "gpus": {"h100": 1}},
        b={"cluster": "train", "gpus": {"a100": 1, "h100": 1}, "gpu_budget_per_month": {"h100": 9000},
           "borrowing_limit": {"t4": 1}},
        c={"cluster": "train", "namespace": "b", "gpus": {"h100": 1}},
        d={"cluster": "train", "namespace": "kube-system"},
        e={"cluster": "train", "gpu_budget_per_month": {"h100": 100}}))
    assert found == [
        "teams.a.cluster: no cluster 'nope' in this stack; clusters: train",
        "teams.b.gpus.a100: cluster train has no GPU pool 'a100'; its pools: h100, l4",
        "teams.b.borrowing_limit.t4: cluster train has no GPU pool 't4'; its pools: h100, l4",
        "teams.b.gpu_budget_per_month.h100: the pool's quota is already stated in gpus; give either gpus or a budget "
        "for a pool, not both",
        "teams.c.namespace: namespace 'b' on cluster train is already team b's; each team needs its own namespace",
        "teams.d.namespace: 'kube-system' is a system namespace; give the team its own (set namespace: or rename "
        "the team)",
        "teams.d.gpus: a team needs a quota on at least one GPU pool: set gpus: {<pool>: <count>} or "
        "gpu_budget_per_month: {<pool>: <dollars>}",
        "teams.e.gpu_budget_per_month.h100: the budget buys no whole GPU for a month (derived: $100.00/month / (730 h "
        "x $6.8800/GPU-h) = 0.02 -> 0 GPUs; price: p5.48xlarge on-demand $55.04/h / 8 GPUs (AWS EC2 on-demand price "
        "list, us-east-1, Linux (via the AWS Pricing API), 2026-01, list)); raise it or state the quota in gpus"]


def test_quota_values_are_checked_by_shape():
    found = problems(with_teams(a={"cluster": "train", "gpus": {"h100": 0}, "reclaim_within_cohort": "Always"}))
    assert found == ["teams.a.gpus.h100: must be greater than or equal to 1 (got 0)",
                     "teams.a.reclaim_within_cohort: must be 'Never', 'LowerPriority' or 'Any' (got 'Always')"]
