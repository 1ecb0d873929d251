"""Runner composition: a cluster's `runners` config -> one CiRunners component on its k8s provider.

Each cloud's cluster function makes one call (`aws_runners`, `gcp_runners`) with the cluster's
Kubernetes provider and what the releases must wait for; the catalog and config live here so
the component only receives plain values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pulumi

from components.aws.eks_defaults import PLATFORM_STORAGE_CLASS, pod_identity_agent_egress
from components.k8s.ci_runners import CiRunners, CiRunnersArgs, GithubAppSecret
from components.k8s.runner_values import GpuRequest, RunnerSet, job_service_accounts
from infra.compose.app_secret import aws_app_secret, gcp_app_secret
from infra.compose.charts import helm_chart
from infra.compose.observability import aws_metrics_scrapers, gcp_metrics_scrapers
from infra.compose.runner_access import aws_job_access, container_mode, gcp_job_access
from infra.config.rules.names import scale_set_name
from infra.config.runners import GithubAppConfig, RunnerKind, RunnerSetConfig
from infra.config.stack import ClusterConfig, StackConfig

if TYPE_CHECKING:  # type hints only: importing them would load pulumi_gcp into AWS-only plans
    from components.aws.eks_addons import EksManagedAddons
    from components.aws.eks_cluster import EksCluster
    from components.aws.s3_bucket import S3Bucket
    from components.aws.system_pool import EksSystemNodePool
    from components.gcp.gke_cluster import GkeCluster
    from infra.compose.context import AwsContext


def node_pool_label(cluster_key: str, pool_key: str) -> str:
    """The `mlinfra.io/pool` label GPU pool nodes carry: compose.aws_cluster names each pool's
    component `<cluster>-<pool>`, and EksGpuNodePool labels its nodes with that name."""
    return f"{cluster_key}-{pool_key}"


def runner_set(cluster_key: str, runner: RunnerSetConfig,
               pool_label: Callable[[str, str], str] = node_pool_label) -> RunnerSet:
    """One scale set's config as the component's plain values."""
    gpu = None
    if runner.kind == RunnerKind.GPU:
        assert runner.gpu is not None  # guaranteed by infra.config.rules.runners
        gpu = GpuRequest(count=runner.gpu.count, pool_label=pool_label(cluster_key, runner.gpu.pool),
                         accelerator=runner.gpu.accelerator.value)
    return RunnerSet(
        github_config_url=runner.github_config_url,
        min_runners=runner.min_runners,
        max_runners=runner.max_runners,
        runner_group=runner.runner_group,
        labels=tuple(runner.labels),
        requests=runner.resources.requests.model_dump(),
        limits=runner.resources.limits.model_dump(),
        image=runner.image,
        gpu=gpu,
        container_mode=container_mode(runner),
        work_volume_gib=runner.work_volume_gib,
        storage_class=runner.storage_class,
        steps_in_runner=runner.kind == RunnerKind.DEPLOY,
    )


def build_runners(stack: str, cluster_key: str, cluster: ClusterConfig, github_app: GithubAppConfig | None,
                  app_secret: GithubAppSecret, provider: pulumi.ProviderResource,
                  labels: Mapping[str, str] | None = None,
                  pool_label: Callable[[str, str], str] = node_pool_label,
                  depends_on: Sequence[pulumi.Resource] = (),
                  opts: pulumi.ResourceOptions | None = None,
                  extra_egress: Sequence[dict] = (),
                  default_storage_class: str | None = None,
                  metrics_scrapers: Sequence[dict] = ()) -> dict[str, Any] | None:
    """The cluster's runner scale sets, or None when it has none; returns their stack outputs.

    Scale sets are named `<stack>-<key>` (what `runs-on:` uses), and outputs are keyed by that name.
    """
    if not cluster.runners:
        return None
    assert github_app is not None  # guaranteed by infra.config.rules.runners
    runners = CiRunners(f"{cluster_key}-runners", CiRunnersArgs(
        provider=provider,
        github_app=app_secret,
        runner_sets={scale_set_name(stack, name): runner_set(cluster_key, r, pool_label)
                     for name, r in cluster.runners.items()},
        labels={"app.kubernetes.io/managed-by": "mlinfra", **(labels or {})},
        controller_chart=helm_chart("gha-runner-scale-set-controller"),
        scale_set_chart=helm_chart("gha-runner-scale-set"),
        depends_on=depends_on,
        extra_egress=extra_egress,
        default_storage_class=default_storage_class,
        metrics_scrapers=metrics_scrapers,
    ), opts=opts)
    # Workflow steps run as `job_service_accounts`; the runner's own account only drives the job.
    # GPU and deploy sets run steps in the runner pod, so its account runs them too.
    sets = {scale_set_name(stack, k): r for k, r in cluster.runners.items()}
    jobs = {s: [f"{ns}/{sa}" for ns, sa in job_service_accounts(s, container_mode(r), r.kind != RunnerKind.CPU)]
            for s, r in sets.items()}
    return {"namespaces": runners.namespaces,
            "service_accounts": {k: f"{ns}/{sa}" for k, (ns, sa) in runners.service_accounts.items()},
            "job_service_accounts": jobs,
            # Which GitHub App registers them: one App per environment keeps another environment's key (and
            # whoever reads it) from being this environment's (docs/security.md).
            "github_app_id": github_app.app_id,
            "runner_groups": runner_groups(stack, cluster, github_app)}


def runner_groups(stack: str, cluster: ClusterConfig,
                  github_app: GithubAppConfig) -> dict[str, dict[str, list[str]]]:
    """Each runner group the cluster's sets register in, with the repositories it must admit: what the
    organisation's runner group settings must say (README: runner groups)."""
    groups: dict[str, dict[str, list[str]]] = {}
    for set_name, runner in cluster.runners.items():
        repos = runner.repositories or ([github_app.platform_repository] if github_app.platform_repository else [])
        group = groups.setdefault(runner.runner_group, {"repositories": [], "sets": []})
        group["repositories"] = sorted({*group["repositories"], *repos})
        group["sets"].append(scale_set_name(stack, set_name))
    return groups


