"""Bootstrap composition: config -> state bucket, secrets keys and the CI identities on each cloud.

Four identities per cloud, each trusted only by its GitHub environment on the deploy branch (or, for
previews, by pull requests): `preview` (read the previewed stacks, never a protected one), `drift`
(read everything), `deploy` (a policy scoped to what the stacks create, roles only under the
permissions boundary), `sandbox` (read anything, tear down only what is tagged sandbox).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pulumi

from components.aws.github_oidc import environment_subject, pull_request_subject_pattern
from infra.compose.bootstrap_aws import build_aws_bootstrap
from infra.config.bootstrap import BootstrapConfig

PROJECT = "mlinfra-bootstrap"
# The platform project whose stacks the state bucket holds (Pulumi.yaml at the repository root).
PLATFORM_PROJECT = "mlinfra"


def bootstrap_tags(config: BootstrapConfig, stack: str) -> dict[str, str]:
    """Tags every bootstrap resource carries, the same shape as the platform's."""
    return {**config.tags.extra, "environment": config.environment.value, "owner": config.tags.owner,
            "cost-center": config.tags.cost_center, "stack": stack, "managed-by": "mlinfra-bootstrap"}


def subjects(config: BootstrapConfig) -> dict[str, tuple[str, ...]]:
    """OIDC subjects per CI identity, under the repo/context/ref subject template (README: one-time
    GitHub setup): every identity but the preview one needs its environment AND the deploy branch."""
    gh = config.github
    on_branch = lambda env: environment_subject(gh.slug, env, gh.branch)  # noqa: E731
    return {
        "preview": (pull_request_subject_pattern(gh.slug),),
        "drift": (on_branch(gh.drift_environment),),
        "deploy": tuple(on_branch(env) for env in gh.environments),
        "sandbox": (on_branch(gh.sandbox_environment),),
    }


def stack_projects(config: BootstrapConfig, stacks: Collection[str] | None = None) -> tuple[str, ...]:
    """The GCP projects the platform stacks (or only `stacks`) deploy into, besides the bootstrap's own, each once."""
    assert config.gcp is not None
    own = config.gcp.project
    return tuple(dict.fromkeys(p for s, p in config.gcp.node_service_accounts.items()
                               if p != own and (stacks is None or s in stacks)))


def build_bootstrap(config: BootstrapConfig) -> dict[str, Any]:
    """Create everything the workflows need; return what the README tells people to copy into GitHub."""
    stack = pulumi.get_stack()
    tags = bootstrap_tags(config, stack)
    outputs: dict[str, Any] = {"environment": config.environment.value, "repository": config.github.slug}
    if config.aws is not None:
        outputs.update(build_aws_bootstrap(config, subjects(config), tags, PLATFORM_PROJECT))
    if config.gcp is not None:
        outputs.update(_gcp(config, tags))
    return outputs


def _gcp(config: BootstrapConfig, tags: dict[str, str]) -> dict[str, Any]:
    import pulumi_gcp as gcp

    from components.gcp.github_wif import (
        CiServiceAccountSpec,
        GitHubWorkloadIdentity,
        GitHubWorkloadIdentityArgs,
        provider_resource_name,
    )

    assert config.gcp is not None
    subs = subjects(config)
    read = tuple(config.gcp.read_roles)
    accounts = {
        # A pull request's subject carries its number, so previews are bound as one attribute set.
        # Read roles where the stacks they look at live: drift every stack's project, previews only the
        # projects of the stacks pull requests preview (never a protected stack's).
        "preview": CiServiceAccountSpec((), read, principal_sets=(("event_name", "pull_request"),),
                                        other_projects=stack_projects(config, config.stacks.previewed)),
        "drift": CiServiceAccountSpec(subs["drift"], read, other_projects=stack_projects(config)),
        # The deploy roles also on each project a GCP stack deploys into (gcp.node_service_accounts).
        "deploy": CiServiceAccountSpec(subs["deploy"], tuple(config.gcp.deploy_roles),
                                       other_projects=stack_projects(config)),
        "sandbox": CiServiceAccountSpec(subs["sandbox"], tuple(config.gcp.sandbox_roles)),
    }
    provider = gcp.Provider("gcp", project=config.gcp.project)
    wif = GitHubWorkloadIdentity("github-wif", GitHubWorkloadIdentityArgs(
        project=config.gcp.project, project_number=config.gcp.project_number, repo=config.github.slug,
        pool_id=config.gcp.pool_id, service_accounts=accounts, name_prefix=config.name_prefix, protect=True,
        repository_id=config.github.repository_id),
        opts=pulumi.ResourceOptions(provider=provider))
    outputs = {
        "gcp_workload_identity_provider": provider_resource_name(config.gcp.project_number, config.gcp.pool_id),
        **{f"gcp_{name}_service_account": email for name, email in wif.service_account_emails.items()},
    }
    if config.gcp.node_service_accounts:
        from components.gcp.node_identity import GkeNodeServiceAccount, GkeNodeServiceAccountArgs

        deployer = f"serviceAccount:{wif.service_account_emails['deploy']}"
        outputs["gcp_node_service_accounts"] = {
            stack: GkeNodeServiceAccount(f"nodes-{stack}", GkeNodeServiceAccountArgs(
                project=project, base=f"{config.name_prefix}-{stack}", users={"deploy": deployer}, protect=True),
                opts=pulumi.ResourceOptions(provider=provider)).email
            for stack, project in config.gcp.node_service_accounts.items()}
        from components.gcp.node_identity import GkeMetricsReader

        # One read-only metrics account per GCP stack, for the GMP query frontend behind its Grafana
        # (clusters.<c>.gcp.metrics_reader_service_account); the stack binds its Kubernetes account to it.
        outputs["gcp_metrics_reader_service_accounts"] = {
            stack: GkeMetricsReader(f"metrics-{stack}", GkeNodeServiceAccountArgs(
                project=project, base=f"{config.name_prefix}-{stack}", users={"deploy": deployer}, protect=True),
                opts=pulumi.ResourceOptions(provider=provider)).email
            for stack, project in config.gcp.node_service_accounts.items()}
    if config.gcp.state_bucket is not None:
        from components.gcp.state_backend import GcsStateBackend, GcsStateBackendArgs

        emails = {name: f"serviceAccount:{email}" for name, email in wif.service_account_emails.items()}
        backend = GcsStateBackend("gcs-state", GcsStateBackendArgs(
            project=config.gcp.project, project_number=config.gcp.project_number, location=config.gcp.location,
            bucket_name=config.gcp.state_bucket, key_ring=f"{config.name_prefix}-pulumi",
            readers=(emails["drift"],), writers=(emails["deploy"],),
            # Pull requests read only the previewed stacks; the reaper writes only sandbox stacks' files.
            scoped={emails["preview"]: (tuple(config.stacks.previewed), False),
                    emails["sandbox"]: (("sandbox-",), True)},
            pulumi_project=PLATFORM_PROJECT, tags=tags),
            opts=pulumi.ResourceOptions(provider=provider))
        outputs["gcp_pulumi_backend_url"] = backend.backend_url
        outputs["gcp_secrets_provider"] = backend.secrets_provider
        outputs["gcp_protected_secrets_provider"] = backend.protected_secrets_provider
    return outputs
