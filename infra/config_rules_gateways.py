"""Cross-field rules for gateways: weights, TLS, exposure and what each cloud's balancer supports."""

from __future__ import annotations

from collections.abc import Iterator

from infra.catalog import Cloud
from infra.config_gateways import Exposure, GatewayConfig, GatewayProtocol
from infra.config_models import Environment, StackConfig

Problem = tuple[str, str]
# An ALB weighted forward action takes at most five target groups.
AWS_MAX_BACKENDS_PER_ROUTE = 5


def gateway_problems(config: StackConfig) -> Iterator[Problem]:
    """Every gateway problem in the stack config, then the refusal while nothing builds them."""
    yield from gateway_rule_problems(config)
    yield from _not_composed_yet(config)


def gateway_rule_problems(config: StackConfig) -> Iterator[Problem]:
    """Every problem with the gateways' own settings, each with its path."""
    for cluster_name, cluster in config.clusters.items():
        for name, gateway in cluster.gateways.items():
            yield from _gateway(f"clusters.{cluster_name}.gateways.{name}", config.environment,
                                cluster.cloud, gateway)


def _not_composed_yet(config: StackConfig) -> Iterator[Problem]:
    # The components and `infra.compose_gateways.build_gateways` exist, but the composition only
    # calls them once a cluster exposes its Kubernetes provider; accepting the key and building
    # nothing would look like a served endpoint that is not there.
    for cluster_name, cluster in config.clusters.items():
        if cluster.gateways:
            yield (f"clusters.{cluster_name}.gateways",
                   "gateways are validated but not built by the composition yet; remove the key "
                   "until the cluster's Kubernetes provider is wired into infra.compose_gateways")


def _gateway(path: str, environment: Environment, cloud: Cloud, gateway: GatewayConfig) -> Iterator[Problem]:
    if (environment == Environment.SANDBOX and gateway.exposure == Exposure.INTERNET_FACING
            and not gateway.allow_internet_facing_in_sandbox):
        yield (f"{path}.exposure",
               "a sandbox gateway is internal unless you opt in; set "
               "`allow_internet_facing_in_sandbox: true` to expose it to the internet (got internet-facing)")
    if not gateway.routes:
        yield f"{path}.routes", "needs at least one route (path prefix -> backends)"
    if gateway.protocol == GatewayProtocol.TCP:
        yield from _tcp(path, cloud, gateway)
    else:
        yield from _https(path, gateway)
    seen: dict[str, str] = {}
    for route_name, route in gateway.routes.items():
        route_path = f"{path}.routes.{route_name}"
        if route.path_prefix in seen:
            yield (f"{route_path}.path_prefix",
                   f"same path prefix as route {seen[route.path_prefix]}; give each route its own "
                   f"(got {route.path_prefix!r})")
        seen.setdefault(route.path_prefix, route_name)
        yield from _backends(f"{route_path}.backends", cloud, route.backends)


def _https(path: str, gateway: GatewayConfig) -> Iterator[Problem]:
    if not gateway.hostnames:
        yield f"{path}.hostnames", "an https gateway needs at least one hostname for its certificate"
    if (gateway.tls.dns_zone is None) == (gateway.tls.certificate is None):
        yield (f"{path}.tls",
               "set exactly one of dns_zone (the cloud issues and validates the certificate) or "
               "certificate (an existing one)")


def _tcp(path: str, cloud: Cloud, gateway: GatewayConfig) -> Iterator[Problem]:
    if cloud != Cloud.AWS:
        yield f"{path}.protocol", "tcp passthrough is an AWS network load balancer; use https on gcp"
    if gateway.tls.dns_zone or gateway.tls.certificate:
        yield f"{path}.tls", "a tcp gateway passes TLS through to the pods; remove tls"
    if gateway.firewall_policy:
        yield f"{path}.firewall_policy", "a WAF web ACL needs an https gateway (ALB); remove it"
    routes = list(gateway.routes.items())
    if len(routes) > 1:
        yield f"{path}.routes", f"a tcp gateway forwards to one route (got {len(routes)})"
    for route_name, route in routes:
        if route.path_prefix != "/":
            yield (f"{path}.routes.{route_name}.path_prefix",
                   f"a tcp gateway cannot route by path; remove it (got {route.path_prefix!r})")
        if len(route.backends) > 1:
            yield (f"{path}.routes.{route_name}.backends",
                   f"a tcp gateway forwards to one backend; split traffic with https (got {len(route.backends)})")


def _backends(path: str, cloud: Cloud, backends: dict) -> Iterator[Problem]:
    if not backends:
        yield path, "needs at least one backend (namespace, service, port)"
        return
    total = sum(b.weight for b in backends.values())
    if total != 100:
        shares = " + ".join(f"{name} {b.weight}" for name, b in backends.items())
        yield path, f"weights must add up to 100 (got {total}: {shares})"
    if cloud == Cloud.AWS and len(backends) > AWS_MAX_BACKENDS_PER_ROUTE:
        yield (path, f"an ALB route splits across at most {AWS_MAX_BACKENDS_PER_ROUTE} backends "
                     f"(got {len(backends)})")