def runner_outputs(runners: dict[str, Any] | None, registries: dict[str, Any]) -> dict[str, Any]:
    """The `runners` entry of a cluster's outputs, absent when it has no scale sets."""
    if not runners:
        return {}
    return {"runners": {**runners, "registries": registries} if registries else runners}


def aws_runners(ctx: AwsContext, name: str, cluster: ClusterConfig, eks: EksCluster,
                system: EksSystemNodePool, addons: EksManagedAddons, cluster_arn: pulumi.Input[str],
                buckets: dict[str, S3Bucket]) -> dict[str, Any]:
    """An EKS cluster's scale sets and their jobs' Pod Identity roles.

    Releases wait for the system nodes, the Pod Identity agent, the associations and the
    platform's StorageClass, so no runner pod starts before its credentials can be injected or
    its work volume provisioned. Work volumes name that class unless the set names its own, and
    the namespaces' egress reaches the Pod Identity agent (vpc-cni enforces the default deny).
    """
    if not cluster.runners:
        return {}
    access, registries = aws_job_access(ctx, name, cluster, eks.cluster_name, cluster_arn, buckets)
    storage = [addons.storage_class] if addons.storage_class is not None else []
    app_secret = aws_app_secret(ctx, name, cluster, eks.cluster_name, cluster_arn, eks.provider,
                                [system.node_group, addons.addons["eks-pod-identity-agent"]])
    runners = build_runners(ctx.stack, name, cluster, ctx.config.github_app, app_secret, eks.provider, opts=ctx.opts,
                            depends_on=[system.node_group, addons.addons["eks-pod-identity-agent"], *access,
                                        *storage],
                            extra_egress=[pod_identity_agent_egress()],
                            default_storage_class=PLATFORM_STORAGE_CLASS,
                            metrics_scrapers=aws_metrics_scrapers(ctx.config, cluster))
    return runner_outputs(runners, registries)


def gcp_runners(config: StackConfig, stack: str, name: str, cluster: ClusterConfig, gke: GkeCluster,
                number: pulumi.Input[str], bucket_outputs: dict[str, Any], labels: dict[str, str],
                opts: pulumi.ResourceOptions) -> dict[str, Any]:
    """A GKE cluster's scale sets (after the system pool) and their jobs' Workload Identity grants."""
    if not cluster.runners:
        return {}
    registries = gcp_job_access(config, stack, name, cluster, number, bucket_outputs, labels, opts)
    app_secret = gcp_app_secret(config, stack, name, cluster, number, gke.provider, labels, [gke.system_pool], opts)
    runners = build_runners(stack, name, cluster, config.github_app, app_secret, gke.provider,
                            depends_on=[gke.system_pool],
                            opts=opts, metrics_scrapers=gcp_metrics_scrapers(config))
    return runner_outputs(runners, registries)
