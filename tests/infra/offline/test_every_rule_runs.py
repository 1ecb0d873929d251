"""Every mandatory rule runs on every stack and the bootstrap: nothing is left "not checked".

Stand-ins (infra/offline/standins.py) make the policy documents built from ARNs, ids and emails
concrete, so a rule that reads one runs before merge instead of at `pulumi up`. A rule reported
not checked fails here, naming the rule, the resource and the input path that is still unknown.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from infra.offline.engine import REPO_ROOT, STACKS_DIR
from infra.offline.stackfile import available_stacks
from infra.plan.make import EXIT_OK, make_plan

BOOTSTRAP = REPO_ROOT / "infra" / "bootstrap"
PLANS = [("mlinfra", stack) for stack in available_stacks(STACKS_DIR)] + [("bootstrap", "bootstrap")]


@cache
def planned(project: str, stack: str):
    return make_plan(stack, project_dir=BOOTSTRAP) if project == "bootstrap" else make_plan(stack)


def unknown_paths(value: Any, path: str = "") -> list[str]:
    if value == "[unknown]":
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in unknown_paths(v, f"{path}.{k}" if path else k)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in unknown_paths(v, f"{path}[{i}]")]
    return []


def test_the_four_stacks_and_the_bootstrap_are_all_planned():
    assert sorted(PLANS) == [("bootstrap", "bootstrap"), ("mlinfra", "dev"), ("mlinfra", "prod"),
                             ("mlinfra", "sandbox"), ("mlinfra", "staging")]


@pytest.mark.parametrize(("project", "stack"), PLANS)
def test_no_mandatory_rule_is_left_not_checked(project, stack):
    outcome = planned(project, stack)
    assert outcome.error is None and outcome.exit_code == EXIT_OK, outcome.error
    document = outcome.document
    by_urn = {r["urn"]: r for r in document["resources"]}
    missed = [f"{f['policy']} on {f['urn']}: unknown at "
              f"{', '.join(unknown_paths(by_urn.get(f['urn'], {}).get('inputs', {}))) or '(no unknown input)'}"
              for f in document["policy"]["notChecked"] if f["enforcementLevel"] == "mandatory"]
    assert missed == [], "mandatory rules not checked:\n" + "\n".join(missed)


@pytest.mark.parametrize(("project", "stack"), PLANS)
def test_no_cloud_resource_input_is_unknown_any_more(project, stack):
    """Every input the program derives from a cloud-computed value now carries a stand-in."""
    document = planned(project, stack).document
    unknown = {r["urn"]: unknown_paths(r["inputs"]) for r in document["resources"]
               if r["type"].startswith(("aws:", "gcp:")) and unknown_paths(r["inputs"])}
    assert unknown == {}


def test_policy_documents_are_concrete_json_with_stand_ins_marked():
    import json

    document = planned("mlinfra", "dev").document
    [kms] = [r for r in document["resources"] if r["urn"].endswith("RolePolicy::dev-cluster-kms")]
    statement = json.loads(kms["inputs"]["policy"])["Statement"][0]
    [key] = [r for r in document["resources"] if r["urn"] == kms["standIns"]["inputs"]["policy"][0]["urn"]]
    assert key["type"] == "aws:kms/key:Key"
    assert statement["Resource"] == key["standIns"]["outputs"]["arn"]
    assert statement["Resource"] == f"arn:aws:kms:us-east-1:123456789012:key/{key['standIns']['outputs']['id']}"
    assert kms["standIns"]["inputs"]["policy"] == [{"urn": key["urn"], "output": "arn"}]
