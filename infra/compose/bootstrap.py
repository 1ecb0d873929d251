"""Bootstrap composition: config -> state bucket, secrets keys and the CI identities on each cloud.

One identity per purpose and environment, each trusted only by its GitHub environment, on the deploy
branch, in its own workflow file (or, for previews, by pull requests of the preview workflow):
`preview` (read the previewed stacks, never a protected one), `drift` (read the unprotected environments'
stacks: a protected stack's drift check runs as its deploy identity, behind its reviewers), `deploy-<env>`
(one per environment: a policy scoped to what the stacks create, in that environment only, roles only
under the permissions boundary), `sandbox` (sandbox stacks and sandbox-tagged resources only).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pulumi

from components.aws.github_oidc import Repository, environment_subject, pull_request_subject_pattern
from infra.compose.bootstrap_aws import build_aws_bootstrap
from infra.compose.bootstrap_github import build_github, deploy_workflow_path
from infra.config.bootstrap import BootstrapConfig

PROJECT = "mlinfra-bootstrap"
# The platform project whose stacks the state bucket holds (Pulumi.yaml at the repository root).
PLATFORM_PROJECT = "mlinfra"


def bootstrap_tags(config: BootstrapConfig, stack: str) -> dict[str, str]:
    """Tags every bootstrap resource carries, the same shape as the platform's."""
    return {**config.tags.extra, "environment": config.environment.value, "owner": config.tags.owner,
            "cost-center": config.tags.cost_center, "stack": stack, "managed-by": "mlinfra-bootstrap"}


def repository(config: BootstrapConfig) -> Repository:
    """The repository every trust names, by name and numeric id."""
    return Repository(config.github.slug, config.github.repository_id)


def deploy_identity(environment: str) -> str:
    """Name of one environment's deploy identity (`deploy-prod`); the role is `<prefix>-github-deploy-prod`."""
    return f"deploy-{environment}"


def subjects(config: BootstrapConfig) -> dict[str, tuple[str, ...]]:
    """OIDC subjects per CI identity, under the subject template of components.aws.github_oidc: each names
    its environment, the deploy branch and its workflow file; previews the preview workflow of a pull request."""
    gh, repo = config.github, repository(config)
    return {
        "preview": (pull_request_subject_pattern(repo, gh.preview_workflow),),
        "drift": (environment_subject(repo, gh.drift_environment, gh.branch, gh.drift_workflow),),
        **{deploy_identity(env): (environment_subject(repo, env, gh.branch, gh.deploy_workflow),)
           for env in gh.environments},
        "sandbox": (environment_subject(repo, gh.sandbox_environment, gh.branch, gh.sandbox_workflow),),
    }


def stack_projects(config: BootstrapConfig, stacks: Collection[str] | None = None) -> tuple[str, ...]:
    """The GCP projects the platform stacks (or only `stacks`) deploy into, each once."""
    assert config.gcp is not None
    return tuple(dict.fromkeys(p for s, p in config.gcp.node_service_accounts.items()
                               if stacks is None or s in stacks))


def build_bootstrap(config: BootstrapConfig) -> dict[str, Any]:
    """Create everything the workflows need; return what the README tells people to copy into GitHub."""
    stack = pulumi.get_stack()
    tags = bootstrap_tags(config, stack)
    outputs: dict[str, Any] = {"environment": config.environment.value, "repository": config.github.slug}
    if config.aws is not None:
        outputs.update(build_aws_bootstrap(config, subjects(config), tags, PLATFORM_PROJECT))
    if config.gcp is not None:
        outputs.update(_gcp(config, tags))
    outputs.update(build_github(config, github_variables(config)))
    return outputs


