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


@pytest.mark.parametrize(("project", "stack"), PLANS)
def test_every_plan_with_stand_ins_is_the_documented_contract(project, stack):
    import jsonschema

    from infra.offline.document import load_schema

    jsonschema.validate(planned(project, stack).document, load_schema())


def test_the_bootstrap_findings_still_open_under_26_are_accepted_visibly():
    """What #26 has not fixed yet stays listed, each with what is still open (stale ones fail below)."""
    policy = planned("bootstrap", "bootstrap").document["policy"]
    assert sorted((a["policy"], a["resource"]) for a in policy["accepted"]) == [
        ("iam-write-actions-scoped", "github-deploy-dev-main"),
        ("iam-write-actions-scoped", "github-deploy-prod-main"),
        ("iam-write-actions-scoped", "github-deploy-staging-main"),
    ]
    assert all(a["reason"].startswith("open under #26: ") for a in policy["accepted"])


def test_every_acceptance_still_covers_a_finding():
    """Like the Checkov list: an acceptance that covers nothing any more fails, so it gets deleted."""
    from infra.offline.analyzer import PolicyAnalyzer
    from infra.offline.analyzer_inputs import inputs_from_records
    from infra.offline.engine import load_project
    from infra.offline.policy_check import PACK_DIR, config_file
    from infra.offline.policy_config import PolicySetting, load_policy_config
    from tests.helpers import bootstrap_run

    project = load_project(BOOTSTRAP)
    settings = load_policy_config(config_file(None, project=project.name))
    accepted = {(name, resource) for name, s in settings.items() for resource in s.properties.get("accepted", {})}
    bare = {name: PolicySetting(s.level, {k: v for k, v in s.properties.items() if k != "accepted"})
            for name, s in settings.items()}
    run = bootstrap_run()
    with PolicyAnalyzer(PACK_DIR, stack="bootstrap", project=project.name) as analyzer:
        analyzer.configure(bare)
        findings = analyzer.analyze_all(inputs_from_records(run.resources))
    found = {(f.policy, f.urn.rsplit("::", 1)[-1]) for f in findings if not f.not_checked}
    assert accepted - found == set()
