"""Typed config of the bootstrap program (infra/bootstrap/): which repository CI runs for, and where.

The bootstrap stack file uses the `bootstrap:` namespace. Like the platform's config it is read
once, validated whole, and every problem is reported with its path before anything is registered.
"""

from __future__ import annotations

from typing import Annotated

import pulumi
from pydantic import Field, StringConstraints, ValidationError

from infra.config.base import Model, Name
from infra.config.load import ConfigError, _describe, namespace_problems, raw_config, runtime_config
from infra.config.stack import AwsSettings, Environment, Tags

NAMESPACE = "bootstrap"

GitHubName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,99})$")]
# GitHub environment names become part of an OIDC subject; keep them to safe characters.
EnvironmentName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")]

# Read-only project roles for preview and drift, one per service the stacks create (Compute, GKE, Cloud
# KMS, Cloud Storage, Cloud DNS, Certificate Manager, Artifact Registry, service accounts), plus
# IAM policy reads; instead of roles/viewer, which reads every service in the project. Role names from
# the per-service pages under https://cloud.google.com/iam/docs/roles-permissions (read 2026-11-29).
GCP_READ_ROLES = ("roles/compute.viewer", "roles/container.viewer", "roles/cloudkms.viewer",
                  "roles/storage.bucketViewer", "roles/dns.reader", "roles/certificatemanager.viewer",
                  "roles/artifactregistry.reader", "roles/iam.serviceAccountViewer", "roles/iam.securityReviewer")


WorkflowPath = Annotated[str, StringConstraints(pattern=r"^\.github/workflows/[A-Za-z0-9_.-]+\.ya?ml$")]
# An EKS cluster as the stacks name it (`<stack>-<cluster key>`, infra/config/rules/physical.py; EKS allows 100).
ClusterName = Annotated[str, StringConstraints(pattern=r"^[a-z]([a-z0-9-]{0,98}[a-z0-9])?$")]
ProjectId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")]

# The predefined project role that lets the deploy account create each `gcp:<module>` resource type the
# platform stacks create (and update, delete, set its IAM policy). Permissions from the per-service pages
# under https://cloud.google.com/iam/docs/roles-permissions (read 2026-11-29):
# - compute.admin: compute.* on networks, subnetworks, routers, addresses, SSL and security policies.
# - container.admin: container.* (clusters, node pools) and Kubernetes API access.
# - storage.admin: storage.buckets.* incl. setIamPolicy (bucket IAM members).
# - cloudkms.admin: cloudkms.keyRings.create, cloudkms.cryptoKeys.* (create, update, setIamPolicy);
#   no encrypt/decrypt ("except for access to restricted resource types and cryptographic operations").
# - certificatemanager.admin: certificatemanager.* ; certificatemanager.editor lacks every `.delete`
#   (certs, certmaps, certmapentries, dnsauthorizations), so a replace or destroy would fail.
# - dns.admin: dns.changes.create and dns.resourceRecordSets.*; the only other Cloud DNS role,
#   dns.reader, only reads.
# Types the deploy account may create only on accounts the bootstrap made for that purpose, by a role the
# bootstrap grants on each such account alone (never on the project): binding a stack's Kubernetes account
# to its metrics reader by Workload Identity (GkeMetricsReader; setIamPolicy on that account).
GCP_PER_ACCOUNT_ROLE_OF_MODULE = {"serviceaccount": "roles/iam.serviceAccountAdmin"}

GCP_DEPLOY_ROLE_OF_MODULE = {
    "compute": "roles/compute.admin",
    "container": "roles/container.admin",
    "storage": "roles/storage.admin",
    "kms": "roles/cloudkms.admin",
    "certificatemanager": "roles/certificatemanager.admin",
    "dns": "roles/dns.admin",
}


class Reviewers(Model):
    """Required reviewers of one GitHub environment; any one of them approves (GitHub allows up to 6 of each)."""

    users: list[int] = Field(default_factory=list, max_length=6)
    teams: list[int] = Field(default_factory=list, max_length=6)


