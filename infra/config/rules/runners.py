"""Runner rules: URL shape, GPU pool match, limits >= requests, pinned image, dind opt-in."""

from __future__ import annotations

from collections.abc import Iterator

from infra.catalog.accelerators import Cloud
from infra.config.runners import (
    RUNNERS_DEPLOYED_ON,
    ContainerMode,
    RunnerKind,
    RunnerSetConfig,
    github_url_ok,
    image_pin_problem,
    parse_quantity,
)
from infra.config.stack import ClusterConfig, Environment, StackConfig


def org_level(url: str) -> bool:
    """True for a scale set registered at an organisation (or enterprise), not at one repository."""
    parts = [p for p in url.split("://", 1)[-1].split("/")[1:] if p]
    return len(parts) == 1 or (len(parts) == 2 and parts[0] == "enterprises")


def runner_problems(config: StackConfig) -> Iterator[tuple[str, str]]:
    """Every problem with runner config, with its path."""
    with_runners = [name for name, c in config.clusters.items() if c.runners]
    if with_runners and config.github_app is None:
        yield ("github_app", f"required because clusters.{with_runners[0]}.runners has scale sets; add "
               "`mlinfra:github_app: {app_id, installation_id, platform_repository}` (the private key goes into "
               "the stack's cloud secret, docs/concepts/ci-runners.md)")
    seen: dict[tuple[str, str, str], str] = {}
    created: dict[tuple[Cloud, str], str] = {}
    for name, cluster in config.clusters.items():
        for set_name, runner in cluster.runners.items():
            # GitHub names a scale set uniquely within its runner group; a second one would take over.
            key = (runner.github_config_url.rstrip("/").lower(), runner.runner_group, set_name)
            path = f"clusters.{name}.runners.{set_name}"
            if key in seen:
                yield (path, f"scale set name '{set_name}' is already used for {runner.github_config_url} "
                       f"(runner group {runner.runner_group}) by {seen[key]}; rename one of them")
            seen.setdefault(key, path)
            registry = runner.cloud_access.registry
            if registry is not None and registry.create:
                other = created.setdefault((cluster.cloud, registry.repository), path)
                if other != path:
                    yield (f"{path}.cloud_access.registry.repository",
                           f"repository '{registry.repository}' is already created by {other}; set "
                           "`create: false` here to share it")
        if cluster.runners and cluster.cloud not in RUNNERS_DEPLOYED_ON:
            yield (f"clusters.{name}.runners",
                   f"runner scale sets are not deployed on {cluster.cloud.value} clusters yet (they need the "
                   "cluster's Kubernetes provider); remove `runners` for now")
        for set_name, runner in cluster.runners.items():
            yield from runner_set_problems(f"clusters.{name}.runners.{set_name}", cluster, runner)
            if (org_level(runner.github_config_url) and not runner.repositories and config.github_app is not None
                    and config.github_app.platform_repository is None):
                yield (f"clusters.{name}.runners.{set_name}.repositories",
                       "list the repositories its runner group admits, or set github_app.platform_repository "
                       "(the default)")
            yield from _access_problems(f"clusters.{name}.runners.{set_name}.cloud_access", config, cluster, runner)
            yield from _prod_data_problems(f"clusters.{name}.runners.{set_name}.cloud_access", config, runner)


def _prod_data_problems(path: str, config: StackConfig, runner: RunnerSetConfig) -> Iterator[tuple[str, str]]:
    # A CI set's runner group admits every workflow of its repositories on any branch, pull requests
    # included (only deploy groups are restricted to main's deploy and drift workflows), so a bucket grant
    # there gives any branch's code prod data.
    if config.environment == Environment.PROD and runner.kind != RunnerKind.DEPLOY and runner.cloud_access.buckets:
        yield (f"{path}.buckets",
               "prod data is not granted to CI runners: their jobs run any branch's code, pull requests included; "
               "test against staging's or dev's copy, or read prod data from a workload (workload_access)")


