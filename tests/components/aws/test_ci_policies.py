"""The CI identities' IAM documents: scoped deploy, a boundary that cannot be shed, state by stack."""

from __future__ import annotations

import json

import pytest

from components.aws.ci_policies import (
    DEPLOY_VERBS,
    SERVICE_OF_MODULE,
    CiScope,
    boundary_document,
    deploy_policy_document,
    sandbox_policy_document,
    state_policy_document,
)
from infra.offline.engine import STACKS_DIR
from infra.offline.stackfile import available_stacks
from tests.helpers import stack_run

SCOPE = CiScope(account_id="111122223333", region="us-east-1", name_prefix="acme",
                state_bucket_arn="arn:aws:s3:::acme-state")
BOUNDARY = "arn:aws:iam::111122223333:policy/acme/acme-workload-boundary"
CI_ROLES = ["arn:aws:iam::111122223333:role/acme-github-deploy", "arn:aws:iam::111122223333:role/acme-github-drift"]
ADMIN = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")


def statements(document: str) -> dict[str, dict]:
    return {s["Sid"]: s for s in json.loads(document)["Statement"]}


def allowed_actions(document: str) -> list[str]:
    return [a for s in json.loads(document)["Statement"] if s["Effect"] == "Allow" for a in s.get("Action", [])]


def test_the_boundary_arn_is_known_before_it_exists():
    assert SCOPE.boundary_arn == BOUNDARY
    assert SCOPE.iam_path == "/acme/"


def test_deploy_creates_roles_only_with_the_boundary_and_only_under_its_path():
    deploy = statements(deploy_policy_document(SCOPE, CI_ROLES))
    bounded = deploy["RolesOnlyWithTheBoundary"]
    assert set(bounded["Action"]) == {"iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy",
                                      "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy"}
    assert bounded["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": BOUNDARY}}
    assert bounded["Resource"] == "arn:aws:iam::111122223333:role/acme/*"
    # Everything else it may do to roles (trust, PassRole, delete) stays under the path too.
    assert deploy["RolesUnderThePath"]["Resource"] == "arn:aws:iam::111122223333:role/acme/*"
    assert "iam:PassRole" in deploy["RolesUnderThePath"]["Action"]
    iam_allows = [s for s in deploy.values() if s["Effect"] == "Allow"
                  and any(a.startswith("iam:") for a in s["Action"])]
    assert {s["Sid"] for s in iam_allows} == {"RolesOnlyWithTheBoundary", "RolesUnderThePath",
                                              "PoliciesUnderThePath", "ServiceLinkedRoles", "ReadIam"}
    assert deploy["ServiceLinkedRoles"]["Condition"]["StringEquals"]["iam:AWSServiceName"]


def test_deploy_cannot_remove_a_boundary_or_edit_it_or_the_ci_roles():
    deploy = statements(deploy_policy_document(SCOPE, CI_ROLES))
    assert deploy["NeverRemoveABoundary"] == {"Sid": "NeverRemoveABoundary", "Effect": "Deny",
                                              "Action": ["iam:DeleteRolePermissionsBoundary"], "Resource": "*"}
    edit = deploy["NeverEditTheBoundaryOrThisPolicy"]
    assert edit["Effect"] == "Deny"
    assert set(edit["Action"]) == {"iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
                                   "iam:SetDefaultPolicyVersion"}
    assert edit["Resource"] == [BOUNDARY, "arn:aws:iam::111122223333:policy/acme-github-deploy"]
    ci = deploy["NeverEditTheCiRoles"]
    assert ci["Effect"] == "Deny" and ci["Resource"] == CI_ROLES
    assert {"iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePolicy"} <= set(ci["Action"])
    bucket = deploy["NeverReconfigureTheStateBucket"]
    assert (bucket["Effect"], bucket["Resource"]) == (
        "Deny", ["arn:aws:s3:::acme-state", "arn:aws:s3:::acme-state-logs"])
    assert {"s3:PutBucketPolicy", "s3:DeleteBucket", "s3:PutBucketPublicAccessBlock"} <= set(bucket["Action"])
    aliases = deploy["NeverMoveTheStateKeyAliases"]
    assert (aliases["Effect"], aliases["Resource"]) == ("Deny", "arn:aws:kms:us-east-1:111122223333:alias/acme-pulumi*")


