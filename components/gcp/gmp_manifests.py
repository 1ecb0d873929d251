"""Pure builders of Google Cloud Managed Service for Prometheus (GMP) objects: scrape specs, rules, Alertmanager config.

Shapes read at GoogleCloudPlatform/prometheus-engine@v0.17.2 (2026-11-29):
pkg/operator/apis/monitoring/v1/pod_types.go (PodMonitoringSpec / ClusterPodMonitoringSpec: `selector`,
`endpoints[].{port,path,interval,timeout}`; a timeout must not exceed the interval),
`targetLabels.metadata` (permitted keys and defaults in TargetLabels / ClusterTargetLabels; examples/
kube-state-metrics/kube-state-metrics.yaml sets it `[]` "so the metric labels are respected"),
rules_types.go (RulesSpec `groups[].{name,interval,rules[].{alert,expr,for,labels,annotations}}`),
operator_types.go (ManagedAlertmanagerSpec defaults to the Secret `alertmanager`, key `alertmanager.yaml`)
and pkg/operator/operator.go (`DefaultPublicNamespace = "gmp-public"`). The managed Alertmanager is
prometheus-engine's build of Alertmanager v0.27.0 (charts/values.global.yaml: `v0.27.0-gmp.4-gke.4`); its config
fields read at prometheus/alertmanager@v0.27.0:config/{config.go,notifiers.go} (2026-11-29): `route.receiver`,
`group_by`, `continue` (never on the root route), `webhook_configs[].url`, `email_configs[].{to,from,smarthost,
auth_username,auth_password,require_tls}`, `send_resolved`; an email receiver without a smarthost is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import yaml

from components.k8s.network_policies import ingress_only_from, namespace_peer

MONITORING_API = "monitoring.googleapis.com/v1"
# The operator reads the managed Alertmanager's config from this Secret and key unless the
# OperatorConfig names another (operator_types.go: +kubebuilder:default), so the platform keeps the default.
PUBLIC_NAMESPACE = "gmp-public"
# Where GKE runs the managed collectors (charts/operator/templates/collector.yaml: a DaemonSet in
# `namespace.system`, values.global.yaml `gmp-system`; not on the host network).
SYSTEM_NAMESPACE = "gmp-system"
ALERTMANAGER_SECRET = "alertmanager"
ALERTMANAGER_KEY = "alertmanager.yaml"
WEBHOOK_RECEIVER = "webhook"
EMAIL_RECEIVER = "email"
# A route must always name a receiver; with no destination configured, alerts are still evaluated
# and visible (frontend /api/v1/alerts) but go nowhere.
NULL_RECEIVER = "none"


@dataclass(frozen=True)
class ScrapeTarget:
    """Pods to scrape: their labels, the container port (name or number) and path; `namespace` None: any namespace."""

    match_labels: Mapping[str, str]
    port: str | int
    path: str = "/metrics"
    namespace: str | None = None
    # `targetLabels.metadata`: the pod metadata GMP puts on every series; None keeps GMP's default
    # (container, [namespace,] pod, top_level_controller_*). An exporter that describes other objects
    # (kube-state-metrics) needs it empty, or GMP would rename the series' own namespace/pod labels.
    target_labels: tuple[str, ...] | None = None
    # A namespace whose default-deny must admit GMP's collectors to these pods (a NetworkPolicy is made there).
    ingress_namespace: str | None = None
    # Metric names to keep (empty: all): GMP bills every sample, so a target that serves far more than the
    # platform reads keeps only what its dashboards use (endpoint `metricRelabeling`, pod_types.go ScrapeEndpoint).
    keep_metrics: tuple[str, ...] = ()


@dataclass(frozen=True)
class SmtpRelay:
    """The mail relay Alertmanager sends through (it sends email itself; GMP provides no relay)."""

    smarthost: str
    sender: str
    username: str | None = None


def duration(seconds: int) -> str:
    """A Prometheus duration, e.g. `30s`."""
    if seconds <= 0:
        raise ValueError(f"a scrape interval must be positive (got {seconds})")
    return f"{seconds}s"


def monitoring_spec(target: ScrapeTarget, interval_seconds: int) -> dict:
    """The spec of a PodMonitoring (namespaced target) or ClusterPodMonitoring (every namespace)."""
    if not target.match_labels:
        raise ValueError("a scrape target needs at least one label to select its pods")
    spec: dict = {
        "selector": {"matchLabels": dict(target.match_labels)},
        "endpoints": [{"port": target.port, "path": target.path, "interval": duration(interval_seconds)}],
    }
    if target.target_labels is not None:
        spec["targetLabels"] = {"metadata": list(target.target_labels)}
    if target.keep_metrics:
        spec["endpoints"][0]["metricRelabeling"] = [{"action": "keep", "sourceLabels": ["__name__"],
                                                     "regex": "|".join(sorted(target.keep_metrics))}]
    return spec


def monitoring_kind(target: ScrapeTarget) -> str:
    """`PodMonitoring` for a target in one namespace, `ClusterPodMonitoring` for one in any."""
    return "PodMonitoring" if target.namespace else "ClusterPodMonitoring"


def collector_ingress_spec(target: ScrapeTarget) -> dict:
    """A NetworkPolicy spec letting GMP's collectors reach the target's metrics port, and nothing else in.

    Namespaces the platform closes by default (the runner namespaces) would otherwise drop every scrape.
    """
    return ingress_only_from(target.match_labels, [namespace_peer(SYSTEM_NAMESPACE)], target.port)


def rules_spec(rule_file: Mapping) -> dict:
    """ClusterRules' spec from a Prometheus rule file (`{"groups": [...]}`): the same groups, checked."""
    groups = rule_file.get("groups")
    if not groups:
        raise ValueError("a rule file needs at least one group")
    for group in groups:
        if not group.get("name") or not group.get("rules"):
            raise ValueError(f"every rule group needs a name and rules (got {group!r})")
    return {"groups": [dict(g) for g in groups]}