def _access_problems(path: str, config: StackConfig, cluster: ClusterConfig,
                     runner: RunnerSetConfig) -> Iterator[tuple[str, str]]:
    for bucket in runner.cloud_access.buckets:
        found = config.buckets.get(bucket)
        if found is None:
            yield (f"{path}.buckets.{bucket}",
                   f"not a bucket of this stack; buckets: {', '.join(config.buckets) or 'none'}")
        elif found.cloud != cluster.cloud:
            yield (f"{path}.buckets.{bucket}",
                   f"bucket is on {found.cloud.value} but the cluster is on {cluster.cloud.value}; jobs get "
                   "access through the cluster's own cloud identity")


def runner_set_problems(path: str, cluster: ClusterConfig, runner: RunnerSetConfig) -> Iterator[tuple[str, str]]:
    """Problems with one scale set, checked against its cluster's GPU pools."""
    if not github_url_ok(runner.github_config_url):
        yield (f"{path}.github_config_url",
               "must be the https URL of a GitHub organisation or repository, e.g. https://github.com/acme "
               f"or https://github.com/acme/ml (got {runner.github_config_url!r})")
    if runner.max_runners < runner.min_runners:
        yield f"{path}.max_runners", f"must be >= min_runners (got {runner.max_runners} < {runner.min_runners})"
    if org_level(runner.github_config_url) and runner.runner_group == "default":
        yield (f"{path}.runner_group",
               "the `default` group admits every repository of the organisation; name a runner group that "
               "admits only `repositories` (docs/concepts/ci-runners.md, \"Runner groups\")")
    if runner.kind == RunnerKind.DEPLOY and (runner.cloud_access.registry or runner.cloud_access.buckets):
        yield (f"{path}.cloud_access",
               "a deploy set's jobs get their cloud identity from the workflow's OIDC token only; remove it")
    if runner.deploy_role_arn is not None and (runner.kind != RunnerKind.DEPLOY or cluster.cloud != Cloud.AWS):
        yield (f"{path}.deploy_role_arn",
               "only a deploy set (kind: deploy) on an EKS cluster takes its environment's deploy role through Pod "
               "Identity; remove it")
    yield from _gpu_problems(path, cluster, runner)
    for field in ("cpu", "memory"):
        request = getattr(runner.resources.requests, field)
        limit = getattr(runner.resources.limits, field)
        if parse_quantity(limit) < parse_quantity(request):
            yield (f"{path}.resources.limits.{field}",
                   f"must be >= resources.requests.{field} (got {limit} < {request})")
    image_problem = image_pin_problem(runner.image)
    if image_problem:
        yield f"{path}.image", image_problem
    if runner.container_mode == ContainerMode.DIND and not runner.allow_privileged_dind:
        yield (f"{path}.container_mode",
               "dind runs a privileged Docker daemon next to every runner; use `kubernetes`, or set "
               "`allow_privileged_dind: true` to accept that risk explicitly")


def _gpu_problems(path: str, cluster: ClusterConfig, runner: RunnerSetConfig) -> Iterator[tuple[str, str]]:
    if runner.kind != RunnerKind.GPU:
        if runner.gpu is not None:
            yield f"{path}.gpu", "only allowed with `kind: gpu`; remove it or set kind to gpu"
        return
    if runner.gpu is None:
        yield f"{path}.gpu", "required with `kind: gpu`; add `gpu: {pool: ..., accelerator: ..., count: ...}`"
        return
    gpu = runner.gpu
    pool = cluster.gpu_pools.get(gpu.pool)
    if pool is None:
        pools = ", ".join(cluster.gpu_pools) or "none"
        yield (f"{path}.gpu.pool",
               f"not a GPU pool of this cluster; pools: {pools} (got {gpu.pool!r})")
        return
    if pool.accelerator != gpu.accelerator:
        yield (f"{path}.gpu.accelerator",
               f"GPU pool '{gpu.pool}' has {pool.accelerator.value}, so runners there cannot get "
               f"{gpu.accelerator.value}; use {pool.accelerator.value} or another pool")
    if gpu.count > pool.gpus_per_node:
        yield (f"{path}.gpu.count",
               f"GPU pool '{gpu.pool}' nodes have {pool.gpus_per_node} GPU(s), so a runner cannot get "
               f"{gpu.count} (got {gpu.count})")
