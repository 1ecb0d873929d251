"""The bootstrap's CI identities as recorded in its plan: each policy document parsed and pinned.

What #16 asks of them: the deploy role creates roles only with the permissions boundary and cannot
remove or edit it; pull-request previews can neither read a protected stack's state nor decrypt its
secrets; the sandbox identity reaches only sandbox stacks and sandbox-tagged resources.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.offline.document import build_document
from infra.offline.engine import load_project, run_stack

BOOTSTRAP = Path(__file__).resolve().parents[2] / "infra" / "bootstrap"
ACCOUNT = "123456789012"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/acme-ml/acme-ml-workload-boundary"
STATE = "arn:aws:s3:::acme-ml-pulumi-state"
KEYS = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*"
PROTECTED_KEY = {"ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/acme-ml-pulumi-protected"]}}


@pytest.fixture(scope="module")
def plan() -> dict:
    project = load_project(BOOTSTRAP)
    return build_document(run_stack("bootstrap", project.stacks_dir, project.program, project.name))


def document(plan: dict, resource_type: str, name: str) -> dict[str, dict]:
    """A recorded policy document, statements keyed by Sid."""
    [found] = [r for r in plan["resources"] if r["type"] == resource_type and r["name"] == name]
    return {s["Sid"]: s for s in json.loads(found["inputs"]["policy"])["Statement"]}


def state_policy(plan: dict, role: str) -> dict[str, dict]:
    return document(plan, "aws:iam/rolePolicy:RolePolicy", f"github-{role}-state")


def test_the_boundary_exists_where_its_arn_says_and_is_an_output(plan):
    [boundary] = [r for r in plan["resources"] if r["name"] == "github-boundary"]
    assert (boundary["type"], boundary["inputs"]["name"], boundary["inputs"]["path"]) == (
        "aws:iam/policy:Policy", "acme-ml-workload-boundary", "/acme-ml/")
    assert boundary["protect"] is True
    assert plan["outputs"]["aws_permissions_boundary_arn"] == BOUNDARY
    ceiling = document(plan, "aws:iam/policy:Policy", "github-boundary")
    assert ceiling["NeverThePulumiState"]["Resource"] == [STATE, f"{STATE}/*"]
    assert ceiling["NeverTheStateKeys"]["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"] == [
        "alias/acme-ml-pulumi", "alias/acme-ml-pulumi-protected"]


def test_deploy_creates_roles_only_under_the_boundary_and_cannot_shed_or_edit_it(plan):
    deploy = document(plan, "aws:iam/policy:Policy", "github-deploy-main")
    bounded = deploy["RolesOnlyWithTheBoundary"]
    assert "iam:CreateRole" in bounded["Action"] and "iam:PutRolePermissionsBoundary" in bounded["Action"]
    assert bounded["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": BOUNDARY}}
    assert bounded["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/acme-ml/*"
    assert deploy["NeverRemoveABoundary"]["Action"] == ["iam:DeleteRolePermissionsBoundary"]
    assert deploy["NeverRemoveABoundary"]["Effect"] == "Deny"
    assert deploy["NeverEditTheBoundaryOrThisPolicy"]["Resource"] == [
        BOUNDARY, f"arn:aws:iam::{ACCOUNT}:policy/acme-ml-github-deploy"]
    assert deploy["NeverEditTheCiRoles"]["Resource"] == [
        f"arn:aws:iam::{ACCOUNT}:role/acme-ml-github-{r}" for r in ("preview", "drift", "deploy", "sandbox")]
    # Nothing in it grants a whole service or IAM outside the path.
    allowed = [a for s in deploy.values() if s["Effect"] == "Allow" for a in s["Action"]]
    assert not [a for a in allowed if a == "*" or a.endswith(":*")]
    iam_resources = {json.dumps(s["Resource"]) for s in deploy.values() if s["Effect"] == "Allow"
                     and any(a.startswith("iam:") and a not in ("iam:CreateServiceLinkedRole", "iam:GetPolicy",
                                                                "iam:GetPolicyVersion", "iam:ListRoles",
                                                                "iam:ListPolicies") for a in s["Action"])}
    assert iam_resources == {json.dumps(f"arn:aws:iam::{ACCOUNT}:role/acme-ml/*"),
                             json.dumps(f"arn:aws:iam::{ACCOUNT}:policy/acme-ml/*")}


def test_previews_cannot_read_protected_state_or_decrypt_protected_secrets(plan):
    preview = state_policy(plan, "preview")
    assert preview["ReadState"]["Resource"] == [
        f"{STATE}/.pulumi/meta.yaml", f"{STATE}/.pulumi/stacks/mlinfra/dev.json*",
        f"{STATE}/.pulumi/history/mlinfra/dev/*", f"{STATE}/.pulumi/backups/mlinfra/dev/*",
        f"{STATE}/.pulumi/journal/mlinfra/dev/*", f"{STATE}/.pulumi/locks/organization/mlinfra/dev/*"]
    assert "WriteState" not in preview
    denied = preview["NeverProtectedState"]
    assert denied["Effect"] == "Deny" and set(denied["Action"]) == {"s3:GetObject", "s3:GetObjectVersion"}
    for stack in ("staging", "prod"):
        assert f"{STATE}/.pulumi/stacks/mlinfra/{stack}.json*" in denied["Resource"]
        assert f"{STATE}/.pulumi/history/mlinfra/{stack}/*" in denied["Resource"]
    assert preview["NeverProtectedSecrets"] == {"Sid": "NeverProtectedSecrets", "Effect": "Deny",
                                                "Action": ["kms:Decrypt"], "Resource": KEYS,
                                                "Condition": PROTECTED_KEY}
    assert preview["StateKeys"]["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"] == [
        "alias/acme-ml-pulumi"]


def test_protected_stacks_use_a_key_of_their_own(plan):
    assert plan["outputs"]["protected_secrets_provider"] == (
        "awskms://alias/acme-ml-pulumi-protected?region=us-east-1")
    aliases = {r["inputs"]["name"] for r in plan["resources"] if r["type"] == "aws:kms/alias:Alias"}
    assert aliases == {"alias/acme-ml-pulumi", "alias/acme-ml-pulumi-protected"}
    drift = state_policy(plan, "drift")
    assert drift["StateKeys"]["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"] == [
        "alias/acme-ml-pulumi", "alias/acme-ml-pulumi-protected"]
    assert "WriteState" not in drift and "NeverProtectedState" not in drift


def test_the_sandbox_identity_reaches_only_sandbox_stacks_and_sandbox_resources(plan):
    state = state_policy(plan, "sandbox")
    assert all("/sandbox-*" in arn for arn in state["WriteState"]["Resource"])
    assert [a for a in state["ReadState"]["Resource"] if "sandbox-*" not in a] == [f"{STATE}/.pulumi/meta.yaml"]
    assert state["NeverProtectedSecrets"]["Condition"] == PROTECTED_KEY
    policy = document(plan, "aws:iam/policy:Policy", "github-sandbox-main")
    assert policy["TearDownSandboxOnly"]["Condition"] == {
        "StringEquals": {"aws:ResourceTag/environment": "sandbox"}}
    assert "RolesOnlyWithTheBoundary" not in policy  # it creates nothing
    # The role's ARN exists after apply: the plan gives IAM's format as a stand-in, and says so.
    assert plan["outputs"]["aws_sandbox_role_arn"] == "arn:aws:iam::123456789012:role/acme-ml-github-sandbox"
    assert "aws_sandbox_role_arn" in plan["outputStandIns"]
