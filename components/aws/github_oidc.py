"""GitHubOidc: the GitHub Actions OIDC provider in IAM and the roles CI assumes through it.

No long-lived keys: a workflow job presents its OIDC token, and a role's trust policy decides
from the token's `sub` claim (repository plus pull request, branch or environment) whether it may
assume that role.

By default the `sub` of a job in an environment names only the environment, from any branch, and a
job on a branch without an environment names only the branch. To bind a deploy to both, the
repository's subject template is customised once to the claim keys `repo`, `context` and `ref`
(`PUT /repos/{owner}/{repo}/actions/oidc/customization/sub`; GitHub docs, "OpenID Connect reference",
github/docs:content/actions/reference/security/oidc.md, "Customizing the subject claims for an
organization or repository", read 2026-11-29): each key adds `key:value` and `context` adds what follows
the repository in the default format, so a prod job on main presents
`repo:ORG/REPO:environment:prod:ref:refs/heads/main` and a pull request
`repo:ORG/REPO:pull_request:ref:refs/pull/<n>/merge`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws.iam import managed_policy_arn
from components.tags import with_tags

GITHUB_ISSUER_HOST = "token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"


def provider_arn(account_id: str, partition: str = "aws") -> str:
    """ARN of the account's GitHub OIDC provider, known before it exists."""
    return f"arn:{partition}:iam::{account_id}:oidc-provider/{GITHUB_ISSUER_HOST}"


# The repository's OIDC subject template (README: "One-time GitHub setup").
SUBJECT_CLAIM_KEYS = ("repo", "context", "ref")


def environment_subject(repo: str, environment: str, branch: str) -> str:
    """Subject of a job in `environment` running from `branch`, under the repo/context/ref template."""
    return f"repo:{repo}:environment:{environment}:ref:refs/heads/{branch}"


def pull_request_subject_pattern(repo: str) -> str:
    """Subjects of every pull-request job (no environment) under the repo/context/ref template."""
    return f"repo:{repo}:pull_request:ref:refs/pull/*/merge"


def pull_request_subjects(repo: str) -> list[str]:
    """OIDC subjects of jobs run for pull requests in `repo` (ORG/REPO)."""
    return [f"repo:{repo}:pull_request"]


def deploy_subjects(repo: str, branch: str, environments: Sequence[str]) -> list[str]:
    """OIDC subjects of jobs on the deploy branch and in each deployment environment."""
    return [f"repo:{repo}:ref:refs/heads/{branch}", *(f"repo:{repo}:environment:{env}" for env in environments)]


