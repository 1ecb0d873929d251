"""The bootstrap's CI identities as recorded in its plan: each policy document parsed and pinned.

What #16 and #26 ask of them: each environment's deploy role creates roles only with the permissions
boundary and cannot remove or edit it; pull-request previews read only the previewed stacks' state and
decrypt only their zone's secrets; the sandbox identity reaches only sandbox stacks, its own key and
sandbox-tagged resources.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.offline.document import build_document
from tests.helpers import bootstrap_run

BOOTSTRAP = Path(__file__).resolve().parents[2] / "infra" / "bootstrap"
ACCOUNT = "123456789012"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/acme-ml/acme-ml-workload-boundary"
STATE = "arn:aws:s3:::acme-ml-pulumi-state"
KEYS = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*"



def zone_keys(*zones: str) -> dict:
    return {"ForAnyValue:StringEquals": {"kms:ResourceAliases": [f"alias/acme-ml-pulumi-{z}" for z in zones]}}


@pytest.fixture(scope="module")
def plan() -> dict:
    return build_document(bootstrap_run())


def document(plan: dict, resource_type: str, name: str) -> dict[str, dict]:
    """A recorded policy document, statements keyed by Sid."""
    [found] = [r for r in plan["resources"] if r["type"] == resource_type and r["name"] == name]
    return {s["Sid"]: s for s in json.loads(found["inputs"]["policy"])["Statement"]}


def state_policy(plan: dict, role: str) -> dict[str, dict]:
    return document(plan, "aws:iam/rolePolicy:RolePolicy", f"github-{role}-state")


def deploy_policy(plan: dict, env: str) -> dict[str, dict]:
    return {**document(plan, "aws:iam/policy:Policy", f"github-deploy-{env}-main"),
            **document(plan, "aws:iam/policy:Policy", f"github-deploy-{env}-part2")}


def test_the_boundary_exists_where_its_arn_says_and_is_an_output(plan):
    [boundary] = [r for r in plan["resources"] if r["name"] == "github-boundary"]
    assert (boundary["type"], boundary["inputs"]["name"], boundary["inputs"]["path"]) == (
        "aws:iam/policy:Policy", "acme-ml-workload-boundary", "/acme-ml/")
    assert boundary["protect"] is True
    assert plan["outputs"]["aws_permissions_boundary_arn"] == BOUNDARY
    ceiling = document(plan, "aws:iam/policy:Policy", "github-boundary")
    assert ceiling["NeverThePulumiState"]["Resource"] == [STATE, f"{STATE}/*"]
    assert ceiling["NeverTheStateKeys"]["Condition"] == {
        "ForAnyValue:StringLike": {"kms:ResourceAliases": ["alias/acme-ml-pulumi*"]}}
    assert ceiling["NeverTheCiRoles"]["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/acme-ml-github-*"


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_deploy_creates_roles_only_under_the_boundary_and_cannot_shed_or_edit_it(plan, env):
    deploy = deploy_policy(plan, env)
    bounded = deploy["RolesOnlyWithTheBoundary"]
    assert "iam:CreateRole" in bounded["Action"] and "iam:PutRolePermissionsBoundary" in bounded["Action"]
    assert bounded["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": BOUNDARY}}
    assert bounded["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/acme-ml/*"
    assert deploy["NeverRemoveABoundary"]["Effect"] == "Deny"
    assert deploy["NeverEditTheBoundaryOrCiPolicies"]["Resource"] == [
        BOUNDARY, f"arn:aws:iam::{ACCOUNT}:policy/acme-ml-github-*"]
    assert deploy["NeverEditOrAssumeTheCiRoles"]["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/acme-ml-github-*"
    assert deploy["OnlyThisEnvironmentsResources"]["Condition"]["StringNotEquals"] == {
        "aws:ResourceTag/environment": env}
    allowed = [a for s in deploy.values() if s["Effect"] == "Allow" for a in s["Action"]]
    assert not [a for a in allowed if a == "*" or a.endswith(":*")]
    state = state_policy(plan, f"deploy-{env}")
    assert all(f"/mlinfra/{env}" in arn for arn in state["WriteState"]["Resource"])
    assert state["SecretsOfTheseZones"]["Condition"] == zone_keys(env)


def test_previews_read_only_previewed_state_and_decrypt_only_its_zone(plan):
    preview = state_policy(plan, "preview")
    assert preview["ReadState"]["Resource"] == [
        f"{STATE}/.pulumi/meta.yaml", f"{STATE}/.pulumi/stacks/mlinfra/dev.json*",
        f"{STATE}/.pulumi/history/mlinfra/dev/*", f"{STATE}/.pulumi/backups/mlinfra/dev/*",
        f"{STATE}/.pulumi/journal/mlinfra/dev/*", f"{STATE}/.pulumi/locks/organization/mlinfra/dev/*"]
    assert "WriteState" not in preview
    assert preview["SecretsOfTheseZones"] == {"Sid": "SecretsOfTheseZones", "Effect": "Allow",
                                              "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": KEYS,
                                              "Condition": zone_keys("dev")}
    # Nothing else: no managed policy, no customer policy.
    assert not [r for r in plan["resources"] if r["type"] == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
                and r["name"].startswith("github-preview")]


def test_each_trust_zone_has_a_key_of_its_own(plan):
    aliases = {r["inputs"]["name"] for r in plan["resources"] if r["type"] == "aws:kms/alias:Alias"}
    assert aliases == {"alias/acme-ml-pulumi", *(f"alias/acme-ml-pulumi-{z}" for z in ("dev", "staging", "prod",
                                                                                         "sandbox"))}
    drift = state_policy(plan, "drift")
    # Drift runs main's code unreviewed (no reviewers on its environment): unprotected zones only.
    assert drift["SecretsOfTheseZones"]["Condition"] == zone_keys("dev")
    assert "WriteState" not in drift


def test_drift_reads_dev_state_and_no_object_or_secret_value_through_read_only_access(plan):
    state = state_policy(plan, "drift")
    assert state["ReadState"]["Resource"] == [f"{STATE}/.pulumi/meta.yaml", *(
        f"{STATE}/.pulumi/{path}" for path in ("stacks/mlinfra/dev.json*", "history/mlinfra/dev/*",
                                               "backups/mlinfra/dev/*", "journal/mlinfra/dev/*",
                                               "locks/organization/mlinfra/dev/*"))]
    guard = document(plan, "aws:iam/policy:Policy", "github-drift-main")
    # ReadOnlyAccess reads every object; the deny leaves exactly the state the drift check reads.
    assert guard["NoObjectReadsButTheseStacksState"] == {
        "Sid": "NoObjectReadsButTheseStacksState", "Effect": "Deny",
        "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes"],
        "NotResource": state["ReadState"]["Resource"]}
    assert guard["NoSecretValues"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert guard["NoSecretValues"]["Resource"] == "*"


def test_the_sandbox_identity_reaches_only_sandbox_stacks_and_sandbox_resources(plan):
    state = state_policy(plan, "sandbox")
    assert all("/sandbox-*" in arn for arn in state["WriteState"]["Resource"])
    assert [a for a in state["ReadState"]["Resource"] if "sandbox-*" not in a] == [f"{STATE}/.pulumi/meta.yaml"]
    assert state["SecretsOfTheseZones"]["Condition"] == zone_keys("sandbox")
    policy = document(plan, "aws:iam/policy:Policy", "github-sandbox-main")
    assert policy["TearDownSandboxOnly"]["Condition"] == {
        "StringEquals": {"aws:ResourceTag/environment": "sandbox"}}
    assert policy["TearDownSandboxRoles"]["Condition"] == policy["TearDownSandboxOnly"]["Condition"]
    assert "RolesOnlyWithTheBoundary" not in policy  # it creates nothing
    # The role's ARN exists after apply: the plan gives IAM's format as a stand-in, and says so.
    assert plan["outputs"]["aws_sandbox_role_arn"] == "arn:aws:iam::123456789012:role/acme-ml-github-sandbox"
    assert "aws_sandbox_role_arn" in plan["outputStandIns"]
