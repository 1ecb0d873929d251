"""IAM documents for the CI identities, as plain data: what a deploy may do, the permissions boundary
every role it creates must carry, what the sandbox reaper may tear down, and which Pulumi state each
identity may read.

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

# The AWS services the platform stacks create resources in, keyed by the module of the Pulumi type
# token (`aws:<module>/...`) and valued by the IAM service prefix. `tests/components/aws/
# test_ci_policies.py` plans every stack and fails when a stack uses a module missing here, so a
# new kind of resource cannot reach a deploy that has no permission for it.
SERVICE_OF_MODULE: Mapping[str, str] = {
    "acm": "acm", "autoscaling": "autoscaling", "cloudwatch": "logs", "ec2": "ec2", "vpc": "ec2",
    "ecr": "ecr", "eks": "eks", "kms": "kms", "lb": "elasticloadbalancing", "route53": "route53",
    "s3": "s3", "iam": "iam", "wafv2": "wafv2", "amp": "aps", "sns": "sns",
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
    "s3": ("CreateBucket", "DeleteBucket", "DeleteBucketPolicy", "Get*", "List*", "Put*"),
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
}

# What the sandbox reaper may do: read everything, take down only what is tagged sandbox.
TEARDOWN_VERBS = ("Delete*", "Detach*", "Disassociate*", "Release*", "Revoke*", "Terminate*", "Deregister*",
                  "Untag*", "RemoveTags*", "ScheduleKeyDeletion")
READ_VERBS = ("Describe*", "Get*", "List*")

# Service-linked roles the services create on first use (EKS, node groups, load balancers, Auto
# Scaling, spot); the deploy may create exactly these and no other role outside its path.
SERVICE_LINKED = ("eks.amazonaws.com", "eks-nodegroup.amazonaws.com", "elasticloadbalancing.amazonaws.com",
                  "autoscaling.amazonaws.com", "spot.amazonaws.com",
                  # AWSServiceRoleForAmazonPrometheusScraper, made by the first CreateScraper (AMP User
                  # Guide, "Using service-linked roles", read 2026-11-29).
                  "scraper.aps.amazonaws.com")

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

# Bucket settings that would open, unversion or delete the state bucket. Not yet checked name by name
# against the Service Authorization Reference (list_amazons3.html); neither are DEPLOY_VERBS: do that,
# or run IAM Access Analyzer's policy validation on the bootstrap's output, before relying on them.
STATE_BUCKET_SETTINGS = ("s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketAcl",
                         "s3:PutBucketPublicAccessBlock", "s3:PutEncryptionConfiguration", "s3:PutBucketVersioning",
                         "s3:PutLifecycleConfiguration", "s3:PutBucketLogging", "s3:PutBucketOwnershipControls")

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

    @property
    def state_key_alias(self) -> str:
        """Alias of the key behind the state bucket and the secrets of unprotected stacks (dev, sandboxes)."""
        return f"alias/{self.name_prefix}-pulumi"

    @property
    def protected_key_alias(self) -> str:
        """Alias of the key behind the secrets of protected stacks (staging, prod); previews never get it."""
        return f"alias/{self.name_prefix}-pulumi-protected"

    def keys_with_aliases(self, aliases: Sequence[str]) -> dict:
        """A statement's Resource and Condition naming KMS keys by alias (key ARNs are unknown until they
        exist). IAM takes only key ARNs as resources; `kms:ResourceAliases` matches the aliases a key has
        (https://docs.aws.amazon.com/kms/latest/developerguide/alias-authorization.html, read 2026-11-29)."""
        return {"Resource": f"arn:{self.partition}:kms:{self.region}:{self.account_id}:key/*",
                "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": list(aliases)}}}

    @property
    def state_alias_arns(self) -> str:
        return f"arn:{self.partition}:kms:{self.region}:{self.account_id}:alias/{self.name_prefix}-pulumi*"

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
    def deploy_policy_name(self) -> str:
        return f"{self.name_prefix}-github-deploy"

    def iam_arn(self, kind: str, name: str) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:{kind}/{name}"

    def state_objects(self, stack_pattern: str, paths: Sequence[str] = STATE_PATHS) -> list[str]:
        """Object ARNs of one stack's (or a name pattern's) files in the DIY backend."""
        return [f"{self.state_bucket_arn}/" + path.format(project=self.project, stack=stack_pattern)
                for path in paths]


