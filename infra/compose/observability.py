"""Cloud-neutral pieces of observability wiring that more than one compose module needs.

The cloud modules (observability_aws, observability_gcp) build the collectors, alerting and Grafana;
this module answers what the shared modules (runners) need to know about them, and holds what both
cloud modules derive from the config alike.
"""

from __future__ import annotations

from typing import Any

from components.k8s.network_policies import namespace_peer
from components.monitoring.rules import RUNBOOK_DIR, AlertThresholds, github_runbook_base
from infra.config.observability import effective_alerts, observability_enabled
from infra.config.stack import ClusterConfig, StackConfig

# GMP managed collection runs its collectors as pods of the `collector` DaemonSet in gmp-system, not on the
# host network (GoogleCloudPlatform/prometheus-engine@v0.17.2:manifests/operator.yaml, read 2026-11-29).
GMP_COLLECTOR_NAMESPACE = "gmp-system"


def aws_metrics_scrapers(config: StackConfig, cluster: ClusterConfig) -> list[dict[str, Any]]:
    """NetworkPolicy peers of the AMP managed scraper, or none when observability is off.

    The scraper reaches targets from an ENI in each subnet it is given, all in the cluster's network
    ("An Amazon Managed Service for Prometheus collector creates an Elastic Network Interface (ENI) per
    subnet specified when creating the scraper": docs.aws.amazon.com/prometheus/latest/userguide/
    AMP-collector.html, read 2026-11-29), so its peer is the network's address range.
    """
    if not observability_enabled(config):
        return []
    return [{"ipBlock": {"cidr": str(cluster.network.cidr)}}]


def gcp_metrics_scrapers(config: StackConfig) -> list[dict[str, Any]]:
    """NetworkPolicy peers of GMP's managed collectors, or none when observability is off."""
    if not observability_enabled(config):
        return []
    return [namespace_peer(GMP_COLLECTOR_NAMESPACE)]


def alert_thresholds(config: StackConfig) -> AlertThresholds:
    """The stack's effective alert thresholds (its own, else its environment's) as the rules take them."""
    return AlertThresholds(**effective_alerts(config).model_dump())


def runbook_base(config: StackConfig) -> str:
    """Where alert messages link their runbooks: the platform repository's docs/runbooks on GitHub when the
    stack names its repository (`github_app.platform_repository`), else the repository-relative folder."""
    repository = config.github_app.platform_repository if config.github_app is not None else None
    return github_runbook_base(repository) if repository else RUNBOOK_DIR
