"""Typed config of the bootstrap program (infra/bootstrap/): which repository CI runs for, and where.

The bootstrap stack file uses the `bootstrap:` namespace. Like the platform's config it is read
once, validated whole, and every problem is reported with its path before anything is registered.
"""

from __future__ import annotations

from typing import Annotated

import pulumi
from pydantic import Field, StringConstraints, ValidationError

from infra.config.base import Model, Name
from infra.config.load import ConfigError, _describe, raw_config
from infra.config.stack import AwsSettings, Environment, Tags

NAMESPACE = "bootstrap"

GitHubName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,99})$")]
# GitHub environment names become part of an OIDC subject; keep them to safe characters.
EnvironmentName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")]


class GitHubRepo(Model):
    """The one repository whose workflows may assume the CI identities."""

    org: GitHubName
    repo: GitHubName
    branch: str = Field(default="main", pattern=r"^[A-Za-z0-9._/-]{1,100}$")
    # GitHub deployment environments whose jobs may deploy (deploy.yml, sandbox-reaper.yml).
    environments: list[EnvironmentName] = Field(default_factory=lambda: ["dev", "staging", "prod", "sandbox"],
                                                min_length=1)

    @property
    def slug(self) -> str:
        """`ORG/REPO`, as GitHub writes it in OIDC claims."""
        return f"{self.org}/{self.repo}"


class AwsBootstrap(AwsSettings):
    """The AWS side: account, state bucket, and what the deploy role may do."""

    # The account the OIDC provider lives in; ARNs are computed locally from it.
    account_id: str = Field(pattern=r"^\d{12}$")
    state_bucket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    # Managed policies for the deploy role: the organisation's own choice of scope, never admin.
    deploy_policy_arns: list[str] = Field(min_length=1)


class GcpBootstrap(Model):
    """The Google Cloud side: project, Workload Identity pool and the deploy service account's roles."""

    project: str = Field(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
    project_number: str = Field(pattern=r"^\d{6,20}$")
    pool_id: str = Field(default="github", pattern=r"^[a-z0-9-]{4,32}$")
    deploy_roles: list[str] = Field(min_length=1)
    # Set to keep Pulumi state in GCS with a `gcpkms://` secrets provider (a GCP-only organisation).
    state_bucket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$")
    location: str = Field(default="us-central1", pattern=r"^[a-z]+(-[a-z]+\d)?$")


class BootstrapConfig(Model):
    """Everything under `bootstrap:` in the bootstrap stack file."""

    environment: Environment = Environment.PROD
    tags: Tags
    name_prefix: Name = "mlinfra"
    github: GitHubRepo
    aws: AwsBootstrap | None = None
    gcp: GcpBootstrap | None = None


def bootstrap_problems(config: BootstrapConfig) -> list[tuple[str, str]]:
    """Cross-field rules, every problem at once."""
    problems = []
    if config.aws is None and config.gcp is None:
        problems.append(("aws", "set aws or gcp (or both): the bootstrap has nothing to create"))
    if config.aws is not None:
        for index, arn in enumerate(config.aws.deploy_policy_arns):
            if arn.endswith(":policy/AdministratorAccess"):
                problems.append((f"aws.deploy_policy_arns.{index}",
                                 "AdministratorAccess is refused; list policies scoped to what the stacks create"))
    if config.gcp is not None:
        for index, role in enumerate(config.gcp.deploy_roles):
            if role in ("roles/owner", "roles/editor"):
                problems.append((f"gcp.deploy_roles.{index}",
                                 f"{role} is refused; list roles scoped to what the stacks create"))
    return problems


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
    values, _secrets = raw_config(NAMESPACE)
    return parse_bootstrap_config(values, pulumi.get_stack())
