"""GmpMonitoring: what GKE's managed Prometheus collects, evaluates and where its alerts go, as GMP objects.

GKE runs the collectors, the rule evaluator and the managed Alertmanager itself once the cluster has
`monitoring_config.managed_prometheus` on; this component only declares what they act on: a
PodMonitoring or ClusterPodMonitoring per scrape target (and, where the target's namespace denies
ingress by default, a NetworkPolicy admitting the collectors), one ClusterRules with the platform's rule
groups, and the Alertmanager config Secret in `gmp-public` (the operator's default config Secret,
so the GKE-owned OperatorConfig is left as GKE made it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.gcp.gmp_manifests import (
    ALERTMANAGER_KEY,
    ALERTMANAGER_SECRET,
    MONITORING_API,
    PUBLIC_NAMESPACE,
    ScrapeTarget,
    collector_ingress_spec,
    monitoring_kind,
    monitoring_spec,
    rules_spec,
)

RULES_NAME = "mlinfra-platform"


@dataclass(frozen=True)
class GmpMonitoringArgs:
    """Inputs of GmpMonitoring."""

    # The cluster's Kubernetes provider; every object goes through it.
    k8s_provider: pulumi.ProviderResource
    # Scrape targets keyed by a stable name (the object is named `mlinfra-<key>`).
    targets: Mapping[str, ScrapeTarget]
    scrape_interval_seconds: int
    # A Prometheus rule file (`{"groups": [...]}`), the same one the other clouds evaluate.
    rule_file: Mapping
    # The managed Alertmanager's config file; a secret Output when it holds a webhook URL or password.
    alertmanager_config: pulumi.Input[str]
    labels: Mapping[str, str] = field(default_factory=dict)
    # What the objects must wait for (the cluster's system pool: GMP's CRDs and webhooks run there).
    depends_on: Sequence[pulumi.Resource] = ()


class GmpMonitoring(pulumi.ComponentResource):
    """Scrape targets, the platform's ClusterRules and the managed Alertmanager's config on one GKE cluster."""

    monitorings: dict[str, k8s.apiextensions.CustomResource]
    rules: k8s.apiextensions.CustomResource
    alertmanager_secret: k8s.core.v1.Secret

    def __init__(self, name: str, args: GmpMonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:gcp:GmpMonitoring", name, None, opts)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider,
                                            depends_on=list(args.depends_on))
        labels = dict(args.labels)
        self.monitorings = {}
        for key, target in args.targets.items():
            metadata: dict = {"name": f"mlinfra-{key}", "labels": labels}
            if target.namespace:
                metadata["namespace"] = target.namespace
            admit_in = target.ingress_namespace or target.namespace
            if admit_in:
                k8s.networking.v1.NetworkPolicy(
                    f"{name}-scrape-{key}-ingress",
                    metadata={"name": f"mlinfra-gmp-{key}", "namespace": admit_in, "labels": labels},
                    spec=collector_ingress_spec(target), opts=on_cluster)
            self.monitorings[key] = k8s.apiextensions.CustomResource(
                f"{name}-scrape-{key}", api_version=MONITORING_API, kind=monitoring_kind(target),
                metadata=metadata, spec=monitoring_spec(target, args.scrape_interval_seconds), opts=on_cluster)
        self.rules = k8s.apiextensions.CustomResource(
            f"{name}-rules", api_version=MONITORING_API, kind="ClusterRules",
            metadata={"name": RULES_NAME, "labels": labels}, spec=rules_spec(args.rule_file), opts=on_cluster)
        self.alertmanager_secret = k8s.core.v1.Secret(
            f"{name}-alertmanager",
            metadata={"name": ALERTMANAGER_SECRET, "namespace": PUBLIC_NAMESPACE, "labels": labels},
            type="Opaque",
            string_data={ALERTMANAGER_KEY: pulumi.Output.secret(args.alertmanager_config)},
            opts=on_cluster)
        self.register_outputs({"rules": self.rules.metadata["name"]})
