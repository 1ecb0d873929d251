"""`mlinfra diff` never reports a change that is only a stand-in moving; a new reference still shows."""

from __future__ import annotations

import copy
import json

import pytest

from infra.offline.document import build_document
from infra.plan.diff import diff_stack
from tests.helpers import stack_run

POLICY = "RolePolicy::dev-cluster-kms"


@pytest.fixture(scope="module")
def dev():
    return build_document(stack_run("dev"))


def _move(document, old: str, new: str):
    """Every occurrence of one stand-in value replaced, as another account placeholder or mlinfra version would."""
    return json.loads(json.dumps(document).replace(old, new))


def test_a_stand_in_that_only_moves_is_no_change(dev):
    [policy] = [r for r in dev["resources"] if r["urn"].endswith(POLICY)]
    [origin] = policy["standIns"]["inputs"]["policy"]
    [key] = [r for r in dev["resources"] if r["urn"] == origin["urn"]]
    arn = key["standIns"]["outputs"]["arn"]
    head = _move(dev, arn, arn.replace("123456789012", "210987654321"))
    assert head != dev
    result = diff_stack(dev, head)
    assert [(e["urn"], e["changes"]) for e in result["resources"]] == []
    assert result["status"] == "unchanged"


def test_an_input_that_now_reads_another_resources_output_is_a_change(dev):
    keys = [r for r in dev["resources"] if r["type"] == "aws:kms/key:Key"]
    head = copy.deepcopy(dev)
    [policy] = [r for r in head["resources"] if r["urn"].endswith(POLICY)]
    [origin] = policy["standIns"]["inputs"]["policy"]
    other = next(k for k in keys if k["urn"] != origin["urn"])
    mine = next(k for k in keys if k["urn"] == origin["urn"])
    policy["inputs"]["policy"] = policy["inputs"]["policy"].replace(mine["standIns"]["outputs"]["arn"],
                                                                    other["standIns"]["outputs"]["arn"])
    policy["standIns"]["inputs"]["policy"] = [{"urn": other["urn"], "output": "arn"}]
    result = diff_stack(dev, head)
    [entry] = result["resources"]
    assert entry["action"] == "change" and entry["urn"] == policy["urn"]
    [change] = entry["changes"]
    assert change["path"] == "policy.Statement[0].Resource"
    assert change["before"] == f"[stand-in arn of {mine['urn']}]"
    assert change["after"] == f"[stand-in arn of {other['urn']}]"
