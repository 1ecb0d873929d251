"""Cross-field rules over `teams`: the cluster and pools exist, pools can supply the quotas, budgets have prices."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from infra.config.rules.namespaces import PLATFORM_NAMESPACES
from infra.config.stack import StackConfig
from infra.config.team_quota import gpu_price, pool_gpu_capacity, team_quotas

Problem = tuple[str, str]
# Namespaces a team may not take: Kubernetes' own, and those the platform's controllers run in.
RESERVED_NAMESPACES = frozenset(PLATFORM_NAMESPACES)


def team_problems(config: StackConfig) -> Iterator[Problem]:
    """Every problem with the teams section, each with its path and the fix."""
    namespaces: dict[tuple[str, str], str] = {}
    for team, settings in config.teams.items():
        path = f"teams.{team}"
        cluster = config.clusters.get(settings.cluster)
        if cluster is None:
            known = ", ".join(config.clusters) or "none"
            yield f"{path}.cluster", f"no cluster {settings.cluster!r} in this stack; clusters: {known}"
            continue
        namespace = settings.team_namespace(team)
        if namespace in RESERVED_NAMESPACES:
            yield (f"{path}.namespace", f"{namespace!r} is a system namespace; give the team its own "
                   f"(set namespace: or rename the team)")
        other = namespaces.setdefault((settings.cluster, namespace), team)
        if other != team:
            yield (f"{path}.namespace", f"namespace {namespace!r} on cluster {settings.cluster} is already team "
                   f"{other}'s; each team needs its own namespace")
        if not settings.gpus and not settings.gpu_budget_per_month:
            yield (f"{path}.gpus", "a team needs a quota on at least one GPU pool: set gpus: {<pool>: <count>} "
                   "or gpu_budget_per_month: {<pool>: <dollars>}")
        pools = ", ".join(cluster.gpu_pools) or "none"
        for field in ("gpus", "gpu_budget_per_month", "borrowing_limit"):
            for pool in getattr(settings, field):
                if pool not in cluster.gpu_pools:
                    yield (f"{path}.{field}.{pool}",
                           f"cluster {settings.cluster} has no GPU pool {pool!r}; its pools: {pools}")
        for pool in settings.gpus.keys() & settings.gpu_budget_per_month.keys():
            yield (f"{path}.gpu_budget_per_month.{pool}",
                   "the pool's quota is already stated in gpus; give either gpus or a budget for a pool, not both")
        for pool in settings.gpu_budget_per_month:
            if pool not in cluster.gpu_pools:
                continue
            spec = cluster.gpu_pools[pool]
            if gpu_price(cluster, spec) is None:
                yield (f"{path}.gpu_budget_per_month.{pool}",
                       f"the catalog has no {spec.capacity.value} price for {spec.accelerator.value} x"
                       f"{spec.gpus_per_node} on {cluster.cloud.value}, so no quota can be derived from a "
                       "budget; state the quota in gpus instead")
        yield from _supply(path, config, team)
    yield from _shared_supply(config)


def _supply(path: str, config: StackConfig, team: str) -> Iterator[Problem]:
    settings = config.teams[team]
    cluster = config.clusters[settings.cluster]
    for pool, quota in team_quotas(config, team).items():
        capacity = pool_gpu_capacity(cluster.gpu_pools[pool])
        field = "gpus" if pool in settings.gpus else "gpu_budget_per_month"
        spec = cluster.gpu_pools[pool]
        how = f" (derived: {quota.derivation})" if quota.derivation else ""
        if quota.gpus > capacity:
            yield (f"{path}.{field}.{pool}",
                   f"{quota.gpus} GPUs{how} is more than pool {pool} can ever supply (max_nodes {spec.max_nodes} x "
                   f"{spec.gpus_per_node} GPUs = {capacity}); lower the quota or raise the pool's max_nodes")
        elif quota.gpus < 1:
            yield (f"{path}.{field}.{pool}",
                   f"the budget buys no whole GPU for a month{how}; raise it or state the quota in gpus")


def _shared_supply(config: StackConfig) -> Iterator[Problem]:
    # Guarantees are promises: teams together must not be promised more GPUs than a pool can hold.
    promised: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for team, settings in config.teams.items():
        if settings.cluster in config.clusters:
            for pool, quota in team_quotas(config, team).items():
                promised[(settings.cluster, pool)].append((team, quota.gpus))
    for (cluster_name, pool), shares in promised.items():
        spec = config.clusters[cluster_name].gpu_pools[pool]
        capacity = pool_gpu_capacity(spec)
        total = sum(gpus for _, gpus in shares)
        if len(shares) > 1 and total > capacity and all(gpus <= capacity for _, gpus in shares):
            last = shares[-1][0]
            field = "gpus" if pool in config.teams[last].gpus else "gpu_budget_per_month"
            listed = ", ".join(f"{team} {gpus}" for team, gpus in shares)
            yield (f"teams.{last}.{field}.{pool}",
                   f"teams on pool {cluster_name}.{pool} are guaranteed {total} GPUs together ({listed}), more than "
                   f"the pool can ever supply ({spec.max_nodes} x {spec.gpus_per_node} = {capacity}); lower the "
                   "quotas (a team borrows unused quota from its cohort anyway) or raise max_nodes")
