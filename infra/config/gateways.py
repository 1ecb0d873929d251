"""Config models for gateways: hardened load balancers in front of a cluster's model servers.

Kept apart from `infra.config.stack` so the traffic layer hooks in with one line there. Routes and
backends are keyed by name like every other collection: reordering them never replaces a
target group or a route.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from infra.config.base import KubeName, Model, Name

Hostname = Annotated[str, StringConstraints(
    pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", max_length=253)]
PathPrefix = Annotated[str, StringConstraints(pattern=r"^/[A-Za-z0-9._~/-]*$", max_length=128)]


class Exposure(StrEnum):
    """Who can reach a gateway: only the private network, or the internet."""

    INTERNAL = "internal"
    INTERNET_FACING = "internet-facing"


class GatewayProtocol(StrEnum):
    """HTTPS terminates TLS at the load balancer (ALB, GKE Gateway); TCP passes it through (NLB)."""

    HTTPS = "https"
    TCP = "tcp"


class TlsConfig(Model):
    """Where a gateway's certificate comes from: issued by the cloud, or one that already exists."""

    # AWS: Route 53 hosted zone id; GCP: Cloud DNS managed zone name. The cloud issues the
    # certificate, validates it through this zone and points the hostnames at the gateway.
    dns_zone: str | None = Field(default=None, min_length=1)
    # AWS: an ACM certificate ARN; GCP: a Certificate Manager certificate id or full name. Shapes checked in
    # infra/config/values/gateway_refs.py.
    certificate: str | None = Field(default=None, min_length=1)


class BackendConfig(Model):
    """One Kubernetes service a route sends a share of its traffic to."""

    namespace: KubeName
    service: KubeName
    # The service port. Required: guessing 80 would send traffic to the wrong place silently.
    port: int = Field(ge=1, le=65535)
    # The pod port the load balancer opens its security rules to; defaults to `port`.
    target_port: int | None = Field(default=None, ge=1, le=65535)
    weight: int = Field(default=100, ge=0, le=100)
    health_check_path: PathPrefix = "/health"


class RouteConfig(Model):
    """Requests under a path prefix, split across backends by weight (weights add up to 100)."""

    path_prefix: PathPrefix = "/"
    backends: dict[Name, BackendConfig]


class GatewayConfig(Model):
    """A load balancer the stack owns, serving cluster services at hostnames."""

    hostnames: list[Hostname] = Field(default_factory=list)
    exposure: Exposure = Exposure.INTERNAL
    protocol: GatewayProtocol = GatewayProtocol.HTTPS
    # The listener port of a TCP (passthrough) gateway; HTTPS gateways listen on 443 and 80.
    port: int = Field(default=443, ge=1, le=65535)
    tls: TlsConfig = Field(default_factory=TlsConfig)
    routes: dict[Name, RouteConfig] = Field(default_factory=dict)
    # AWS: a WAFv2 web ACL ARN (regional, in the stack's region); GCP: a Cloud Armor security policy name.
    firewall_policy: str | None = Field(default=None, min_length=1)
    # Without firewall_policy, an internet-facing gateway gets a WAF of managed rules (AWS WAF managed
    # rule groups, Cloud Armor preconfigured rules); false is the named opt-out the lb-waf rule flags.
    managed_firewall: bool = True
    # Sandboxes are personal; exposing one to the internet takes a named, reviewable opt-in.
    allow_internet_facing_in_sandbox: bool = False
