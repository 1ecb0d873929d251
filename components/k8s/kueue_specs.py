"""Kueue objects as plain data: a flavor per GPU pool, a ClusterQueue and a LocalQueue per team.

Field names are Kueue's v1beta2 API (the caller passes the API version it read at the pinned chart).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

GPU_RESOURCE = "nvidia.com/gpu"
# Every pod requests cpu and memory (the team's LimitRange fills them in), so a queue that does not
# cover them would admit nothing: the three are covered together, per flavor.
COVERED = ("cpu", "memory", GPU_RESOURCE)


@dataclass(frozen=True)
class Flavor:
    """A GPU pool as Kueue sees it: the labels its nodes carry and the taints pods must tolerate."""

    name: str
    node_labels: Mapping[str, str]
    taints: Sequence[Mapping[str, str]]
    # What one node of the pool holds, so a GPU quota carries the cpu and memory that come with it.
    gpus_per_node: int
    vcpus_per_node: int
    memory_gib_per_node: int


@dataclass(frozen=True)
class FlavorQuota:
    """A team's guarantee on one flavor, and how many more GPUs it may borrow (None: no limit)."""

    flavor: str
    gpus: int
    borrowing_limit: int | None = None


@dataclass(frozen=True)
class TeamQueue:
    """One team's queue: namespace, cohort, quotas and preemption."""

    namespace: str
    cohort: str
    quotas: Sequence[FlavorQuota]
    reclaim_within_cohort: str = "Any"
    within_cluster_queue: str = "LowerPriority"
    # Per flavor: how the GPU quota was derived from a budget (shown on the ClusterQueue).
    derivations: Mapping[str, str] | None = None
    # The most GPUs the team can hold at once (quota plus what it may borrow, capped by the pools).
    gpu_ceiling: int = 0


def node_shares(flavor: Flavor, gpus: int) -> tuple[int, int]:
    """cpu cores and memory GiB of the nodes `gpus` GPUs occupy (whole nodes: a GPU never comes alone)."""
    nodes = -(-gpus // flavor.gpus_per_node)
    return nodes * flavor.vcpus_per_node, nodes * flavor.memory_gib_per_node


def toleration(taint: Mapping[str, str]) -> dict[str, str]:
    """A toleration that matches one node taint (EKS spells effects NO_SCHEDULE; Kubernetes NoSchedule)."""
    effect = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute",
              "PREFER_NO_SCHEDULE": "PreferNoSchedule"}.get(taint["effect"], taint["effect"])
    return {"key": taint["key"], "operator": "Equal", "value": taint["value"], "effect": effect}


def resource_flavor_spec(flavor: Flavor) -> dict:
    """nodeLabels go into admitted pods' node selectors; tolerations let them onto the tainted nodes."""
    return {"nodeLabels": dict(flavor.node_labels), "tolerations": [toleration(t) for t in flavor.taints]}


def _quantity(value: int, unit: str = "") -> str:
    return f"{value}{unit}"


def cluster_queue_spec(team: TeamQueue, flavors: Mapping[str, Flavor], namespace_label: str) -> dict:
    """A ClusterQueue admitting only the team's namespace, with cpu, memory and GPUs per flavor."""
    flavor_quotas = []
    for quota in team.quotas:
        flavor = flavors[quota.flavor]
        cpu, memory = node_shares(flavor, quota.gpus)
        resources = [{"name": "cpu", "nominalQuota": _quantity(cpu)},
                     {"name": "memory", "nominalQuota": _quantity(memory, "Gi")},
                     {"name": GPU_RESOURCE, "nominalQuota": _quantity(quota.gpus)}]
        if quota.borrowing_limit is not None:
            extra_cpu, extra_memory = node_shares(flavor, quota.borrowing_limit) if quota.borrowing_limit else (0, 0)
            resources[0]["borrowingLimit"] = _quantity(extra_cpu)
            resources[1]["borrowingLimit"] = _quantity(extra_memory, "Gi")
            resources[2]["borrowingLimit"] = _quantity(quota.borrowing_limit)
        flavor_quotas.append({"name": quota.flavor, "resources": resources})
    return {
        "cohortName": team.cohort,
        "namespaceSelector": {"matchLabels": {namespace_label: team.namespace}},
        "queueingStrategy": "BestEffortFIFO",
        "resourceGroups": [{"coveredResources": list(COVERED), "flavors": flavor_quotas}],
        "preemption": {"reclaimWithinCohort": team.reclaim_within_cohort,
                       "withinClusterQueue": team.within_cluster_queue},
    }


def resource_quota_spec(team: TeamQueue, flavors: Mapping[str, Flavor]) -> dict:
    """The namespace's hard ceiling: a job that skips the queue still cannot take more than the team may hold."""
    shares = [node_shares(flavors[q.flavor], q.gpus + (q.borrowing_limit or 0)) for q in team.quotas]
    cpu = sum(s[0] for s in shares)
    memory = sum(s[1] for s in shares)
    return {"hard": {"requests.cpu": str(cpu), "requests.memory": f"{memory}Gi",
                     f"requests.{GPU_RESOURCE}": str(team.gpu_ceiling)}}


# Filled into containers that state no requests, so every pod counts against the quota (a
# ResourceQuota on requests.cpu refuses pods without a cpu request otherwise). No default limit: a
# training container that requests 900Gi and states no limit would get the default as its limit,
# below its request, and be refused.
DEFAULT_REQUEST = {"cpu": "500m", "memory": "1Gi"}


def limit_range_spec() -> dict:
    """Default container requests in a team namespace."""
    return {"limits": [{"type": "Container", "defaultRequest": dict(DEFAULT_REQUEST)}]}


def kueue_values(replicas: int) -> dict:
    """Kueue chart values: the controller's replica count, with a disruption budget when there are two."""
    values: dict = {"controllerManager": {"replicas": replicas}}
    if replicas > 1:
        values["controllerManager"]["podDisruptionBudget"] = {"enabled": True, "minAvailable": 1}
    return values
