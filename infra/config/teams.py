"""Teams sharing a cluster's GPU pools through Kueue (`mlinfra:teams`).

Each team gets a namespace (with a ResourceQuota and a LimitRange), a Kueue ClusterQueue with a
GPU quota per pool of its cluster, and a LocalQueue in its namespace that its jobs name. Teams
in one cohort lend each other the quota they do not use. A team states its quota in GPUs, or a
monthly budget per pool from which the quota is derived with the catalog's prices. Cross-field
rules (cluster and pools exist, quotas the pools can supply, a price for every budget) are in
`infra.config.rules.teams`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from infra.config.base import KubeName, Model, Name

MAX_TEAM_GPUS = 100_000  # far above any pool this platform plans; a typo is an error, not a quota
MAX_MONTHLY_BUDGET = 100_000_000.0  # dollars per month per pool
GpuCount = Annotated[int, Field(ge=1, le=MAX_TEAM_GPUS)]
BorrowLimit = Annotated[int, Field(ge=0, le=MAX_TEAM_GPUS)]
MonthlyBudget = Annotated[float, Field(gt=0, le=MAX_MONTHLY_BUDGET, allow_inf_nan=False)]


class ReclaimPolicy(StrEnum):
    """Kueue `preemption.reclaimWithinCohort`: may a team preempt borrowers to take its own quota back?

    Values as the ClusterQueue CRD enumerates them (kubernetes-sigs/kueue@v0.19.2:apis/kueue/v1beta2/
    clusterqueue_types.go, `+kubebuilder:validation:Enum=Never;LowerPriority;Any`, read 2026-12-07).
    """

    NEVER = "Never"
    LOWER_PRIORITY = "LowerPriority"
    ANY = "Any"


class WithinQueuePolicy(StrEnum):
    """Kueue `preemption.withinClusterQueue`: may a team's job preempt the team's own lower-priority jobs?

    Enum=Never;LowerPriority;LowerOrNewerEqualPriority (same file and date as ReclaimPolicy).
    """

    NEVER = "Never"
    LOWER_PRIORITY = "LowerPriority"
    LOWER_OR_NEWER_EQUAL_PRIORITY = "LowerOrNewerEqualPriority"


class TeamConfig(Model):
    """One team: where its jobs run and how many GPUs of each pool it is guaranteed."""

    # The cluster whose GPU pools the team uses.
    cluster: Name
    # The team's namespace; defaults to the team's name.
    namespace: KubeName | None = None
    # Teams in one cohort borrow each other's unused quota.
    cohort: Name = "gpu"
    # Guaranteed GPUs per GPU pool of the cluster (Kueue nominalQuota).
    gpus: dict[Name, GpuCount] = Field(default_factory=dict)
    # Or: dollars per month per pool; the GPU quota is what that buys at the catalog's price.
    gpu_budget_per_month: dict[Name, MonthlyBudget] = Field(default_factory=dict)
    # At most this many GPUs per pool borrowed from the cohort on top of the quota (unset: no limit
    # but what the pool holds; 0: the team never borrows).
    borrowing_limit: dict[Name, BorrowLimit] = Field(default_factory=dict)
    reclaim_within_cohort: ReclaimPolicy = ReclaimPolicy.ANY
    within_queue: WithinQueuePolicy = WithinQueuePolicy.LOWER_PRIORITY

    def team_namespace(self, team: str) -> str:
        """The namespace the team's jobs run in."""
        return self.namespace or team
