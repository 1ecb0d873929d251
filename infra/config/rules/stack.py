"""Cross-field rules over a typed stack config: each returns every problem with its path.

These run after pydantic has checked types and shapes, so they can rely on typed values.
A problem reads `path: what is wrong and how to fix it (got ...)`.
"""

from __future__ import annotations

from collections.abc import Iterator

from infra.catalog.accelerators import CatalogError, Cloud, offers_for, resolve
from infra.config.rules.aws import aws_problems
from infra.config.rules.charts import chart_problems
from infra.config.rules.cidrs import open_range_problems
from infra.config.rules.datasets import dataset_problems
from infra.config.rules.gateways import gateway_problems
from infra.config.rules.gcp import gcp_problems
from infra.config.rules.gpu_capacity import capacity_problems
from infra.config.rules.namespaces import namespace_problems
from infra.config.rules.observability import observability_problems
from infra.config.rules.runners import runner_problems
from infra.config.rules.sandbox import sandbox_problems
from infra.config.rules.tags import tag_problems
from infra.config.rules.teams import team_problems
from infra.config.rules.values import value_problems
from infra.config.stack import ClusterConfig, GpuPoolConfig, StackConfig

Problem = tuple[str, str]


def stack_problems(config: StackConfig) -> list[Problem]:
    """Every cross-field problem in the stack config, in a stable order."""
    problems: list[Problem] = []
    problems += list(_cloud_settings(config))
    problems += list(tag_problems(config))
    for name, cluster in config.clusters.items():
        problems += list(_cluster(f"clusters.{name}", cluster))
    # Cloud-specific rules live beside each cloud's config models.
    problems += list(aws_problems(config))
    problems += list(gcp_problems(config))
    problems += list(sandbox_problems(config))
    problems += list(gateway_problems(config))
    problems += list(runner_problems(config))
    problems += list(chart_problems(config))
    problems += list(observability_problems(config))
    problems += list(value_problems(config))
    problems += list(dataset_problems(config))
    problems += list(team_problems(config))
    problems += list(namespace_problems(config))
    problems += list(capacity_problems(config))
    return problems


def _cloud_settings(config: StackConfig) -> Iterator[Problem]:
    used = {c.cloud for c in config.clusters.values()} | {b.cloud for b in config.buckets.values()}
    used |= {d.home.cloud for d in config.datasets.values()}
    if Cloud.AWS in used and config.aws is None:
        yield "aws", "required because a cluster or bucket uses aws; add `mlinfra:aws: {region: ...}`"
    if Cloud.GCP in used and config.gcp is None:
        yield ("gcp", "required because a cluster or bucket uses gcp; add "
               "`mlinfra:gcp: {project: ..., region: ...}`")


def _cluster(path: str, cluster: ClusterConfig) -> Iterator[Problem]:
    yield from open_range_problems(f"{path}.endpoint.public_access_cidrs", cluster.endpoint.public_access_cidrs,
                                   "the Kubernetes API")
    if cluster.network.cidr.prefixlen > 20:
        yield (f"{path}.network.cidr",
               f"must be /20 or larger to fit a subnet per zone (got /{cluster.network.cidr.prefixlen})")
    for name, pool in cluster.gpu_pools.items():
        yield from gpu_pool_problems(f"{path}.gpu_pools.{name}", cluster.cloud, pool)


def gpu_pool_problems(path: str, cloud: Cloud, pool: GpuPoolConfig) -> Iterator[Problem]:
    """Problems with one GPU pool: sizes, and whether the cloud offers the accelerator and count."""
    if pool.max_nodes < pool.min_nodes:
        yield (f"{path}.max_nodes",
               f"must be >= min_nodes (got {pool.max_nodes} < {pool.min_nodes})")
    elif pool.max_nodes == 0:
        yield f"{path}.max_nodes", "must be at least 1, or remove the pool (got 0)"
    try:
        resolve(cloud, pool.accelerator, pool.gpus_per_node)
    except CatalogError as exc:
        field = "accelerator" if not offers_for(cloud, pool.accelerator) else "gpus_per_node"
        yield f"{path}.{field}", str(exc)

