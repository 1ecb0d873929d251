"""Physical names made from a config key and the stack, and the limits they must stay within.

Runner scale sets and the registries their jobs push to are named from a config key plus the
stack, so a stack copied from another never claims the other's names (README "Physical names").
Compose builds the names with these functions; the rules check them before anything registers.
"""

from __future__ import annotations

from collections.abc import Iterator

from infra.catalog.accelerators import Cloud
from infra.config.stack import StackConfig

# The gha-runner-scale-set chart fails a longer scale set name: `fail "Name must have up to 45
# characters"` in charts/gha-runner-scale-set/templates/autoscalingrunnerset.yaml,
# actions/actions-runner-controller@2ee6b3b (master of 2026-06-30, whose Chart.yaml is 0.14.2, the version
# infra/catalog/charts.py pins; read 2026-11-29); the same check is in chart 0.12.1 (@f67f2eb). Re-read on a bump.
SCALE_SET_NAME_MAX = 45
# RunnerRegistry.repository's own limit (infra.config.runners): a valid ECR name and Artifact Registry id.
REPOSITORY_NAME_MAX = 63


def scale_set_name(stack: str, key: str) -> str:
    """The runner scale set of `runners.<key>`: the name GitHub registers and `runs-on:` uses."""
    return f"{stack}-{key}"


def registry_name(stack: str, repository: str) -> str:
    """The registry repository mlinfra creates for `registry.repository`.

    The stack goes last so the committed stacks' repositories (`ci-images-dev`, ...) kept their names.
    """
    return f"{repository}-{stack}"


def repository_name(config: StackConfig, stack: str, cloud: Cloud, repository: str) -> str:
    """The physical repository a scale set pushes to: the one this stack creates under that key on
    this cloud (shared by `create: false`), else an existing repository of exactly that name."""
    created = any(c.cloud == cloud and r.cloud_access.registry is not None and r.cloud_access.registry.create
                  and r.cloud_access.registry.repository == repository
                  for c in config.clusters.values() for r in c.runners.values())
    return registry_name(stack, repository) if created else repository


def name_problems(config: StackConfig, stack: str) -> Iterator[tuple[str, str]]:
    """Names that would be too long once the stack is part of them."""
    for cluster_key, cluster in config.clusters.items():
        for key, runner in cluster.runners.items():
            path = f"clusters.{cluster_key}.runners.{key}"
            name = scale_set_name(stack, key)
            if len(name) > SCALE_SET_NAME_MAX:
                yield (path, f"the scale set is named '<stack>-<key>' = '{name}', {len(name)} characters; the "
                       f"runner chart allows {SCALE_SET_NAME_MAX}: use a shorter key")
            registry = runner.cloud_access.registry
            if registry is not None and registry.create:
                physical = registry_name(stack, registry.repository)
                if len(physical) > REPOSITORY_NAME_MAX:
                    yield (f"{path}.cloud_access.registry.repository",
                           f"the repository is created as '<repository>-<stack>' = '{physical}', {len(physical)} "
                           f"characters; at most {REPOSITORY_NAME_MAX}: use a shorter repository")