def github_variables(config: BootstrapConfig) -> dict[str, dict[str, str]]:
    """What each GitHub environment's jobs read, all known before anything exists: the environment's own
    deploy role, secrets key and service account, so no job of another environment can name them."""
    from infra.compose.bootstrap_aws import SANDBOX_ZONE

    gh = config.github
    variables: dict[str, dict[str, str]] = {env: {} for env in (*gh.environments, gh.drift_environment,
                                                                gh.sandbox_environment)}
    roles = {**{env: ("AWS_DEPLOY_ROLE_ARN", deploy_identity(env)) for env in gh.environments},
             gh.drift_environment: ("AWS_DRIFT_ROLE_ARN", "drift"), gh.sandbox_environment: ("AWS_SANDBOX_ROLE_ARN",
                                                                                             "sandbox")}
    zones = {**{env: env for env in gh.environments}, gh.sandbox_environment: SANDBOX_ZONE}
    for env, (variable, identity) in roles.items():
        # No role variable for a deploy bound to its runner pods: the job takes the pod's credentials.
        if config.aws is not None and env not in config.aws.deploy_clusters:
            variables[env][variable] = (f"arn:aws:iam::{config.aws.account_id}:role/"
                                        f"{config.name_prefix}-github-{identity}")
        if config.gcp is not None:
            from components.gcp.github_wif import service_account_email
            from components.gcp.iam import service_account_id

            account = service_account_id(f"{config.name_prefix}-gh", identity)
            variables[env][variable.replace("AWS_", "GCP_").replace("_ROLE_ARN", "_SERVICE_ACCOUNT")] = (
                service_account_email(account, config.gcp.project))
        if env in zones and config.aws is not None:
            variables[env]["PULUMI_SECRETS_PROVIDER"] = (
                f"awskms://alias/{config.name_prefix}-pulumi-{zones[env]}?region={config.aws.region}")
    return variables


def sandbox_projects(config: BootstrapConfig) -> tuple[str, ...]:
    """The GCP projects sandboxes live in: `gcp.sandbox_projects`, and the project of a sandbox stack's node
    account (`gcp.node_service_accounts`)."""
    from infra.config.rules.physical import is_sandbox_stack_name

    assert config.gcp is not None
    sandboxes = [s for s in config.gcp.node_service_accounts if is_sandbox_stack_name(s)]
    return tuple(dict.fromkeys([*config.gcp.sandbox_projects, *stack_projects(config, sandboxes)]))


def _sandbox_account(config: BootstrapConfig):
    """The sandbox reaper's account: what tearing down the sandbox template takes (every type of the table,
    which tests/infra/test_gcp_sandbox_roles.py holds equal to the template's types), in the sandbox projects
    only, plus `gcp.sandbox_roles`."""
    from components.gcp.github_wif import CiServiceAccountSpec
    from components.gcp.iam import NODE_ROLES
    from components.gcp.sandbox_teardown import GCP_TEARDOWN_ROLE_OF_TYPE, ConditionalRole, sandbox_teardown_roles

    assert config.gcp is not None
    roles = sandbox_teardown_roles(tuple(GCP_TEARDOWN_ROLE_OF_TYPE), NODE_ROLES)
    plain = tuple(dict.fromkeys([*(r for r in roles if isinstance(r, str)), *config.gcp.sandbox_roles]))
    return CiServiceAccountSpec(plain, principal_sets=(("environment", config.github.sandbox_environment),),
                                projects=sandbox_projects(config),
                                conditional_roles=tuple(r for r in roles if isinstance(r, ConditionalRole)))


