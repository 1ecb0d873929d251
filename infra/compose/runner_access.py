"""Cloud identity for runner jobs: push to one registry repository and named buckets, per scale set.

The grants go to the Kubernetes service accounts workflow steps really run as
(`runner_values.job_service_accounts`): EKS Pod Identity roles on AWS, Workload Identity
principals bound on each resource on GCP. Nothing is granted on a project or account.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pulumi

from components.k8s.runner_values import NO_CONTAINER_MODE, job_service_accounts
from infra.compose.context import PROTECTED_ENVIRONMENTS, bucket_name
from infra.config.rules.names import repository_name, scale_set_name
from infra.config.runners import ContainerMode, RunnerKind, RunnerSetConfig
from infra.config.stack import ClusterConfig, StackConfig

if TYPE_CHECKING:  # type hints only: importing them would load the other cloud's SDK
    from components.aws.s3_bucket import S3Bucket
    from infra.compose.context import AwsContext


def container_mode(runner: RunnerSetConfig) -> str:
    """The chart container mode a set really runs in: deployers and GPU sets run their steps in the runner
    pod, so they need no kubernetes mode (whose Role reads the namespace's Secrets, the GitHub App key among
    them) and run in the chart's default mode; dind stays an explicit opt-in."""
    if runner.kind in (RunnerKind.DEPLOY, RunnerKind.GPU) and runner.container_mode == ContainerMode.KUBERNETES:
        return NO_CONTAINER_MODE
    return runner.container_mode.value


def _accounts(set_name: str, runner: RunnerSetConfig) -> dict[str, tuple[str, str]]:
    """The service accounts to grant, keyed `jobs` (job pods) or `runner` (the runner pod)."""
    return {("jobs" if sa == "default" else "runner"): (ns, sa) for ns, sa in job_service_accounts(
        set_name, container_mode(runner), runner.kind == RunnerKind.GPU)}


def _wanted(runner: RunnerSetConfig) -> bool:
    return runner.cloud_access.registry is not None or bool(runner.cloud_access.buckets)


def aws_job_access(ctx: AwsContext, name: str, cluster: ClusterConfig, cluster_name: pulumi.Input[str],
                   cluster_arn: pulumi.Input[str], buckets: dict[str, S3Bucket]
                   ) -> tuple[list[pulumi.Resource], dict[str, Any]]:
    """Pod Identity roles for every scale set with `cloud_access`, and their registry URLs."""
    # Imported here: infra.compose.runners serves both clouds, and a plan loads only its clouds' SDKs.
    from components.aws.ecr_repository import EcrRepository, EcrRepositoryArgs, ecr_push_policy
    from components.aws.pod_identity import WorkloadBucketAccess, WorkloadBucketAccessArgs

    created: list[pulumi.Resource] = []
    registries: dict[str, Any] = {}
    for key, runner in cluster.runners.items():
        if runner.deploy_role_arn is not None:
            created.append(_deployer_identity(ctx, name, scale_set_name(ctx.stack, key), runner, cluster_name))
        if not _wanted(runner):
            continue
        # Component names, namespaces and outputs follow the scale set's name, `<stack>-<key>`.
        set_name = scale_set_name(ctx.stack, key)
        access, policies = runner.cloud_access, {}
        if access.registry is not None:
            repository = repository_name(ctx.config, ctx.stack, cluster.cloud, access.registry.repository)
            if access.registry.create:
                repo = EcrRepository(f"{name}-{set_name}-registry", EcrRepositoryArgs(
                    repository_name=repository, protect=ctx.config.environment in PROTECTED_ENVIRONMENTS,
                    account_id=ctx.account_id, tags=ctx.tags), opts=ctx.opts)
                registries[set_name] = repo.repository_url
            else:
                registries[set_name] = ctx.account_id.apply(
                    lambda a, r=repository: f"{a}.dkr.ecr.{ctx.region}.amazonaws.com/{r}")
            # Computed, not read from the repository: no lookup for an existing one, and the
            # policy is known in a plan, so the policy pack checks it.
            arn = ctx.account_id.apply(lambda a, r=repository: f"arn:aws:ecr:{ctx.region}:{a}:repository/{r}")
            policies["registry"] = arn.apply(lambda a: json.dumps(ecr_push_policy(a)))
        physical = {bucket_name(ctx.config, ctx.stack, b): a.value for b, a in access.buckets.items()}
        keys = {bucket_name(ctx.config, ctx.stack, b): buckets[b].kms_key_arn
                for b in access.buckets if buckets[b].kms_key_arn is not None}
        for role, (namespace, account) in _accounts(set_name, runner).items():
            created.append(WorkloadBucketAccess(f"{name}-{set_name}-{role}", WorkloadBucketAccessArgs(
                cluster_name=cluster_name, cluster_arn=cluster_arn, account_id=ctx.account_id,
                namespace=namespace, service_account=account, buckets=physical, bucket_key_arns=keys,
                extra_policies=policies, tags=ctx.tags, bounds=ctx.bounds), opts=ctx.opts))
    return created, registries


