"""Routes and backends shared by the AWS and GCP gateways, and the pure helpers over them."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class BackendSpec:
    """A Kubernetes service receiving `weight` percent of a route's traffic."""

    namespace: str
    service: str
    port: int
    weight: int = 100
    # The pod port security rules open; None means the same as `port`.
    target_port: int | None = None
    health_check_path: str = "/health"

    @property
    def pod_port(self) -> int:
        """The port traffic finally reaches on the pods."""
        return self.target_port or self.port


@dataclass(frozen=True)
class RouteSpec:
    """Requests under `path_prefix`, split across backends keyed by name."""

    path_prefix: str = "/"
    backends: Mapping[str, BackendSpec] = field(default_factory=dict)


def check_routes(routes: Mapping[str, RouteSpec]) -> None:
    """Refuse routes a load balancer cannot express: no backends, or weights not adding to 100."""
    if not routes:
        raise ValueError("a gateway needs at least one route")
    for name, route in routes.items():
        if not route.backends:
            raise ValueError(f"route {name} has no backends")
        total = sum(b.weight for b in route.backends.values())
        if total != 100:
            raise ValueError(f"route {name}: weights must add up to 100 (got {total})")


def by_specificity(routes: Mapping[str, RouteSpec]) -> list[tuple[str, RouteSpec]]:
    """Routes longest prefix first, so `/v1/chat` wins over `/v1` and `/` comes last."""
    return sorted(routes.items(), key=lambda item: (-len(item[1].path_prefix), item[1].path_prefix, item[0]))


def path_patterns(prefix: str) -> list[str]:
    """ALB path patterns matching a prefix and everything under it."""
    stem = prefix.rstrip("/")
    return ["/*"] if not stem else [stem, f"{stem}/*"]


def route_table(routes: Mapping[str, RouteSpec]) -> dict[str, dict]:
    """The routes as configured, as plain data for stack outputs and the plan."""
    return {
        name: {
            "path_prefix": route.path_prefix,
            "backends": {
                key: {"namespace": b.namespace, "service": b.service, "port": b.port, "weight": b.weight}
                for key, b in route.backends.items()
            },
        }
        for name, route in routes.items()
    }


def short_name(*parts: str, limit: int = 32) -> str:
    """A readable cloud name within `limit` characters, unique per `parts` through a short hash.

    ALB and target group names are at most 32 characters and unique per account and region;
    the hash keeps two long names that share a stem from colliding after truncation.
    """
    digest = hashlib.sha1("/".join(parts).encode()).hexdigest()[:6]
    stem = "-".join(p for p in parts if p).lower()
    stem = "".join(c if c.isalnum() or c == "-" else "-" for c in stem)[: limit - len(digest) - 1].strip("-")
    return f"{stem}-{digest}"
