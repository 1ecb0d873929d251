"""Pure helpers for AwsLoadBalancer: security group rules, health checks, listener rules, weighted forwards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from components.routes import BackendSpec, RouteSpec, by_specificity, path_patterns

# Listener rule priorities step by 10 so a hand-made rule can be slotted between two in an emergency.
PRIORITY_STEP = 10


def security_group_rules(cidrs: Sequence[str], listen_ports: Sequence[int], vpc_cidr: str,
                         pod_ports: Sequence[int]) -> list[dict[str, Any]]:
    """Ingress on the listener ports from `cidrs`; egress only to pod ports inside the VPC."""
    rules: list[dict[str, Any]] = []
    for port in listen_ports:
        for index, cidr in enumerate(cidrs):
            rules.append({"direction": "in", "key": f"in-{port}-{index}", "cidr_ipv4": cidr,
                          "from_port": port, "to_port": port, "description": f"clients on {port}"})
    for port in pod_ports:
        rules.append({"direction": "out", "key": f"out-{port}", "cidr_ipv4": vpc_cidr,
                      "from_port": port, "to_port": port, "description": f"pods on {port}"})
    return rules


def target_group_health(backend: BackendSpec, application: bool) -> dict[str, Any]:
    """Health check of one backend's target group: its HTTP health path, or a TCP connect for an NLB."""
    if not application:
        return {"enabled": True, "protocol": "TCP", "port": "traffic-port", "healthy_threshold": 2,
                "unhealthy_threshold": 2, "interval": 10}
    return {"enabled": True, "protocol": "HTTP", "port": "traffic-port", "path": backend.health_check_path,
            "matcher": "200-399", "healthy_threshold": 2, "unhealthy_threshold": 3, "interval": 15,
            "timeout": 5}


def listener_rules(routes: Mapping[str, RouteSpec]) -> list[dict[str, Any]]:
    """One HTTPS listener rule per route, most specific prefix first, with each backend's weight."""
    return [
        {
            "route": route_name,
            "priority": PRIORITY_STEP * (index + 1),
            "conditions": [{"path_pattern": {"values": path_patterns(route.path_prefix)}}],
            "weights": {key: b.weight for key, b in route.backends.items()},
        }
        for index, (route_name, route) in enumerate(by_specificity(routes))
    ]


def forward_action(targets: Mapping[str, tuple[Any, int]]) -> dict[str, Any]:
    """A forward action splitting traffic across target groups by weight (`key -> (arn, weight)`)."""
    return {"type": "forward", "forward": {
        "target_groups": [{"arn": arn, "weight": weight} for arn, weight in targets.values()]}}