class GitHubRepo(Model):
    """The one repository whose workflows may assume the CI identities."""

    org: GitHubName
    repo: GitHubName
    # GitHub's numeric repository id (never reused, unlike a name): every trust checks it with the name
    # (it is part of the OIDC subject). `gh api repos/ORG/REPO --jq .id` prints it.
    repository_id: str = Field(pattern=r"^[0-9]{1,20}$")
    branch: str = Field(default="main", pattern=r"^[A-Za-z0-9._/-]{1,100}$")
    # GitHub deployment environments whose jobs may deploy (deploy.yml); each trusted only on `branch`.
    environments: list[EnvironmentName] = Field(default_factory=lambda: ["dev", "staging", "prod"], min_length=1)
    # The environments of the drift check and of the sandbox reaper, each with an identity of its own.
    drift_environment: EnvironmentName = "drift"
    sandbox_environment: EnvironmentName = "sandbox"
    # The workflow file of each identity's jobs: the OIDC subject names it (`job_workflow_ref`), so no other
    # workflow of the repository, on any branch, can present a deploy's subject.
    deploy_workflow: WorkflowPath = ".github/workflows/pulumi-up.yml"
    drift_workflow: WorkflowPath = ".github/workflows/drift.yml"
    sandbox_workflow: WorkflowPath = ".github/workflows/sandbox-reaper.yml"
    preview_workflow: WorkflowPath = ".github/workflows/preview.yml"
    # The workflow that calls deploy_workflow (its jobs are in the deploy runner groups' allowed list too).
    deploy_caller_workflow: WorkflowPath = ".github/workflows/deploy.yml"
    # Who must approve each environment's jobs (GitHub's numeric user and team ids: `gh api users/NAME --jq .id`,
    # `gh api orgs/ORG/teams/SLUG --jq .id`); every protected stack's environment needs some.
    reviewers: dict[EnvironmentName, Reviewers] = Field(default_factory=dict)
    # A repository of the organisation holding the protected environments' deploy workflow (a copy of
    # deploy_workflow the bootstrap writes): their deploy runner groups run only its jobs, so nobody who can
    # push to this repository's main can run a job on a protected deployer. Only the protected environments'
    # reviewers may change it (docs/security.md). Required with aws.deploy_clusters.
    deploy_repository: GitHubName | None = None
    # Manage the repository's OIDC subject template, environments and runner groups with pulumi-github
    # (needs a GITHUB_TOKEN of an organisation admin at `pulumi up`). Off only to keep doing it by hand.
    manage: bool = True

    @property
    def slug(self) -> str:
        """`ORG/REPO`, as GitHub writes it in OIDC claims."""
        return f"{self.org}/{self.repo}"

    @property
    def deploy_slug(self) -> str | None:
        """`ORG/REPO` of the protected environments' deploy workflow, or None."""
        return f"{self.org}/{self.deploy_repository}" if self.deploy_repository else None


class AwsBootstrap(AwsSettings):
    """The AWS side: account, state bucket, and what the deploy role may do."""

    # The account the OIDC provider lives in; ARNs are computed locally from it.
    account_id: str = Field(pattern=r"^\d{12}$")
    state_bucket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    # Extra managed policies for the deploy role, on top of the scoped deploy policy the bootstrap
    # writes; never AdministratorAccess, PowerUserAccess or IAMFullAccess.
    deploy_policy_arns: list[str] = Field(default_factory=list)
    # Protected environment -> the EKS cluster its `<env>-deploy` runners run in. Its deploy role then trusts
    # only EKS Pod Identity of those runner pods, never a job's OIDC token: a runner registered elsewhere (with
    # a stolen GitHub App key) that takes the deploy job gets no credential (docs/security.md).
    deploy_clusters: dict[EnvironmentName, ClusterName] = Field(default_factory=dict)


