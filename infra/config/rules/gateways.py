"""Cross-field rules for gateways: weights, TLS, exposure and what each cloud's balancer supports."""

from __future__ import annotations

from collections.abc import Iterator

from infra.catalog.accelerators import Cloud
from infra.config.gateways import Exposure, GatewayConfig, GatewayProtocol
from infra.config.stack import ClusterConfig, Environment, StackConfig

Problem = tuple[str, str]
# An ALB weighted forward action takes at most five target groups.
AWS_MAX_BACKENDS_PER_ROUTE = 5


def gateway_problems(config: StackConfig) -> Iterator[Problem]:
    """Every gateway problem in the stack config: the gateways' own settings, then where they go."""
    yield from gateway_rule_problems(config)
    gcp_owner: dict[str, str] = {}
    for name, cluster in config.clusters.items():
        for gateway in cluster.gateways if cluster.cloud == Cloud.GCP else ():
            # GKE gateways name their address, certificate and SSL policy after themselves, in
            # the stack's one project: two of the same name would fight over them.
            if gateway in gcp_owner:
                yield (f"clusters.{name}.gateways.{gateway}",
                       f"cluster {gcp_owner[gateway]} has a gcp gateway of this name; give it another name")
            gcp_owner.setdefault(gateway, name)
        if cluster.gateways:
            path = f"clusters.{name}"
            if cluster.cloud == Cloud.AWS:
                yield from _aws_placement(path, config, cluster)
            else:
                yield from _gcp_placement(path, cluster)


def gateway_rule_problems(config: StackConfig) -> Iterator[Problem]:
    """Every problem with the gateways' own settings, each with its path."""
    for cluster_name, cluster in config.clusters.items():
        for name, gateway in cluster.gateways.items():
            yield from _gateway(f"clusters.{cluster_name}.gateways.{name}", config.environment,
                                cluster.cloud, gateway)


def _aws_placement(path: str, config: StackConfig, cluster: ClusterConfig) -> Iterator[Problem]:
    logs_to = cluster.aws.gateway_logs_to
    bucket = config.buckets.get(logs_to) if logs_to else None
    if logs_to is None:
        yield (f"{path}.aws.gateway_logs_to",
               "load balancers write access logs; name a bucket of this stack with `aws.log_target: true`")
    elif bucket is None or bucket.cloud != Cloud.AWS or not bucket.aws.log_target:
        yield (f"{path}.aws.gateway_logs_to",
               f"must name an aws bucket of this stack with `aws.log_target: true` (SSE-S3, log delivery "
               f"allowed) (got {logs_to!r})")
    existing = cluster.aws.existing_network
    public = [n for n, g in cluster.gateways.items() if g.exposure == Exposure.INTERNET_FACING]
    if existing is not None and public and not existing.public_subnet_ids:
        yield (f"{path}.aws.existing_network.public_subnet_ids",
               f"internet-facing gateways ({', '.join(public)}) go in public subnets; list them by zone, "
               "or make the gateways internal")


def _gcp_placement(path: str, cluster: ClusterConfig) -> Iterator[Problem]:
    internal = [n for n, g in cluster.gateways.items() if g.exposure == Exposure.INTERNAL]
    if not internal:
        return
    names = ", ".join(internal)
    existing, cidr = cluster.gcp.existing_network, cluster.gcp.proxy_only_cidr
    if existing is not None:
        if not existing.proxy_only_subnet:
            yield (f"{path}.gcp.existing_network.proxy_only_subnet",
                   f"internal gateways ({names}) need a proxy-only subnet in the network; create one "
                   "(purpose REGIONAL_MANAGED_PROXY) and set this to true")
        if cidr is not None:
            yield f"{path}.gcp.proxy_only_cidr", "the network is not ours to change; remove this key"
    elif cidr is None:
        yield (f"{path}.gcp.proxy_only_cidr",
               f"internal gateways ({names}) need a proxy-only subnet; give it a range outside "
               f"network.cidr, e.g. a /23")
    elif cidr.overlaps(cluster.network.cidr) or cidr.overlaps(cluster.gcp.master_cidr):
        yield (f"{path}.gcp.proxy_only_cidr",
               f"must not overlap network.cidr {cluster.network.cidr} or gcp.master_cidr "
               f"{cluster.gcp.master_cidr} (got {cidr})")


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