def _actions(verbs: Mapping[str, Sequence[str]]) -> list[str]:
    return [f"{service}:{verb}" for service, names in verbs.items() for verb in names]


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _ci_guard(scope: CiScope, ci_role_arns: Sequence[str]) -> list[dict]:
    """Denies every CI policy carries: the boundary stays on, its policy and the CI roles stay as made."""
    return [
        {"Sid": "NeverRemoveABoundary", "Effect": "Deny", "Action": ["iam:DeleteRolePermissionsBoundary"],
         "Resource": "*"},
        {"Sid": "NeverEditTheBoundaryOrThisPolicy", "Effect": "Deny", "Action": list(POLICY_EDIT_ACTIONS),
         "Resource": [scope.boundary_arn, scope.iam_arn("policy", scope.deploy_policy_name)]},
        {"Sid": "NeverEditTheCiRoles", "Effect": "Deny", "Action": list(CI_ROLE_EDIT_ACTIONS),
         "Resource": list(ci_role_arns)},
        # The deploy role may configure the stacks' buckets, never the state bucket or its log bucket.
        {"Sid": "NeverReconfigureTheStateBucket", "Effect": "Deny", "Action": list(STATE_BUCKET_SETTINGS),
         "Resource": [scope.state_bucket_arn, f"{scope.state_bucket_arn}-logs"]},
        # Access to the state keys follows their aliases, so the aliases stay where they are.
        {"Sid": "NeverMoveTheStateKeyAliases", "Effect": "Deny",
         "Action": ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"], "Resource": scope.state_alias_arns},
        {"Sid": "NeverDisableTheStateKeys", "Effect": "Deny",
         "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:CreateGrant"],
         **scope.keys_with_aliases([scope.state_key_alias, scope.protected_key_alias])},
    ]


