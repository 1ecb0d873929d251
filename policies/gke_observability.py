"""GKE observability rules: managed Prometheus where the stack monitors, no public query endpoints, and the
Alertmanager webhook kept in its Secret. Upstream facts: infra/catalog/gmp.py."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from cluster_links import GKE_CLUSTER, cluster_label, cluster_of
from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError
from rulekit import CRITICAL, HIGH, dig, environment_of, fmt, resource_rule, stack_rule

from infra.catalog import gmp

GMP_API = "kubernetes:monitoring.googleapis.com/v1"
GMP_OBJECTS = frozenset({f"{GMP_API}:{kind}" for kind in ("PodMonitoring", "ClusterPodMonitoring", "Rules",
                                                           "ClusterRules", "ClusterNodeMonitoring")})
NODE_POOL = "gcp:container/nodePool:NodePool"
SECRET = "kubernetes:core/v1:Secret"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
SERVICE = "kubernetes:core/v1:Service"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
# The query endpoints the platform runs in a cluster: they answer unauthenticated (the frontend) or hold
# the dashboards (Grafana), so nothing outside the cluster may reach them.
QUERY_APPS = ("gmp-frontend", "grafana")
_URL = re.compile(r"https?://[^\s'\"]+")
_ON = "Build GKE clusters through mlinfra:clusters with cloud: gcp (GkeCluster turns managed collection on); "


def _managed_prometheus(props) -> bool:
    return dig(props, "monitoringConfig", "managedPrometheus", "enabled") is True


def _gpu_pools_on(view, cluster: PolicyResource) -> list[str]:
    return [p.name for p in view.resources if p.resource_type == NODE_POOL
            and dig(p.props, "nodeConfig", "guestAccelerators") and _on(view, p, cluster)]


def _on(view, resource: PolicyResource, cluster: PolicyResource) -> bool:
    found = cluster_of(view, resource)
    return found is not None and found.urn == cluster.urn


def _monitored(cluster: PolicyResource, view) -> Iterator[str]:
    objects = sorted(r.name for r in view.resources if r.resource_type in GMP_OBJECTS and _on(view, r, cluster))
    env = environment_of(cluster.props) or view.environment
    watched = env in view.config.get("environments", ["staging", "prod"])
    if not objects and not watched:
        return
    why = f"it has GMP objects {fmt(objects)}" if objects else f"observability is on in {env}"
    where = cluster_label(cluster)
    if not _managed_prometheus(cluster.props):
        yield (f"cluster {where} does not run managed collection (monitoringConfig.managedPrometheus.enabled) "
               f"although {why}: nothing would scrape, evaluate or alert")
        return
    pools = _gpu_pools_on(view, cluster)
    components = dig(cluster.props, "monitoringConfig", "enableComponents", default=[]) or []
    managed = gmp.DCGM_PACKAGE in components
    own = _dcgm_releases_on(view, cluster)
    if pools and not managed and not own:
        yield (f"cluster {where} has GPU pools {fmt(pools)} but neither GKE's {gmp.DCGM_PACKAGE} metrics package "
               f"(monitoringConfig.enableComponents) nor a dcgm-exporter release: no GPU metrics would be collected")
    elif managed and own:
        yield (f"cluster {where} runs GKE's {gmp.DCGM_PACKAGE} metrics package and the dcgm-exporter release "
               f"{fmt(own)}: two DCGM exporters on each GPU node; leave {gmp.DCGM_PACKAGE} out of "
               "monitoringConfig.enableComponents")


def _dcgm_releases_on(view, cluster: PolicyResource) -> list[str]:
    """The platform's dcgm-exporter Helm releases on `cluster` (components/gcp/dcgm_exporter.py)."""
    return sorted(r.name for r in view.resources if r.resource_type == HELM_RELEASE
                  and dig(r.props, "chart") == gmp.DCGM_CHART and _on(view, r, cluster))


def _service_type(props) -> str:
    return dig(props, "spec", "type") or "ClusterIP"


def _query_app(props) -> str | None:
    names = {dig(props, "spec", "selector", "app.kubernetes.io/name"), dig(props, "metadata", "name")}
    return next((app for app in QUERY_APPS if app in names), None)


def _no_public_endpoint(props, ctx) -> Iterator[str]:
    # Grafana's release and Service are grafana-not-exposed's (policies/grafana_exposure.py), on both clouds.
    app = _query_app(props)
    if app and _service_type(props) != "ClusterIP":
        yield f"Service '{ctx.name}' exposes {app} as {_service_type(props)}; only ClusterIP is allowed"


def _strings(value: Any) -> Iterator[str]:
    # Props arrive as the pack's read-only proxies, which are Mappings and Sequences but not dicts and lists.
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, Sequence):
        for v in value:
            yield from _strings(v)


def _alertmanager_configs(resource: PolicyResource) -> list[str]:
    data = dig(resource.props, "stringData", default={}) or {}
    return [v for k, v in data.items() if k == gmp.ALERTMANAGER_KEY and isinstance(v, str)]


def _webhook_only_in_secret(resource: PolicyResource, view) -> Iterator[str]:
    if resource.resource_type == CONFIG_MAP:
        data = dig(resource.props, "data", default={}) or {}
        if any(k == gmp.ALERTMANAGER_KEY and "webhook_configs" in str(v) for k, v in data.items()):
            yield (f"ConfigMap '{resource.name}' holds an Alertmanager config with webhook receivers in plain "
                   "text; put it in the Secret 'alertmanager' of gmp-public")
        return
    urls = {u for config in _alertmanager_configs(resource) for u in _URL.findall(config)}
    if not urls:
        return
    for other in view.resources:
        if other.urn == resource.urn or other.resource_type == SECRET:
            continue
        try:
            leaked = any(u in s for s in _strings(other.props) for u in urls)
        except UnknownValueError:
            continue  # a value known only after apply is no copy of the URL written here
        if leaked:
            yield (f"the Alertmanager webhook of Secret '{resource.name}' also appears in plain text in "
                   f"{other.resource_type.rsplit(':', 1)[-1]} '{other.name}'")


RULES = [
    stack_rule(
        "gke-managed-prometheus",
        "GKE clusters the stack monitors (GMP objects on them, or an environment where observability is on) run "
        "managed collection and, where they have GPU pools, exactly one DCGM exporter: GKE's DCGM package or the "
        "platform's dcgm-exporter release (practice: metrics are collected)",
        types=[GKE_CLUSTER], check=_monitored, severity=HIGH,
        config={"environments": {"type": "array", "items": {"type": "string"}, "default": ["staging", "prod"]}},
        remediation=_ON + "keep monitoring_config.managed_prometheus on; with observability on the platform runs "
                          "its own dcgm-exporter and leaves DCGM out of enable_components."),
    resource_rule(
        "observability-no-public-endpoint",
        "The GMP query frontend is ClusterIP only (practice: no public endpoints)",
        types=[SERVICE], check=_no_public_endpoint, severity=CRITICAL,
        remediation="Reach them with kubectl port-forward; never give them a LoadBalancer, NodePort or Ingress."),
    stack_rule(
        "alertmanager-webhook-secret",
        "The Alertmanager config (with its webhook URL) lives only in the Secret gmp-public/alertmanager, never "
        "in a ConfigMap or another resource's plain properties (practice: secrets stay secret)",
        types=[SECRET, CONFIG_MAP], check=_webhook_only_in_secret, severity=HIGH,
        remediation="Set the URL with `pulumi config set --secret` (observability.notify.webhook_url); "
                    "GmpMonitoring writes it into the Secret only."),
]