def test_no_policy_allows_wildcard_actions_or_names_an_admin_policy():
    documents = [deploy_policy_document(SCOPE, CI_ROLES), sandbox_policy_document(SCOPE, CI_ROLES),
                 state_policy_document(SCOPE, read=["*"], write=["*"], lock=["*"], keys=[SCOPE.state_key_alias])]
    for document in documents:
        actions = allowed_actions(document)
        assert actions and not [a for a in actions if a == "*" or a.endswith(":*")]
        assert not any(name in document for name in ADMIN)


def test_sandbox_identity_tears_down_only_what_is_tagged_sandbox():
    sandbox = statements(sandbox_policy_document(SCOPE, CI_ROLES))
    teardown = sandbox["TearDownSandboxOnly"]
    assert teardown["Condition"] == {"StringEquals": {"aws:ResourceTag/environment": "sandbox"}}
    assert "ec2:Delete*" in teardown["Action"] and not any(
        verb in a for a in teardown["Action"] for verb in (":Create", ":Put", ":Modify", ":Update", ":Run"))
    assert all(a.split(":")[1] in ("Describe*", "Get*", "List*") for a in sandbox["Read"]["Action"])
    assert sandbox["DeleteSandboxRoles"]["Condition"] == teardown["Condition"]
    assert "NeverRemoveABoundary" in sandbox


def test_the_boundary_keeps_created_roles_out_of_iam_and_the_pulumi_state():
    boundary = statements(boundary_document(SCOPE))
    assert set(boundary["WorkloadCeiling"]["NotAction"]) >= {"iam:*", "organizations:*"}
    assert boundary["NeverThePulumiState"] == {
        "Sid": "NeverThePulumiState", "Effect": "Deny", "Action": ["s3:*"],
        "Resource": ["arn:aws:s3:::acme-state", "arn:aws:s3:::acme-state/*"]}
    keys = boundary["NeverTheStateKeys"]
    assert keys["Resource"] == "arn:aws:kms:us-east-1:111122223333:key/*"
    assert keys["Condition"] == {"ForAnyValue:StringEquals": {
        "kms:ResourceAliases": ["alias/acme-pulumi", "alias/acme-pulumi-protected"]}}


def test_state_access_names_stacks_by_the_diy_backend_layout():
    document = statements(state_policy_document(
        SCOPE, read=["dev"], write=[], lock=["dev"], keys=[SCOPE.state_key_alias],
        deny_read=["staging", "prod"], deny_keys=[SCOPE.protected_key_alias]))
    assert document["ReadState"]["Resource"] == [
        "arn:aws:s3:::acme-state/.pulumi/meta.yaml",
        "arn:aws:s3:::acme-state/.pulumi/stacks/mlinfra/dev.json*",
        "arn:aws:s3:::acme-state/.pulumi/history/mlinfra/dev/*",
        "arn:aws:s3:::acme-state/.pulumi/backups/mlinfra/dev/*",
        "arn:aws:s3:::acme-state/.pulumi/journal/mlinfra/dev/*",
        "arn:aws:s3:::acme-state/.pulumi/locks/organization/mlinfra/dev/*"]
    assert document["TakeLocks"]["Resource"] == ["arn:aws:s3:::acme-state/.pulumi/locks/organization/mlinfra/dev/*"]
    assert "WriteState" not in document
    assert document["NeverProtectedState"]["Effect"] == "Deny"
    assert "arn:aws:s3:::acme-state/.pulumi/stacks/mlinfra/prod.json*" in document["NeverProtectedState"]["Resource"]
    assert document["NeverProtectedSecrets"] == {
        "Sid": "NeverProtectedSecrets", "Effect": "Deny", "Action": ["kms:Decrypt"],
        "Resource": "arn:aws:kms:us-east-1:111122223333:key/*",
        "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/acme-pulumi-protected"]}}}


@pytest.mark.parametrize("stack", available_stacks(STACKS_DIR))
def test_the_deploy_policy_covers_every_aws_service_a_stack_creates(stack):
    modules = {r.type.split(":")[1].split("/")[0] for r in stack_run(stack).resources
               if r.type.startswith("aws:") and r.custom}
    unknown = modules - set(SERVICE_OF_MODULE)
    assert not unknown, f"{stack} creates aws:{sorted(unknown)} resources: add them to SERVICE_OF_MODULE"
    services = {SERVICE_OF_MODULE[m] for m in modules} - {"iam"}
    assert services <= set(DEPLOY_VERBS)
    granted = {a.split(":")[0] for a in allowed_actions(deploy_policy_document(SCOPE, CI_ROLES))}
    assert services <= granted