def alertmanager_config(emails: Sequence[str], webhook_url: str | None, smtp: SmtpRelay | None = None,
                        smtp_password: str | None = None) -> str:
    """The managed Alertmanager's config file: one route to every configured receiver.

    Call it inside an apply with the webhook URL and SMTP password in clear: the result holds them
    and must stay a Pulumi secret.
    """
    if emails and smtp is None:
        raise ValueError("email receivers need an SMTP relay: Alertmanager sends the mail itself")
    receivers: list[dict] = []
    if webhook_url:
        # send_resolved: the webhook hears when a problem is over, not only when it starts.
        receivers.append({"name": WEBHOOK_RECEIVER,
                          "webhook_configs": [{"url": webhook_url, "send_resolved": True}]})
    if emails:
        assert smtp is not None
        email: dict = {"to": ", ".join(emails), "from": smtp.sender, "smarthost": smtp.smarthost,
                       "require_tls": True, "send_resolved": True}
        if smtp.username:
            email["auth_username"] = smtp.username
            email["auth_password"] = smtp_password or ""
        receivers.append({"name": EMAIL_RECEIVER, "email_configs": [email]})
    if not receivers:
        receivers.append({"name": NULL_RECEIVER})
    first, *others = [r["name"] for r in receivers]
    route: dict = {"receiver": first, "group_by": ["alertname", "cluster"],
                   "group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h"}
    if others:
        # The first receiver takes every alert; `continue` lets the others hear them too.
        route["routes"] = [{"receiver": first, "continue": True},
                           *({"receiver": name, "continue": True} for name in others)]
    return yaml.safe_dump({"route": route, "receivers": receivers}, sort_keys=False)


def frontend_args(project: str, port: int) -> list[str]:
    """The GMP query frontend's flags (cmd/frontend/README.md at v0.17.2): listen port and the project to query."""
    return [f"--web.listen-address=:{port}", f"--query.project-id={project}"]
