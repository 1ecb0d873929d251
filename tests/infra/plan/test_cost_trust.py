"""The issue's examples, end to end: a change is priced where the snapshot can, says "cost unknown" where
it cannot, and never prints +$0.00 for what it could not price."""

import shutil

import pytest

from infra.cli.views.diff_text import summary_line
from infra.plan.diff import diff_plans, stack_key
from infra.plan.make import make_plan
from tests.helpers import ROOT


def _plan_with(tmp_path, name, old, new):
    stacks = tmp_path / name
    shutil.copytree(ROOT / "stacks", stacks)
    path = stacks / "Pulumi.staging.yaml"
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))
    outcome = make_plan("staging", stacks)
    assert outcome.exit_code == 0, outcome.error
    return outcome.document


@pytest.fixture(scope="module")
def staging_base():
    outcome = make_plan("staging", ROOT / "stacks")
    assert outcome.exit_code == 0, outcome.error
    return outcome.document


H100_MAX = "          min_nodes: 0\n          max_nodes: 1\n          disk_gib: 500\n"


def test_staging_h100_pool_from_1_to_8_nodes_shows_its_real_cost(staging_base, tmp_path):
    head = _plan_with(tmp_path, "h100", H100_MAX, H100_MAX.replace("max_nodes: 1", "max_nodes: 8"))
    [stack] = diff_plans({stack_key(staging_base): staging_base}, {stack_key(head): head}, "main", "pr")["stacks"]
    # Seven more p5.48xlarge at peak, at the snapshot's us-west-2 row (55.04 USD/h), 730 h a month, and their
    # 500 GiB gp3 root volumes at us-west-2's 0.08 USD per GB-month.
    assert stack["cost"]["unpricedChanges"] == []
    assert stack["cost"]["deltaUsdPerMonth"] == {"idle": 0.0, "peak": round(7 * 55.04 * 730 + 7 * 500 * 0.08, 2)}
    assert summary_line(stack) == "staging: +0 ~1 -0, idle +$0.00/month, peak +$281,534.40/month"


def test_a_change_to_a_pool_the_snapshot_cannot_price_says_cost_unknown(staging_base, tmp_path):
    # An m6i.large system pool: the snapshot has no us-west-2 row for m6i.large, so the change has no number,
    # and says why.
    head = _plan_with(tmp_path, "system", "      aws:\n        access_entries:\n",
                      "      aws:\n        system_pool: {min_nodes: 2, max_nodes: 5, instance_type: m6i.large}\n"
                      "        access_entries:\n")
    [stack] = diff_plans({stack_key(staging_base): staging_base}, {stack_key(head): head}, "main", "pr")["stacks"]
    unknown = [u for u in stack["cost"]["unpricedChanges"] if u["name"] == "train-system-ng"]
    assert unknown and unknown[0]["reason"] == (
        "no on-demand price for us-west-2 in the price snapshot (infra/catalog/prices.json): it has "
        "aws:ec2:m6i.large on-demand prices for us-east-1")
    assert stack["cost"]["deltaUsdPerMonth"] is None
    line = summary_line(stack)
    assert "cost unknown for" in line and "train-system-ng (aws:eks/nodeGroup:NodeGroup)" in line
    assert "$0.00" not in line


def test_a_change_to_the_m7i_system_pool_is_priced_with_its_disks(staging_base, tmp_path):
    # m7i.large has a us-west-2 row: two more nodes at peak cost their machines and their 50 GiB gp3 volumes.
    head = _plan_with(tmp_path, "system-m7i", "      aws:\n        access_entries:\n",
                      "      aws:\n        system_pool: {min_nodes: 2, max_nodes: 5}\n        access_entries:\n")
    [stack] = diff_plans({stack_key(staging_base): staging_base}, {stack_key(head): head}, "main", "pr")["stacks"]
    assert stack["cost"]["unpricedChanges"] == []
    assert stack["cost"]["deltaUsdPerMonth"] == {"idle": 0.0, "peak": round(2 * (0.1008 * 730 + 50 * 0.08), 2)}


def test_a_tag_only_change_to_an_unpriced_resource_moves_no_money(staging_base):
    import copy

    head = copy.deepcopy(staging_base)
    # The checkpoints bucket has no us-west-2 row: unpriced, yet a tag on it moves no money.
    [bucket] = [r for r in head["resources"] if r["name"] == "checkpoints-bucket"]
    assert "checkpoints-bucket" in {u["name"] for u in head["cost"]["unpriced"]}
    bucket["inputs"]["tags"] = {**bucket["inputs"].get("tags", {}), "team": "ml"}
    [stack] = diff_plans({stack_key(staging_base): staging_base}, {stack_key(head): head}, "main", "pr")["stacks"]
    assert stack["cost"]["unpricedChanges"] == []
    assert stack["cost"]["deltaUsdPerMonth"] == {"idle": 0.0, "peak": 0.0}
