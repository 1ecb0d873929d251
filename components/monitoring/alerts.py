"""The types alert rules are built from: thresholds, what the clusters run (RuleScope), one rule, its runbook link."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

CRITICAL = "critical"
WARNING = "warning"
# Where the runbooks live in the repository; a stack names its repository to make the links absolute.
RUNBOOK_DIR = "docs/runbooks"


@dataclass(frozen=True)
class AlertThresholds:
    """How long (minutes) or how low (percent) before each alert fires; the config's effective values."""

    gpu_idle_minutes: int
    gpu_idle_utilisation_percent: int
    gpu_pod_pending_minutes: int
    node_not_ready_minutes: int
    volume_claim_pending_minutes: int
    autoscaler_failing_minutes: int
    runner_saturated_minutes: int


@dataclass(frozen=True)
class ClusterScope:
    """What one cluster runs, as far as its alerts care."""

    # The value of the `cluster` label its series carry; None where the rule evaluator is scoped to one
    # cluster already (GMP's ClusterRules) and the rules must not filter on it.
    cluster: str | None
    # GPU pools by the value of their `mlinfra.io/pool` node label, with the GPUs one node of each must show.
    gpu_pools: Mapping[str, int] = field(default_factory=dict)
    # Runner scale set names (each listener labels its series `name=<scale set>`).
    runner_scale_sets: tuple[str, ...] = ()
    # Whether the platform runs a DCGM exporter on its GPU nodes (EKS `gpu_addons`; GKE's DCGM package).
    dcgm: bool = True
    # Whether a cluster-autoscaler pod exports metrics the collector scrapes (EKS; GKE's is in its control plane).
    cluster_autoscaler: bool = False
    # The collector's scrape jobs, when it stores Prometheus' synthetic `up` series for each target (the AMP
    # managed scraper); empty where it does not (GMP), and the absence rules read exporter series instead.
    scrape_jobs: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleScope:
    """Every cluster whose series the rules read, and which DCGM counters their exporters export."""

    clusters: tuple[ClusterScope, ...]
    # XID and row-remapping counters (the dcgm-exporter chart's list; not GKE's DCGM package).
    dcgm_error_counters: bool = True
    # Throttling (power, thermal violation) and NVLink error counters: on only where the platform sets the
    # exporter's counters list (components/monitoring/dcgm_counters.py).
    dcgm_health_counters: bool = False

    @property
    def gpus(self) -> bool:
        """Whether any cluster has a GPU pool."""
        return any(c.gpu_pools for c in self.clusters)

    @property
    def dcgm(self) -> bool:
        """Whether any cluster with a GPU pool runs a DCGM exporter."""
        return any(c.gpu_pools and c.dcgm for c in self.clusters)

    @property
    def runners(self) -> bool:
        """Whether any cluster runs a runner scale set."""
        return any(c.runner_scale_sets for c in self.clusters)

    @property
    def cluster_autoscaler(self) -> bool:
        """Whether any cluster's autoscaler exports metrics."""
        return any(c.cluster_autoscaler for c in self.clusters)


@dataclass(frozen=True)
class AlertRule:
    """One alerting rule: PromQL that returns a series per firing instance, held for `for_minutes`."""

    name: str
    expr: str
    for_minutes: int
    severity: str
    summary: str
    description: str = ""
    # Extra labels on the alert (e.g. the cluster of an absence rule, whose expression has no labels).
    labels: Mapping[str, str] = field(default_factory=dict)

    def as_rule(self, runbook_base: str = RUNBOOK_DIR) -> dict:
        """The rule in Prometheus rule-file form, its runbook at `<runbook_base>/<name>.md`."""
        annotations = {"summary": self.summary}
        if self.description:
            annotations["description"] = self.description
        annotations["runbook_url"] = runbook_url(self.name, runbook_base)
        return {"alert": self.name, "expr": self.expr, "for": f"{self.for_minutes}m",
                "labels": {"severity": self.severity, **self.labels}, "annotations": annotations}


def runbook_url(alert: str, base: str = RUNBOOK_DIR) -> str:
    """The runbook page of `alert`: `<base>/<alert>.md`."""
    return f"{base.rstrip('/')}/{alert}.md"


def github_runbook_base(repository: str, ref: str = "main") -> str:
    """The runbooks folder of `owner/name` on GitHub, for absolute links in alert messages."""
    return f"https://github.com/{repository}/blob/{ref}/{RUNBOOK_DIR}"
