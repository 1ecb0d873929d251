"""GitHubOidc: the GitHub Actions OIDC provider in IAM and the roles CI assumes through it.

No long-lived keys: a workflow job presents its OIDC token, and a role's trust policy decides
from the token's `sub` claim whether it may assume that role.

The repository's subject template (set by the bootstrap with pulumi-github,
`ActionsRepositoryOidcSubjectClaimCustomizationTemplate`) is the claim keys `repo`, `repository_id`,
`context`, `ref` and `job_workflow_ref`. Each key adds `key:value` in the order listed, `context` adds
what follows the repository in the default format (`environment:<name>` or `pull_request`), and any
`:` inside a value becomes `%3A` (GitHub docs, "OpenID Connect reference",
github/docs:content/actions/reference/security/oidc.md, "Customizing the subject claims for an
organization or repository" and "Example: Requiring a reusable workflow and other claims", read
2026-12-07). So a prod deploy job of the reusable pulumi-up.yml on main presents
`repo:ORG/REPO:repository_id:ID:environment:prod:ref:refs/heads/main:job_workflow_ref:ORG/REPO/.github/
workflows/pulumi-up.yml@refs/heads/main`: the repository's numeric id (never reused, unlike its name),
the environment, the branch and the very workflow file must all match. `job_workflow_ref` names the
called workflow of a reusable-workflow job (github/docs:content/actions/how-tos/secure-your-work/
security-harden-deployments/oidc-with-reusable-workflows.md, read 2026-12-07).
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


# The repository's OIDC subject template (module docstring); the bootstrap applies it with pulumi-github.
SUBJECT_CLAIM_KEYS = ("repo", "repository_id", "context", "ref", "job_workflow_ref")


@dataclass(frozen=True)
class Repository:
    """The one repository whose workflows may assume the CI identities: name and GitHub's numeric id."""

    slug: str
    repository_id: str

    def workflow_ref(self, workflow: str, ref: str) -> str:
        """`job_workflow_ref` of a job of `workflow` (a path like .github/workflows/x.yml) at `ref`."""
        return f"{self.slug}/{workflow}@{ref}"


def _escape(value: str) -> str:
    return value.replace(":", "%3A")


def environment_subject(repo: Repository, environment: str, branch: str, workflow: str) -> str:
    """Subject of a job of `workflow` in `environment` running from `branch`, under SUBJECT_CLAIM_KEYS."""
    ref = f"refs/heads/{branch}"
    return (f"repo:{repo.slug}:repository_id:{repo.repository_id}:environment:{_escape(environment)}:ref:{ref}"
            f":job_workflow_ref:{repo.workflow_ref(workflow, ref)}")


def pull_request_subject_pattern(repo: Repository, workflow: str) -> str:
    """Subjects of every pull-request job of `workflow` (no environment); the pull request's number is
    the only wildcard."""
    ref = "refs/pull/*/merge"
    return (f"repo:{repo.slug}:repository_id:{repo.repository_id}:pull_request:ref:{ref}"
            f":job_workflow_ref:{repo.workflow_ref(workflow, ref)}")


def github_trust_policy(oidc_provider_arn: str, subjects: Sequence[str]) -> str:
    """Trust policy: only tokens for our audience whose `sub` is one of `subjects` may assume the role.

    Literal subjects are matched with StringEquals; only patterns (a pull request's number) use StringLike.
    """
    exact = [s for s in subjects if "*" not in s]
    patterns = [s for s in subjects if "*" in s]
    condition: dict = {"StringEquals": {f"{GITHUB_ISSUER_HOST}:aud": AUDIENCE}}
    if exact:
        condition["StringEquals"][f"{GITHUB_ISSUER_HOST}:sub"] = exact
    if patterns:
        condition["StringLike"] = {f"{GITHUB_ISSUER_HOST}:sub": patterns}
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        }],
    })


@dataclass(frozen=True)
class PodIdentityBinding:
    """The one Kubernetes service account, in one EKS cluster, whose pods alone may assume a CI role."""

    cluster_arn: str
    namespace: str
    service_account: str


# The session tags EKS Pod Identity adds to its AssumeRole request, usable in the trust policy as
# `aws:RequestTag/<key>` (Amazon EKS User Guide, "Create IAM role with trust policy required by EKS Pod
# Identity", https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html, and "List of session tags
# added by EKS Pod Identity", .../pod-id-abac.html: eks-cluster-arn, eks-cluster-name, kubernetes-namespace,
# kubernetes-service-account, kubernetes-pod-name, kubernetes-pod-uid; read 2026-12-08).
POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com"


def pod_identity_trust_policy(binding: PodIdentityBinding) -> str:
    """Trust policy: only EKS Pod Identity, for pods of this service account in this cluster."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": POD_IDENTITY_PRINCIPAL},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {"StringEquals": {
                "aws:RequestTag/eks-cluster-arn": binding.cluster_arn,
                "aws:RequestTag/kubernetes-namespace": binding.namespace,
                "aws:RequestTag/kubernetes-service-account": binding.service_account}},
        }],
    })


@dataclass(frozen=True)
class CiRoleSpec:
    """One role for CI: who may assume it (OIDC subjects) and what it may do."""

    subjects: tuple[str, ...]
    managed_policy_arns: tuple[str, ...] = ()
    description: str = ""
    # Customer managed policies (key -> JSON document) created for this role and attached to it; the
    # key `main` is named `<prefix>-github-<role>`, so other policies can name its ARN in advance.
    policies: Mapping[str, str] = field(default_factory=dict)
    # Which Pulumi state and secrets keys the role reaches (ci_state.state_policy_document): no default,
    # so no role reads every stack's state by omission.
    state_policy: str = ""
    # Trusted only by EKS Pod Identity of these runner pods instead of OIDC subjects (`subjects` then empty).
    pod_identity: PodIdentityBinding | None = None


@dataclass(frozen=True)
class GitHubOidcArgs:
    """Inputs of GitHubOidc."""

    account_id: str
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
                assume_role_policy=(pod_identity_trust_policy(spec.pod_identity) if spec.pod_identity is not None
                                    else github_trust_policy(arn, spec.subjects)), max_session_duration=3600,
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
            if not spec.state_policy:
                raise ValueError(f"CI role '{role_name}' has no state_policy: name the stacks it may read")
            aws.iam.RolePolicy(f"{name}-{role_name}-state", role=role.name, policy=spec.state_policy,
                               opts=pulumi.ResourceOptions(parent=self))
            self.role_arns[role_name] = role.arn
        self.provider_arn = oidc.arn
        self.register_outputs({"provider_arn": self.provider_arn, "role_arns": self.role_arns})


READ_ONLY_POLICY = managed_policy_arn("ReadOnlyAccess")
