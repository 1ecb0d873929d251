"""The in-cluster Grafana is reached with `kubectl port-forward` only: no load balancer, node port or ingress.

Grafana holds the dashboards of the whole platform and a data-source identity that can query every metric
of the stack, so nothing may publish it: its Service stays ClusterIP (set explicitly, so a chart default
can never change it) and the chart's ingress stays off. Both value paths are the grafana chart's
(`service.type`, `ingress.enabled`: infra/catalog/chart_values_monitoring.py, read at the pinned chart).
"""

from __future__ import annotations

from rulekit import HIGH, dig, resource_rule

RELEASE = "kubernetes:helm.sh/v3:Release"
SERVICE = "kubernetes:core/v1:Service"
EXPOSED_TYPES = ("LoadBalancer", "NodePort")


def _is_grafana(props) -> bool:
    chart = str(dig(props, "chart", default=""))
    return chart == "grafana" or chart.endswith("/grafana")


def _not_exposed(props, ctx):
    if ctx.type == SERVICE:
        labels = dig(props, "metadata", "labels", default={}) or {}
        kind = dig(props, "spec", "type", default="ClusterIP")
        if labels.get("app.kubernetes.io/name") == "grafana" and kind in EXPOSED_TYPES:
            yield f"Grafana service '{ctx.name}' is of type {kind}; keep it ClusterIP and use kubectl port-forward"
        return
    if not _is_grafana(props):
        return
    kind = dig(props, "values", "service", "type")
    if kind != "ClusterIP":
        yield (f"Grafana release '{ctx.name}' sets service.type {kind!r}; it must be 'ClusterIP' "
               "(reach it with kubectl port-forward)")
    if dig(props, "values", "ingress", "enabled") is True:
        yield f"Grafana release '{ctx.name}' enables an ingress; reach it with kubectl port-forward instead"


RULES = [
    resource_rule(
        "grafana-not-exposed",
        "The in-cluster Grafana has a ClusterIP service and no ingress (practice: reached by port-forward only)",
        types=[RELEASE, SERVICE], check=_not_exposed, severity=HIGH,
        remediation="Install Grafana through ClusterGrafana, which sets service.type ClusterIP and no ingress; "
                    "run `kubectl -n grafana port-forward deploy/grafana 3000:3000` to use it."),
]
