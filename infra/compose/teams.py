"""Kueue and team queues for one cluster, from its GPU pools and the stack's `teams` section."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components.aws.gpu_node_pool import GPU_TAINT, LABEL_PREFIX
from components.gcp.taints import GKE_GPU_TAINT
from components.k8s.gpu_queues import GpuQueues, GpuQueuesArgs
from components.k8s.kueue_specs import Flavor, FlavorQuota, TeamQueue
from infra.catalog.accelerators import Cloud
from infra.catalog.kueue import API_VERSION
from infra.compose.charts import helm_chart
from infra.compose.context import PROTECTED_ENVIRONMENTS
from infra.config.stack import ClusterConfig, GpuPoolConfig, StackConfig
from infra.config.team_quota import pool_gpu_capacity, pool_offer, team_quotas

CHECKPOINT_LABEL = f"{LABEL_PREFIX}/checkpoints"


def checkpoint_labels(pool: GpuPoolConfig, bucket: str | None) -> dict[str, str]:
    """The pool's node labels, plus the physical name of its checkpoint bucket so jobs can find it."""
    return {**pool.labels, CHECKPOINT_LABEL: bucket} if bucket else dict(pool.labels)


def pool_flavors(name: str, cluster: ClusterConfig) -> dict[str, Flavor]:
    """A flavor per GPU pool, selecting the pool's nodes by the pool label both clouds' pools carry."""
    # EKS taints GPU nodes itself from the node group; GKE adds the same taint to every GPU node.
    taint = GPU_TAINT if cluster.cloud == Cloud.AWS else GKE_GPU_TAINT
    flavors = {}
    for pool_name, pool in cluster.gpu_pools.items():
        offer = pool_offer(cluster, pool)
        if offer is None:
            continue  # refused by the config rules before anything is built
        flavors[pool_name] = Flavor(
            name=pool_name, node_labels={f"{LABEL_PREFIX}/pool": f"{name}-{pool_name}"}, taints=[taint],
            gpus_per_node=offer.gpus, vcpus_per_node=offer.vcpus, memory_gib_per_node=offer.memory_gib)
    return flavors


def team_queues(config: StackConfig, name: str) -> dict[str, TeamQueue]:
    """The queues of the teams on cluster `name`, quotas resolved (budgets turned into GPUs)."""
    cluster = config.clusters[name]
    queues = {}
    for team, settings in config.teams.items():
        if settings.cluster != name:
            continue
        quotas = team_quotas(config, team)
        flavor_quotas, ceiling = [], 0
        for pool, quota in quotas.items():
            capacity = pool_gpu_capacity(cluster.gpu_pools[pool])
            limit = settings.borrowing_limit.get(pool)
            flavor_quotas.append(FlavorQuota(pool, quota.gpus, limit))
            ceiling += min(capacity, quota.gpus + (capacity if limit is None else limit))
        queues[team] = TeamQueue(
            namespace=settings.team_namespace(team), cohort=settings.cohort, quotas=flavor_quotas,
            reclaim_within_cohort=settings.reclaim_within_cohort.value,
            within_cluster_queue=settings.within_queue.value,
            derivations={pool: q.derivation for pool, q in quotas.items() if q.derivation} or None,
            gpu_ceiling=ceiling)
    return queues


def cluster_gpu_queues(config: StackConfig, name: str, provider: pulumi.ProviderResource,
                       labels: dict[str, str], depends_on: Sequence[pulumi.Resource],
                       opts: pulumi.ResourceOptions | None = None) -> dict[str, pulumi.Output[str]]:
    """Kueue on a cluster with GPU pools (nothing on one without); returns the team namespaces."""
    cluster = config.clusters[name]
    flavors = pool_flavors(name, cluster)
    if not flavors:
        return {}
    queues = GpuQueues(f"{name}-queues", GpuQueuesArgs(
        provider=provider, chart=helm_chart("kueue"), api_version=API_VERSION, flavors=flavors,
        teams=team_queues(config, name),
        # Two controllers where an outage would stall every team's admissions.
        replicas=2 if config.environment in PROTECTED_ENVIRONMENTS else 1,
        labels=labels, depends_on=depends_on), opts=opts)
    return queues.namespaces