class GcpBootstrap(Model):
    """The Google Cloud side: project, Workload Identity pool and the deploy service account's roles."""

    project: str = Field(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
    project_number: str = Field(pattern=r"^\d{6,20}$")
    pool_id: str = Field(default="github", pattern=r"^[a-z0-9-]{4,32}$")
    deploy_roles: list[str] = Field(min_length=1)
    # Project roles of the preview and drift accounts: read-only, narrower than roles/viewer.
    read_roles: list[str] = Field(default_factory=lambda: list(GCP_READ_ROLES), min_length=1)
    # The projects GCP sandboxes are created in (a sandbox stack's `mlinfra:gcp.project`): the sandbox reaper's
    # account gets there the roles tearing down the sandbox template takes (components/gcp/sandbox_teardown.py),
    # conditioned where GCP allows. Never the bootstrap's own project (state, keys) or an environment's.
    sandbox_projects: list[ProjectId] = Field(default_factory=list)
    # Extra project roles of the sandbox reaper's account in the sandbox projects, on top of those; none by default.
    sandbox_roles: list[str] = Field(default_factory=list)
    # Set to keep Pulumi state in GCS with a `gcpkms://` secrets provider (a GCP-only organisation).
    state_bucket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$")
    location: str = Field(default="us-central1", pattern=r"^[a-z]+(-[a-z]+\d)?$")
    # Platform stack -> the GCP project its clusters are in: the bootstrap creates a node service account
    # there with the node roles, and lets the deploy account act as it (on that account only). The stack
    # names it in `clusters.<c>.gcp.node_service_account`, so a deploy grants no project IAM.
    node_service_accounts: dict[Name, ProjectId] = Field(default_factory=dict)


class StackAccess(Model):
    """Which platform stacks pull-request previews may read, and which stay out of their reach."""

    # Stacks whose state and secrets no pull request may read; their secrets use a key of their own.
    protected: list[Name] = Field(default_factory=lambda: ["staging", "prod"])
    # Stacks previewed on pull requests (state read, locks written, secrets decrypted).
    previewed: list[Name] = Field(default_factory=lambda: ["dev"])


class BootstrapConfig(Model):
    """Everything under `bootstrap:` in the bootstrap stack file."""

    environment: Environment = Environment.PROD
    tags: Tags
    name_prefix: Name = "mlinfra"
    github: GitHubRepo
    stacks: StackAccess = Field(default_factory=StackAccess)
    aws: AwsBootstrap | None = None
    gcp: GcpBootstrap | None = None


# Any of these on the deploy role is administrator: IAMFullAccess can attach the others to itself.
AWS_ADMIN_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")
# Project-wide, each lets the holder act as every service account or own the project.
GCP_ADMIN_ROLES = ("roles/owner", "roles/editor", "roles/iam.serviceAccountUser",
                   "roles/iam.serviceAccountTokenCreator", "roles/resourcemanager.projectIamAdmin")


def bootstrap_problems(config: BootstrapConfig) -> list[tuple[str, str]]:
    """Cross-field rules, every problem at once."""
    problems = []
    if config.aws is None and config.gcp is None:
        problems.append(("aws", "set aws or gcp (or both): the bootstrap has nothing to create"))
    if config.aws is not None:
        for index, arn in enumerate(config.aws.deploy_policy_arns):
            name = arn.rsplit("/", 1)[-1]
            if name in AWS_ADMIN_POLICIES:
                problems.append((f"aws.deploy_policy_arns.{index}",
                                 f"{name} is refused: the deploy role gets a policy scoped to what the stacks "
                                 "create and a permissions boundary; remove it"))
    if config.gcp is not None:
        for key in ("deploy_roles", "read_roles", "sandbox_roles"):
            for index, role in enumerate(getattr(config.gcp, key)):
                if role in GCP_ADMIN_ROLES:
                    problems.append((f"gcp.{key}.{index}",
                                     f"{role} is refused on the whole project; list roles scoped to what the "
                                     "stacks create"))
    if config.gcp is not None:
        problems += _sandbox_project_problems(config.gcp)
    github = config.github
    special = {github.drift_environment, github.sandbox_environment}
    for index, env in enumerate(github.environments):
        if env in special:
            problems.append((f"github.environments.{index}",
                             f"'{env}' is the drift or sandbox environment, which has an identity of its own"))
    for env in config.stacks.protected:
        reviewers = github.reviewers.get(env)
        if github.manage and env in github.environments and not (reviewers and (reviewers.users or reviewers.teams)):
            problems.append((f"github.reviewers.{env}",
                             f"required: '{env}' is protected, so its deploys need an approval; list the ids of "
                             "the users or teams who may give it"))
    problems.extend(_deploy_cluster_problems(config))
    for index, stack in enumerate(config.stacks.previewed):
        if stack in config.stacks.protected or stack.startswith("sandbox"):
            problems.append((f"stacks.previewed.{index}",
                             f"'{stack}' is protected (or a sandbox): pull requests may not read its state"))
        elif stack not in github.environments:
            problems.append((f"stacks.previewed.{index}",
                             f"'{stack}' is no deploy environment ({', '.join(github.environments)}): a previewed "
                             "stack is named after its environment, whose secrets key previews then use"))
    return problems


def _deploy_cluster_problems(config: BootstrapConfig) -> list[tuple[str, str]]:
    """Every protected environment's deploy is bound to its runner pods, and those run only the deploy
    repository's workflow."""
    if config.aws is None:
        return []
    github, clusters = config.github, config.aws.deploy_clusters
    protected = [env for env in config.stacks.protected if env in github.environments]
    problems = [(f"aws.deploy_clusters.{env}",
                 f"required: '{env}' is protected, so its deploy role trusts only its deployer pods; name the EKS "
                 f"cluster its `{env}-deploy` runners run in (`<stack>-<cluster key>`, e.g. {env}-train)")
                for env in protected if env not in clusters]
    problems += [(f"aws.deploy_clusters.{env}",
                  f"'{env}' is not a protected environment ({', '.join(protected) or 'none'}); remove it")
                 for env in clusters if env not in protected]
    if clusters and github.deploy_repository is None:
        problems.append(("github.deploy_repository",
                         "required with aws.deploy_clusters: name the repository (in the same organisation) whose "
                         "copy of the deploy workflow the protected deploy runner groups run, e.g. "
                         f"{github.repo}-deploy"))
    return problems


def _sandbox_project_problems(gcp: GcpBootstrap) -> list[tuple[str, str]]:
    """A sandbox project (listed, or a sandbox stack's in node_service_accounts) holds sandboxes only: not the
    state and keys, not an environment's stacks."""
    from infra.config.rules.physical import is_sandbox_stack_name

    others = {project: f"gcp.node_service_accounts.{stack}" for stack, project in gcp.node_service_accounts.items()
              if not is_sandbox_stack_name(stack)}
    others[gcp.project] = "gcp.project (the state bucket, keys and CI accounts)"
    sandboxes = [(f"gcp.sandbox_projects.{index}", project) for index, project in enumerate(gcp.sandbox_projects)]
    sandboxes += [(f"gcp.node_service_accounts.{stack}", project)
                  for stack, project in gcp.node_service_accounts.items() if is_sandbox_stack_name(stack)]
    return [(path, f"'{project}' is also {others[project]}: the sandbox reaper tears down what is in its sandbox "
                   "projects, so give sandboxes a project of their own")
            for path, project in sandboxes if project in others]


def parse_bootstrap_config(values: dict, stack: str) -> BootstrapConfig:
    """Validate `bootstrap:*` values (namespace stripped) or raise ConfigError naming every problem."""
    try:
        config = BootstrapConfig.model_validate(values)
    except ValidationError as exc:
        problems = [_describe(error, model=BootstrapConfig) for error in exc.errors(include_url=False)]
        raise ConfigError(stack, problems) from None
    problems = bootstrap_problems(config)
    if problems:
        raise ConfigError(stack, problems)
    return config


def load_bootstrap_config() -> BootstrapConfig:
    """Read and validate the running bootstrap stack's config."""
    # A misspelt namespace would be ignored, as in the main project (infra.config.load.KNOWN_NAMESPACES).
    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    unknown = namespace_problems(merged, (NAMESPACE, "aws", "gcp", "kubernetes", "pulumi"))
    if unknown:
        raise ConfigError(pulumi.get_stack(), unknown)
    values, _secrets = raw_config(NAMESPACE)
    return parse_bootstrap_config(values, pulumi.get_stack())