def _gcp(config: BootstrapConfig, tags: dict[str, str]) -> dict[str, Any]:
    import pulumi_gcp as gcp

    from components.gcp.github_wif import (
        CiServiceAccountSpec,
        GitHubWorkloadIdentity,
        GitHubWorkloadIdentityArgs,
        provider_resource_name,
        trust_condition,
    )
    from infra.compose.bootstrap_aws import SANDBOX_ZONE, trust_zones, unprotected_environments

    assert config.gcp is not None
    gh = config.github
    unprotected = unprotected_environments(config)
    read = tuple(config.gcp.read_roles)
    accounts = {
        # Read roles where the stacks they look at live: drift the unprotected stacks' projects (a protected
        # stack's drift check runs as its deploy account, behind its reviewers), previews only the projects of
        # the stacks pull requests preview; none on the state project.
        "preview": CiServiceAccountSpec(read, principal_sets=(("event_name", "pull_request"),),
                                        projects=stack_projects(config, config.stacks.previewed)),
        "drift": CiServiceAccountSpec(read, principal_sets=(("environment", gh.drift_environment),),
                                      projects=stack_projects(config, unprotected)),
        # One deploy account per environment, holding the deploy roles in that environment's project only:
        # never on the state project (its bucket and keys), never on another environment's.
        **{deploy_identity(env): CiServiceAccountSpec(tuple(config.gcp.deploy_roles),
                                                      principal_sets=(("environment", env),),
                                                      projects=stack_projects(config, [env]))
           for env in gh.environments},
        "sandbox": _sandbox_account(config),
    }
    workflows = {**{env: deploy_workflow_path(config, env) for env in gh.environments},
                 gh.drift_environment: gh.drift_workflow, gh.sandbox_environment: gh.sandbox_workflow}
    provider = gcp.Provider("gcp", project=config.gcp.project)
    wif = GitHubWorkloadIdentity("github-wif", GitHubWorkloadIdentityArgs(
        project=config.gcp.project, project_number=config.gcp.project_number, repo=gh.slug,
        pool_id=config.gcp.pool_id, service_accounts=accounts, name_prefix=config.name_prefix, protect=True,
        condition=trust_condition(gh.slug, gh.repository_id, gh.branch, workflows, gh.preview_workflow)),
        opts=pulumi.ResourceOptions(provider=provider))
    outputs = {
        "gcp_workload_identity_provider": provider_resource_name(config.gcp.project_number, config.gcp.pool_id),
        **{f"gcp_{name.replace('-', '_')}_service_account": email
           for name, email in wif.service_account_emails.items()},
    }
    if config.gcp.node_service_accounts:
        from components.gcp.node_identity import GkeMetricsReader, GkeNodeServiceAccount, GkeNodeServiceAccountArgs

        def deployer(stack: str) -> dict[str, str]:
            # Only the stack's own environment's deploy account may act as (or bind to) its accounts.
            name = deploy_identity(stack)
            email = wif.service_account_emails.get(name)
            return {"deploy": f"serviceAccount:{email}"} if email else {}

        outputs["gcp_node_service_accounts"] = {
            stack: GkeNodeServiceAccount(f"nodes-{stack}", GkeNodeServiceAccountArgs(
                project=project, base=f"{config.name_prefix}-{stack}", users=deployer(stack), protect=True),
                opts=pulumi.ResourceOptions(provider=provider)).email
            for stack, project in config.gcp.node_service_accounts.items()}
        # One read-only metrics account per GCP stack, for the GMP query frontend behind its Grafana
        # (clusters.<c>.gcp.metrics_reader_service_account); the stack binds its Kubernetes account to it.
        outputs["gcp_metrics_reader_service_accounts"] = {
            stack: GkeMetricsReader(f"metrics-{stack}", GkeNodeServiceAccountArgs(
                project=project, base=f"{config.name_prefix}-{stack}", users=deployer(stack), protect=True),
                opts=pulumi.ResourceOptions(provider=provider)).email
            for stack, project in config.gcp.node_service_accounts.items()}
    if config.gcp.state_bucket is not None:
        from components.gcp.state_backend import GcsStateBackend, GcsStateBackendArgs, StateAccess

        member = {name: f"serviceAccount:{email}" for name, email in wif.service_account_emails.items()}
        previewed = tuple(config.stacks.previewed)
        access = {
            member["preview"]: StateAccess(previewed, write=False, zones=previewed),
            member["drift"]: StateAccess(tuple(unprotected), write=False, zones=tuple(unprotected)),
            **{member[deploy_identity(env)]: StateAccess((env,), write=True, zones=(env,)) for env in gh.environments},
            member["sandbox"]: StateAccess(("sandbox-",), write=True, zones=(SANDBOX_ZONE,)),
        }
        backend = GcsStateBackend("gcs-state", GcsStateBackendArgs(
            project=config.gcp.project, project_number=config.gcp.project_number, location=config.gcp.location,
            bucket_name=config.gcp.state_bucket, key_ring=f"{config.name_prefix}-pulumi",
            zones=trust_zones(config), access=access, pulumi_project=PLATFORM_PROJECT, tags=tags),
            opts=pulumi.ResourceOptions(provider=provider))
        outputs["gcp_pulumi_backend_url"] = backend.backend_url
        outputs["gcp_secrets_providers"] = backend.secrets_providers
    return outputs
