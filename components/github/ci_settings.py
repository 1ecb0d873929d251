"""GitHubCiSettings: the repository settings the CI identities' trust rests on, managed with pulumi-github.

- The OIDC subject template (components/aws/github_oidc.py SUBJECT_CLAIM_KEYS): without it GitHub issues
  the default subject, which no trust policy accepts.
- One GitHub environment per deploy environment (plus drift and sandbox): deployable only from the deploy
  branch (a custom branch policy naming it, never "protected branches", which any protected branch
  matches), required reviewers where the environment is protected, no self-review, no admin bypass; and
  the variables its jobs read (the environment's own deploy role and secrets key), so no job of another
  environment can name them.
- Runner groups admitting only the repository, deploy groups only the deploy and drift workflows on the
  deploy branch: a pull request's job can never be scheduled on a deployer.

Resource and argument names from pulumi-github 6.15.0 (the SDK in uv.lock), which bridges
integrations/terraform-provider-github: website/docs/r/repository_environment.html.markdown
(`reviewers` users/teams are numeric ids, `deployment_branch_policy`), repository_environment_deployment_policy,
actions_runner_group (`visibility: selected`, `restricted_to_workflows`, `selected_workflows`) and
actions_environment_variable; read 2026-12-07. A selected workflow is `ORG/REPO/.github/workflows/FILE@REF`
("Note that a ref, tag, or long SHA is required", GitHub REST API schema runner-groups, example
`octo-org/octo-repo/.github/workflows/deploy.yaml@main`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_github as github


@dataclass(frozen=True)
class EnvironmentSpec:
    """One GitHub environment: who must approve its jobs (user and team ids) and the variables they read."""

    reviewer_users: tuple[int, ...] = ()
    reviewer_teams: tuple[int, ...] = ()
    variables: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunnerGroupSpec:
    """One organisation runner group: the repositories it admits and, if any, the only workflows it runs."""

    repository_ids: tuple[int, ...]
    workflows: tuple[str, ...] = ()


@dataclass(frozen=True)
class GitHubCiSettingsArgs:
    """Inputs of GitHubCiSettings."""

    repository: str  # the repository's name, without the organisation
    branch: str
    subject_claim_keys: Sequence[str]
    environments: Mapping[str, EnvironmentSpec]
    runner_groups: Mapping[str, RunnerGroupSpec] = field(default_factory=dict)


def deployment_branch_policy() -> dict:
    """Only branches matching the custom policies (the deploy branch alone) may deploy."""
    return {"protected_branches": False, "custom_branch_policies": True}


class GitHubCiSettings(pulumi.ComponentResource):
    """Subject template, environments with their branch policy, reviewers and variables, runner groups."""

    def __init__(self, name: str, args: GitHubCiSettingsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:github:CiSettings", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        github.ActionsRepositoryOidcSubjectClaimCustomizationTemplate(
            f"{name}-oidc-subject", repository=args.repository, use_default=False,
            include_claim_keys=list(args.subject_claim_keys), opts=child)
        for env, spec in args.environments.items():
            reviewers = ([{"users": list(spec.reviewer_users), "teams": list(spec.reviewer_teams)}]
                         if spec.reviewer_users or spec.reviewer_teams else None)
            environment = github.RepositoryEnvironment(
                f"{name}-env-{env}", repository=args.repository, environment=env, can_admins_bypass=False,
                prevent_self_review=True, reviewers=reviewers, deployment_branch_policy=deployment_branch_policy(),
                opts=child)
            on_env = pulumi.ResourceOptions(parent=self, depends_on=[environment])
            github.RepositoryEnvironmentDeploymentPolicy(
                f"{name}-env-{env}-branch", repository=args.repository, environment=env,
                branch_pattern=args.branch, opts=on_env)
            for variable, value in spec.variables.items():
                github.ActionsEnvironmentVariable(
                    f"{name}-env-{env}-{variable.lower().replace('_', '-')}", repository=args.repository,
                    environment=env, variable_name=variable, value=value, opts=on_env)
        for group, spec in args.runner_groups.items():
            github.ActionsRunnerGroup(
                f"{name}-runners-{group}", name=group, visibility="selected", allows_public_repositories=False,
                selected_repository_ids=list(spec.repository_ids), restricted_to_workflows=bool(spec.workflows),
                selected_workflows=list(spec.workflows) or None, opts=child)
        self.register_outputs({})
