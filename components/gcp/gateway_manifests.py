"""Pure builders for the GKE Gateway API objects a GkeGateway applies: plain dicts, tested without mocks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from components.routes import BackendSpec, RouteSpec, by_specificity

GATEWAY_API = "gateway.networking.k8s.io/v1"
REFERENCE_GRANT_API = "gateway.networking.k8s.io/v1beta1"
GKE_POLICY_API = "networking.gke.io/v1"
EXTERNAL_CLASS = "gke-l7-global-external-managed"
INTERNAL_CLASS = "gke-l7-rilb"
CERTMAP_ANNOTATION = "networking.gke.io/certmap"
CERTS_OPTION = "networking.gke.io/cert-manager-certs"
# GCPBackendPolicy samples logs in millionths: every request is logged.
FULL_LOG_SAMPLE_RATE = 1_000_000
# Google's load balancers accept TLS 1.0 unless an SSL policy says otherwise; MODERN with a TLS 1.2
# floor keeps forward-secret ciphers only.
SSL_PROFILE = "MODERN"
MIN_TLS_VERSION = "TLS_1_2"


def gateway_spec(internal: bool, address_name: Any, certificate_name: Any | None) -> dict[str, Any]:
    """Gateway spec: an HTTPS listener, an HTTP listener that only redirects, on the stack's static IP.

    A global gateway takes its certificates from a certificate map (an annotation); a regional
    internal one names its Certificate Manager certificate on the listener.
    """
    https: dict[str, Any] = {"name": "https", "protocol": "HTTPS", "port": 443,
                             "allowedRoutes": {"namespaces": {"from": "Same"}}}
    if internal:
        https["tls"] = {"mode": "Terminate", "options": {CERTS_OPTION: certificate_name}}
    return {
        "gatewayClassName": INTERNAL_CLASS if internal else EXTERNAL_CLASS,
        "listeners": [https, {"name": "http", "protocol": "HTTP", "port": 80,
                              "allowedRoutes": {"namespaces": {"from": "Same"}}}],
        "addresses": [{"type": "NamedAddress", "value": address_name}],
    }


def gateway_policy_spec(gateway: str, ssl_policy: Any) -> dict[str, Any]:
    """GCPGatewayPolicy: the Gateway's HTTPS listeners negotiate through the stack's SSL policy."""
    return {"default": {"sslPolicy": ssl_policy},
            "targetRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": gateway}}


def http_route_spec(gateway: str, hostnames: Sequence[str], route: RouteSpec) -> dict[str, Any]:
    """One route's HTTPRoute: its path prefix split across backends by weight."""
    return {
        "parentRefs": [{"name": gateway, "sectionName": "https"}],
        "hostnames": list(hostnames),
        "rules": [{
            "matches": [{"path": {"type": "PathPrefix", "value": route.path_prefix}}],
            "backendRefs": [{"name": b.service, "namespace": b.namespace, "port": b.port, "weight": b.weight}
                            for b in route.backends.values()],
        }],
    }


def redirect_route_spec(gateway: str, hostnames: Sequence[str]) -> dict[str, Any]:
    """An HTTPRoute on the HTTP listener sending every request to HTTPS with a 301."""
    return {
        "parentRefs": [{"name": gateway, "sectionName": "http"}],
        "hostnames": list(hostnames),
        "rules": [{"filters": [{"type": "RequestRedirect",
                                "requestRedirect": {"scheme": "https", "statusCode": 301}}]}],
    }


def services(routes: Mapping[str, RouteSpec]) -> dict[tuple[str, str], BackendSpec]:
    """Each distinct (namespace, service) the routes reach, most specific route first."""
    found: dict[tuple[str, str], BackendSpec] = {}
    for _, route in by_specificity(routes):
        for backend in route.backends.values():
            found.setdefault((backend.namespace, backend.service), backend)
    return found


def reference_grant_spec(gateway_namespace: str, service_names: Sequence[str]) -> dict[str, Any]:
    """Lets HTTPRoutes in the gateway's namespace reach these Services, and nothing else."""
    return {
        "from": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "namespace": gateway_namespace}],
        "to": [{"group": "", "kind": "Service", "name": name} for name in sorted(service_names)],
    }


def health_check_policy_spec(backend: BackendSpec) -> dict[str, Any]:
    """HealthCheckPolicy: the load balancer probes the model server's health path on its pod port.

    The CRD only accepts `port` together with `portSpecification: USE_FIXED_PORT`; without it the
    default is USE_SERVING_PORT, which requires `port` unset. Source (read 2026-11-29):
    GoogleCloudPlatform/gke-gateway-api@fc40d606 (main, 2026-04-29)
    config/crd/networking.gke.io_healthcheckpolicies.yaml, `x-kubernetes-validations` of
    httpHealthCheck ("for portSpecification being USE_FIXED_PORT, port must be set and portName
    must be unset"; "port and portName must be unset for portSpecification being USE_SERVING_PORT
    (which is the default)"), added in commit 983ac3d after release v1.4.0.
    """
    check = {"portSpecification": "USE_FIXED_PORT", "port": backend.pod_port,
             "requestPath": backend.health_check_path}
    return {
        "default": {"checkIntervalSec": 15, "timeoutSec": 5, "healthyThreshold": 2, "unhealthyThreshold": 3,
                    "config": {"type": "HTTP", "httpHealthCheck": check}},
        "targetRef": {"group": "", "kind": "Service", "name": backend.service},
    }


def backend_policy_spec(service: str, security_policy: Any | None) -> dict[str, Any]:
    """GCPBackendPolicy: full access logging, and the Cloud Armor policy when one is given."""
    default: dict[str, Any] = {"logging": {"enabled": True, "sampleRate": FULL_LOG_SAMPLE_RATE}}
    if security_policy:
        default["securityPolicy"] = security_policy
    return {"default": default, "targetRef": {"group": "", "kind": "Service", "name": service}}