def _deployer_identity(ctx: AwsContext, name: str, set_name: str, runner: RunnerSetConfig,
                       cluster_name: pulumi.Input[str]) -> pulumi.Resource:
    """The environment's deploy role for the deployer pods: the bootstrap's role trusts only Pod Identity of this
    service account in this cluster, so this association is what lets a deploy job act, and only here. Steps of
    a deploy set run in the runner container and get the credentials EKS injects there (with IRSA, the same
    mechanism: "able to use the role for normal steps", actions/actions-runner-controller#246, read 2026-12-08)."""
    import pulumi_aws as aws

    namespace, account = _accounts(set_name, runner)["runner"]
    return aws.eks.PodIdentityAssociation(
        f"{name}-{set_name}-deploy-identity", cluster_name=cluster_name, namespace=namespace,
        service_account=account, role_arn=runner.deploy_role_arn, tags=ctx.tags, opts=ctx.opts)


def gcp_job_access(config: StackConfig, stack: str, name: str, cluster: ClusterConfig, number: pulumi.Input[str],
                   bucket_outputs: dict[str, Any], labels: dict[str, str],
                   opts: pulumi.ResourceOptions) -> dict[str, Any]:
    """Workload Identity grants for every scale set with `cloud_access`; returns registry URLs."""
    # Imported here: infra.compose.runners serves both clouds, and a plan loads only its clouds' SDKs.
    from components.gcp.artifact_registry import ArtifactRegistryRepository, ArtifactRegistryRepositoryArgs
    from components.gcp.iam import workload_principal
    from components.gcp.workload_grants import ExistingRepository, WorkloadGrants, WorkloadGrantsArgs

    assert config.gcp is not None
    project, region = config.gcp.project, config.gcp.region
    registries: dict[str, Any] = {}
    for key, runner in cluster.runners.items():
        if not _wanted(runner):
            continue
        set_name = scale_set_name(stack, key)
        access = runner.cloud_access
        members = {role: workload_principal(project, number, ns, sa)
                   for role, (ns, sa) in _accounts(set_name, runner).items()}
        existing = None
        if access.registry is not None:
            repository = repository_name(config, stack, cluster.cloud, access.registry.repository)
            registries[set_name] = f"{region}-docker.pkg.dev/{project}/{repository}"
            if access.registry.create:
                ArtifactRegistryRepository(f"{name}-{set_name}-registry", ArtifactRegistryRepositoryArgs(
                    project=project, location=region, repository_id=repository, writers=members,
                    protect=config.environment in PROTECTED_ENVIRONMENTS, tags=labels), opts=opts)
            else:
                existing = ExistingRepository(region, repository)
        # The bucket's name output, so each binding waits for its bucket.
        grants = {b: (bucket_outputs[f"bucket_{b}"]["name"], a.value) for b, a in access.buckets.items()}
        if grants or existing is not None:
            WorkloadGrants(f"{name}-{set_name}-access", WorkloadGrantsArgs(
                project=project, members=members, buckets=grants, registry=existing), opts=opts)
    return registries
