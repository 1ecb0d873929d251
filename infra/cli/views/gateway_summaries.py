"""Plan-table summaries of load balancer and gateway resources: the settings a reviewer checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _load_balancer(i: dict[str, Any]) -> str:
    logs = "access logs on" if (i.get("accessLogs") or {}).get("enabled") else "access logs OFF"
    parts = [str(i.get("loadBalancerType")), "internal" if i.get("internal") else "internet-facing", logs,
             "deletion protection on" if i.get("enableDeletionProtection") else "deletion protection off"]
    if i.get("loadBalancerType") == "application":
        parts.append("invalid headers dropped" if i.get("dropInvalidHeaderFields") else "invalid headers KEPT")
    return " · ".join(parts)


def _listener(i: dict[str, Any]) -> str:
    actions = i.get("defaultActions") or [{}]
    redirect = actions[0].get("redirect") or {}
    where = (f" → {redirect.get('protocol')} {redirect.get('statusCode')}" if redirect else "")
    policy = f" · {i['sslPolicy']}" if i.get("sslPolicy") else ""
    return f"{i.get('protocol')} :{i.get('port')}{policy}{where}"


def _listener_rule(i: dict[str, Any]) -> str:
    paths = ", ".join(((i.get("conditions") or [{}])[0].get("pathPattern") or {}).get("values") or [])
    groups = ((i.get("actions") or [{}])[0].get("forward") or {}).get("targetGroups") or []
    return f"{paths} → split {'/'.join(str(g.get('weight')) for g in groups)}"


def _http_route(i: dict[str, Any]) -> str:
    rule = ((i.get("spec") or {}).get("rules") or [{}])[0]
    if rule.get("filters"):
        return "redirect to https"
    path = ((rule.get("matches") or [{}])[0].get("path") or {}).get("value")
    refs = ", ".join(f"{b.get('name')}:{b.get('port')} {b.get('weight')}%" for b in rule.get("backendRefs") or [])
    return f"{path} → {refs}"


def _ssl_policy(i: dict[str, Any]) -> str:
    return f"{i.get('profile')} · min {i.get('minTlsVersion')}"


GATEWAY_SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "gcp:compute/sSLPolicy:SSLPolicy": _ssl_policy,
    "gcp:compute/regionSslPolicy:RegionSslPolicy": _ssl_policy,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/listener:Listener": _listener,
    "aws:lb/listenerRule:ListenerRule": _listener_rule,
    "kubernetes:gateway.networking.k8s.io/v1:Gateway": lambda i: str((i.get("spec") or {}).get("gatewayClassName")),
    "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute": _http_route,
}