def deploy_policy_document(scope: CiScope, ci_role_arns: Sequence[str]) -> str:
    """The deploy role's policy: the services the stacks use, IAM only under the path and the boundary."""
    roles = scope.iam_arn("role", f"{scope.name_prefix}/*")
    return _doc(
        {"Sid": "PlatformServices", "Effect": "Allow", "Action": _actions(DEPLOY_VERBS), "Resource": "*"},
        {"Sid": "RolesOnlyWithTheBoundary", "Effect": "Allow", "Action": list(BOUNDED_ROLE_ACTIONS),
         "Resource": roles, "Condition": {"StringEquals": {"iam:PermissionsBoundary": scope.boundary_arn}}},
        {"Sid": "RolesUnderThePath", "Effect": "Allow", "Action": list(ROLE_UPKEEP_ACTIONS), "Resource": roles},
        {"Sid": "PoliciesUnderThePath", "Effect": "Allow", "Action": list(POLICY_ACTIONS),
         "Resource": scope.iam_arn("policy", f"{scope.name_prefix}/*")},
        {"Sid": "ServiceLinkedRoles", "Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole"],
         "Resource": "*", "Condition": {"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED)}}},
        {"Sid": "ReadIam", "Effect": "Allow",
         "Action": ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListRoles", "iam:ListPolicies"], "Resource": "*"},
        *_ci_guard(scope, ci_role_arns),
    )


def sandbox_policy_document(scope: CiScope, ci_role_arns: Sequence[str], tag_key: str = "environment",
                            tag_value: str = "sandbox") -> str:
    """The sandbox identity's policy: read anything, tear down only resources tagged as sandbox."""
    services = {service: READ_VERBS for service in DEPLOY_VERBS}
    teardown = {service: TEARDOWN_VERBS for service in DEPLOY_VERBS}
    tagged = {"StringEquals": {f"aws:ResourceTag/{tag_key}": tag_value}}
    roles = scope.iam_arn("role", f"{scope.name_prefix}/*")
    return _doc(
        {"Sid": "Read", "Effect": "Allow", "Action": _actions(services), "Resource": "*"},
        {"Sid": "TearDownSandboxOnly", "Effect": "Allow", "Action": _actions(teardown), "Resource": "*",
         "Condition": tagged},
        {"Sid": "DetachFromBoundedRoles", "Effect": "Allow",
         "Action": ["iam:DetachRolePolicy", "iam:DeleteRolePolicy"], "Resource": roles,
         "Condition": {"StringEquals": {"iam:PermissionsBoundary": scope.boundary_arn}}},
        {"Sid": "DeleteSandboxRoles", "Effect": "Allow", "Action": ["iam:DeleteRole", "iam:GetRole",
                                                                     "iam:ListAttachedRolePolicies",
                                                                     "iam:ListRolePolicies",
                                                                     "iam:ListInstanceProfilesForRole"],
         "Resource": roles, "Condition": tagged},
        *_ci_guard(scope, ci_role_arns),
    )


def boundary_document(scope: CiScope) -> str:
    """The ceiling of every role the stacks create: no IAM or account changes, never the Pulumi state."""
    return _doc(
        # A boundary grants nothing; NotAction here only says which services a workload may ever use.
        {"Sid": "WorkloadCeiling", "Effect": "Allow",
         "NotAction": ["iam:*", "organizations:*", "account:*", "sts:AssumeRoleWithWebIdentity"], "Resource": "*"},
        {"Sid": "ServiceLinkedAndReadIam", "Effect": "Allow",
         "Action": ["iam:CreateServiceLinkedRole", "iam:GetRole", "iam:ListAttachedRolePolicies",
                    "iam:GetInstanceProfile", "iam:ListInstanceProfiles"], "Resource": "*"},
        {"Sid": "NeverThePulumiState", "Effect": "Deny", "Action": ["s3:*"],
         "Resource": [scope.state_bucket_arn, f"{scope.state_bucket_arn}/*"]},
        {"Sid": "NeverTheStateKeys", "Effect": "Deny", "Action": ["kms:*"],
         **scope.keys_with_aliases([scope.state_key_alias, scope.protected_key_alias])},
    )


def state_policy_document(scope: CiScope, *, read: Sequence[str], write: Sequence[str], lock: Sequence[str],
                          keys: Sequence[str], deny_read: Sequence[str] = (), deny_keys: Sequence[str] = ()) -> str:
    """Access to the Pulumi state: stacks (name patterns) read, written or only locked; keys by alias.

    `deny_read` and `deny_keys` are explicit denies, which also override any broad managed policy
    (ReadOnlyAccess reads every bucket) attached to the same role.
    """
    def objects(patterns: Sequence[str]) -> list[str]:
        return [arn for pattern in patterns for arn in scope.state_objects(pattern)]

    statements: list[dict] = [
        {"Sid": "ListState", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
         "Resource": scope.state_bucket_arn}]
    if read:
        statements.append({"Sid": "ReadState", "Effect": "Allow", "Action": ["s3:GetObject"],
                           "Resource": [f"{scope.state_bucket_arn}/{META_OBJECT}", *objects(read)]})
    if write:
        statements.append({"Sid": "WriteState", "Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"],
                           "Resource": objects(write)})
    if lock:
        # Previews and refreshes take a lock in the DIY backend, so even read-only identities write there.
        statements.append({"Sid": "TakeLocks", "Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"],
                           "Resource": [arn for p in lock for arn in scope.state_objects(p, (LOCK_PATH,))]})
    if keys:
        statements.append({"Sid": "StateKeys", "Effect": "Allow",
                           "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey", "kms:Encrypt"],
                           **scope.keys_with_aliases(keys)})
    if deny_read:
        statements.append({"Sid": "NeverProtectedState", "Effect": "Deny",
                           "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": objects(deny_read)})
    if deny_keys:
        statements.append({"Sid": "NeverProtectedSecrets", "Effect": "Deny", "Action": ["kms:Decrypt"],
                           **scope.keys_with_aliases(deny_keys)})
    return _doc(*statements)