def github_trust_policy(oidc_provider_arn: str, subjects: Sequence[str]) -> str:
    """Trust policy: only tokens for our audience whose `sub` is one of `subjects` may assume the role."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {f"{GITHUB_ISSUER_HOST}:aud": AUDIENCE},
                # StringLike: exact for literal subjects; a pull request's number is the only wildcard.
                "StringLike": {f"{GITHUB_ISSUER_HOST}:sub": list(subjects)},
            },
        }],
    })


def state_access_document(bucket_arn: str, key_arn: str, write: bool) -> str:
    """Access to the Pulumi state bucket and secrets key; read-only roles may still take locks."""
    # Previews and refreshes take a lock in the DIY backend, so even read-only roles write there.
    writable = f"{bucket_arn}/*" if write else f"{bucket_arn}/.pulumi/locks/*"
    kms_actions = ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"] + (["kms:Encrypt"] if write else [])
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ListState", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
             "Resource": bucket_arn},
            {"Sid": "ReadState", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"{bucket_arn}/*"},
            {"Sid": "WriteState", "Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"],
             "Resource": writable},
            {"Sid": "StateKey", "Effect": "Allow", "Action": kms_actions, "Resource": key_arn},
        ],
    })


@dataclass(frozen=True)
class CiRoleSpec:
    """One role for CI: who may assume it (OIDC subjects) and what it may do."""

    subjects: tuple[str, ...]
    managed_policy_arns: tuple[str, ...] = ()
    # Deploy roles write state; preview and drift roles only read it (and take locks).
    writes_state: bool = False
    description: str = ""
    # Customer managed policies (key -> JSON document) created for this role and attached to it; the
    # key `main` is named `<prefix>-github-<role>`, so other policies can name its ARN in advance.
    policies: Mapping[str, str] = field(default_factory=dict)
    # A state access document replacing the default one (which reads every stack's state).
    state_policy: str | None = None


@dataclass(frozen=True)
class GitHubOidcArgs:
    """Inputs of GitHubOidc."""

    account_id: str
    state_bucket_arn: str
    state_key_arn: pulumi.Input[str]
    # Roles keyed by name (`preview`, `drift`, `deploy`); the key becomes part of the role name.
    roles: Mapping[str, CiRoleSpec]
    name_prefix: str = "mlinfra"
    protect: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)
    # The permissions boundary every role the deploy creates must carry: (IAM path, name, document).
    boundary: tuple[str, str, str] | None = None


class GitHubOidc(pulumi.ComponentResource):
    """IAM OIDC provider for GitHub Actions plus one role per CI purpose, trusted by exact subjects."""

    provider_arn: pulumi.Output[str]
    role_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: GitHubOidcArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:GitHubOidc", name, None, opts)
        oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-provider", url=f"https://{GITHUB_ISSUER_HOST}", client_id_lists=[AUDIENCE],
            tags=with_tags(args.tags, Name=GITHUB_ISSUER_HOST),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect))
        arn = provider_arn(args.account_id)
        if args.boundary is not None:
            path, boundary_name, document = args.boundary
            aws.iam.Policy(f"{name}-boundary", name=boundary_name, path=path, policy=document,
                           description="Permissions boundary of every role the platform stacks create",
                           tags=with_tags(args.tags, Name=boundary_name),
                           opts=pulumi.ResourceOptions(parent=self, protect=args.protect))
        self.role_arns = {}
        for role_name, spec in args.roles.items():
            role = aws.iam.Role(
                f"{name}-{role_name}", name=f"{args.name_prefix}-github-{role_name}",
                description=spec.description or f"GitHub Actions {role_name} role",
                assume_role_policy=github_trust_policy(arn, spec.subjects), max_session_duration=3600,
                tags=with_tags(args.tags, Name=f"{args.name_prefix}-github-{role_name}"),
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect, depends_on=[oidc]))
            for policy_arn in spec.managed_policy_arns:
                policy_key = policy_arn.rsplit("/", 1)[-1].lower()
                aws.iam.RolePolicyAttachment(f"{name}-{role_name}-{policy_key}", role=role.name,
                                             policy_arn=policy_arn, opts=pulumi.ResourceOptions(parent=self))
            for policy_key, document in spec.policies.items():
                policy_name = f"{args.name_prefix}-github-{role_name}" + ("" if policy_key == "main" else
                                                                          f"-{policy_key}")
                policy = aws.iam.Policy(f"{name}-{role_name}-{policy_key}", name=policy_name, policy=document,
                                        tags=with_tags(args.tags, Name=policy_name),
                                        opts=pulumi.ResourceOptions(parent=self))
                # The ARN is computed, not taken from the policy, so the plan (and the policy pack)
                # sees exactly which policy each role gets.
                aws.iam.RolePolicyAttachment(
                    f"{name}-{role_name}-{policy_key}", role=role.name,
                    policy_arn=f"arn:aws:iam::{args.account_id}:policy/{policy_name}",
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]))
            state = spec.state_policy if spec.state_policy is not None else pulumi.Output.from_input(
                args.state_key_arn).apply(lambda key, write=spec.writes_state: state_access_document(
                    args.state_bucket_arn, key, write))
            aws.iam.RolePolicy(f"{name}-{role_name}-state", role=role.name, policy=state,
                               opts=pulumi.ResourceOptions(parent=self))
            self.role_arns[role_name] = role.arn
        self.provider_arn = oidc.arn
        self.register_outputs({"provider_arn": self.provider_arn, "role_arns": self.role_arns})


READ_ONLY_POLICY = managed_policy_arn("ReadOnlyAccess")
