"""A team's GPU quota per pool: stated in GPUs, or derived from a monthly budget and the catalog's price.

Plain functions shared by the config rules (which refuse a quota no pool can supply, or a budget
with no price) and the composition (which writes the quota, and how it was derived, on the
team's ClusterQueue, where the plan shows it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from infra.catalog.accelerators import CatalogError, MachineOffer, resolve
from infra.config.stack import CapacityType, ClusterConfig, GpuPoolConfig, StackConfig

# The cost model's month (infra/plan/cost_network.py HOURS_PER_MONTH): a budget buys GPUs for it.
HOURS_PER_MONTH = 730


@dataclass(frozen=True)
class GpuPrice:
    """What one GPU of a pool costs per hour, and where that number comes from."""

    usd_per_gpu_hour: float
    what: str


@dataclass(frozen=True)
class PoolQuota:
    """A team's guaranteed GPUs on one pool, and how the number was reached (None: stated in GPUs)."""

    gpus: int
    derivation: str | None = None


def pool_offer(cluster: ClusterConfig, pool: GpuPoolConfig) -> MachineOffer | None:
    """The catalog machine of a pool, or None when the pool's own rules already refuse it."""
    try:
        return resolve(cluster.cloud, pool.accelerator, pool.gpus_per_node)
    except CatalogError:
        return None


def pool_gpu_capacity(pool: GpuPoolConfig) -> int:
    """The most GPUs the pool can ever hold: max_nodes full nodes (a spot fallback pool is not queued)."""
    return pool.max_nodes * pool.gpus_per_node


def gpu_price(cluster: ClusterConfig, pool: GpuPoolConfig) -> GpuPrice | None:
    """The catalog's hourly price of one GPU of the pool, at its capacity type; None when there is none."""
    offer = pool_offer(cluster, pool)
    if offer is None:
        return None
    if pool.capacity == CapacityType.SPOT:
        if offer.spot_usd_per_hour is None:
            return None
        return GpuPrice(offer.spot_usd_per_hour / offer.gpus,
                        f"{offer.machine_type} spot ${offer.spot_usd_per_hour:g}/h / {offer.gpus} GPUs "
                        f"({offer.price.source}, {offer.price.as_of})")
    price = offer.price
    return GpuPrice(price.usd_per_hour / offer.gpus,
                    f"{offer.machine_type} on-demand ${price.usd_per_hour:g}/h / {offer.gpus} GPUs "
                    f"({price.source}, {price.as_of}, {price.basis})")


def budget_quota(budget: float, price: GpuPrice) -> PoolQuota:
    """Whole GPUs a monthly budget keeps busy all month, with the arithmetic written out."""
    exact = budget / (HOURS_PER_MONTH * price.usd_per_gpu_hour)
    gpus = math.floor(exact)
    return PoolQuota(gpus, f"${budget:,.2f}/month / ({HOURS_PER_MONTH} h x ${price.usd_per_gpu_hour:.4f}/GPU-h) "
                           f"= {exact:.2f} -> {gpus} GPUs; price: {price.what}")


def team_quotas(config: StackConfig, team: str) -> dict[str, PoolQuota]:
    """The team's quota per pool, in the order stated; pools the rules would refuse are left out."""
    settings = config.teams[team]
    cluster = config.clusters.get(settings.cluster)
    if cluster is None:
        return {}
    quotas = {pool: PoolQuota(gpus) for pool, gpus in settings.gpus.items() if pool in cluster.gpu_pools}
    for pool, budget in settings.gpu_budget_per_month.items():
        if pool not in cluster.gpu_pools or pool in quotas:
            continue
        price = gpu_price(cluster, cluster.gpu_pools[pool])
        if price is not None:
            quotas[pool] = budget_quota(budget, price)
    return quotas
