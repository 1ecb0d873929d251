"""The bootstrap's GitHub side: the settings the CI identities' trust rests on (components/github/ci_settings.py),
derived from the same config as the trusts, so the two cannot drift apart.

Runner groups per environment, matching the stacks' `runner_group` names (tests/infra/test_bootstrap_github.py
checks every stack's): `<env>-deploy` runs only the deploy and drift workflows on the deploy branch;
`<env>-preview` (previewed stacks) and `<env>-ci` admit the repository's other jobs, pull requests included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi

from components.aws.github_oidc import SUBJECT_CLAIM_KEYS
from components.github.ci_settings import EnvironmentSpec, GitHubCiSettings, GitHubCiSettingsArgs, RunnerGroupSpec
from infra.config.bootstrap import BootstrapConfig

# The platform repository's root: the deploy repository gets this checkout's deploy workflow.
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


def deploy_workflow_path(config: BootstrapConfig, environment: str) -> str:
    """The workflow an environment's deploy jobs are defined in: this repository's deploy workflow, or for a
    deploy bound to its runner pods the deploy repository's copy (`ORG/REPO/<path>`)."""
    gh = config.github
    if gh.deploy_slug and config.aws is not None and environment in config.aws.deploy_clusters:
        return f"{gh.deploy_slug}/{gh.deploy_workflow}"
    return gh.deploy_workflow


def deploy_group_workflows(config: BootstrapConfig, environment: str | None = None) -> tuple[str, ...]:
    """The only workflows a deploy runner group runs: the deploy (caller and reusable) and drift, on the branch;
    for an environment whose deploy is bound to its runner pods, only the deploy repository's copy of the deploy
    workflow (jobs defined anywhere else, whatever main's code says, never reach those pods)."""
    gh = config.github
    ref = f"refs/heads/{gh.branch}"
    if environment is not None and deploy_workflow_path(config, environment) != gh.deploy_workflow:
        return (f"{deploy_workflow_path(config, environment)}@{ref}",)
    return tuple(f"{gh.slug}/{workflow}@{ref}"
                 for workflow in (gh.deploy_caller_workflow, gh.deploy_workflow, gh.drift_workflow))


def runner_groups(config: BootstrapConfig) -> dict[str, RunnerGroupSpec]:
    """Every runner group the stacks' scale sets register in, with what it admits."""
    gh = config.github
    repo = (int(gh.repository_id),)
    groups: dict[str, RunnerGroupSpec] = {}
    for env in gh.environments:
        groups[f"{env}-deploy"] = RunnerGroupSpec(repo, deploy_group_workflows(config, env))
        if env in config.stacks.previewed:
            groups[f"{env}-preview"] = RunnerGroupSpec(repo)
        groups[f"{env}-ci"] = RunnerGroupSpec(repo)
    return groups


def environment_variables(config: BootstrapConfig, variables: dict[str, dict[str, str]]) -> dict[str, EnvironmentSpec]:
    """Each GitHub environment with its reviewers and the variables its jobs read (`variables[env]`)."""
    gh = config.github
    specs = {}
    for env in (*gh.environments, gh.drift_environment, gh.sandbox_environment):
        reviewers = gh.reviewers.get(env)
        specs[env] = EnvironmentSpec(reviewer_users=tuple(reviewers.users) if reviewers else (),
                                     reviewer_teams=tuple(reviewers.teams) if reviewers else (),
                                     variables=variables.get(env, {}))
    return specs


def build_github(config: BootstrapConfig, variables: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The GitHub settings (when `github.manage`); returns the runner groups for the outputs."""
    import pulumi_github as github

    gh = config.github
    if not gh.manage:
        return {}
    provider = github.Provider("github", owner=gh.org)
    groups = runner_groups(config)
    GitHubCiSettings("github-ci", GitHubCiSettingsArgs(
        repository=gh.repo, branch=gh.branch, subject_claim_keys=SUBJECT_CLAIM_KEYS,
        environments=environment_variables(config, variables), runner_groups=groups),
        opts=pulumi.ResourceOptions(provider=provider))
    if gh.deploy_repository is not None:
        from components.github.deploy_repository import DeployRepository, DeployRepositoryArgs

        # Its writers are the protected environments' reviewer teams: those who approve those deploys anyway.
        teams = sorted({t for env in config.stacks.protected if env in gh.reviewers for t in gh.reviewers[env].teams})
        DeployRepository("deploy-workflows", DeployRepositoryArgs(
            name=gh.deploy_repository, branch=gh.branch, workflow_path=gh.deploy_workflow,
            workflow_content=(REPOSITORY_ROOT / gh.deploy_workflow).read_text(), writer_teams=teams),
            opts=pulumi.ResourceOptions(provider=provider))
    return {"github_runner_groups": {name: list(spec.workflows) or "repository jobs" for name, spec in groups.items()}}
