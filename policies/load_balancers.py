"""Load balancer rules (AWS ALB/NLB and Google Cloud SSL policies) for the traffic layer."""

from __future__ import annotations

from rulekit import HIGH, MEDIUM, dig, environment_of, resource_rule, stack_rule

LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
GCP_SSL_POLICY = "gcp:compute/sSLPolicy:SSLPolicy"
WAF_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway"
HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
BACKEND_POLICY = "kubernetes:networking.gke.io/v1:GCPBackendPolicy"
# GKE's GatewayClass of the global external Application Load Balancer (components/gcp/gateway_manifests.py).
EXTERNAL_GATEWAY_CLASS = "gke-l7-global-external-managed"
TLS_PROTOCOLS = ("HTTPS", "TLS")
# AWS names every TLS 1.2+ policy with one of these markers; the default policy allows TLS 1.0.
TLS12_MARKERS = ("TLS13", "TLS-1-2", "FS-1-2")


def _tls(props, ctx):
    if ctx.type == GCP_SSL_POLICY:
        version = dig(props, "minTlsVersion", default="TLS_1_0")
        if version not in ("TLS_1_2", "TLS_1_3"):
            yield f"SSL policy '{ctx.name}' allows {version}; the minimum must be TLS_1_2"
        return
    if dig(props, "protocol") not in TLS_PROTOCOLS:
        return
    policy = dig(props, "sslPolicy", default="ELBSecurityPolicy-2016-08")
    if not any(marker in policy for marker in TLS12_MARKERS):
        yield f"listener '{ctx.name}' uses SSL policy {policy}, which allows TLS older than 1.2"


def _redirect(props, ctx):
    if dig(props, "protocol") != "HTTP":
        return
    actions = dig(props, "defaultActions", default=[])
    if not any(dig(a, "type") == "redirect" and dig(a, "redirect", "protocol") == "HTTPS" for a in actions):
        yield f"HTTP listener '{ctx.name}' does not redirect to HTTPS"


def _access_logs(props, ctx):
    if dig(props, "accessLogs", "enabled") is not True:
        yield f"load balancer '{ctx.name}' does not write access logs"


def _deletion_protection(props, ctx):
    env = environment_of(props)
    if env in ctx.config.get("environments", ["prod"]) and dig(props, "enableDeletionProtection") is not True:
        yield f"{env} load balancer '{ctx.name}' has no deletion protection"


def _invalid_headers(props, ctx):
    if dig(props, "loadBalancerType", default="application") == "application" and dig(
            props, "dropInvalidHeaderFields") is not True:
        yield f"load balancer '{ctx.name}' forwards invalid HTTP headers"


def _waf(lb, stack):
    props = lb.props
    if dig(props, "internal") is not False or dig(props, "loadBalancerType", default="application") != "application":
        return
    if not stack.attached(lb, WAF_ASSOCIATION, prop="resourceArn"):
        yield f"internet-facing load balancer '{lb.name}' has no WAF web ACL (AWS managed rules or firewall_policy)"


def _namespace(resource) -> str:
    return str(dig(resource.props, "metadata", "namespace", default="default"))


def _internet_backends(stack) -> dict[tuple[str, str], str]:
    """(namespace, service) -> gateway name, for every backend an external GKE Gateway routes to."""
    external = {(_namespace(g), dig(g.props, "metadata", "name")): dig(g.props, "metadata", "name")
                for g in stack.resources if g.resource_type == GATEWAY
                and dig(g.props, "spec", "gatewayClassName") == EXTERNAL_GATEWAY_CLASS}
    backends: dict[tuple[str, str], str] = {}
    for route in (r for r in stack.resources if r.resource_type == HTTP_ROUTE):
        route_ns = _namespace(route)
        for parent in dig(route.props, "spec", "parentRefs", default=[]):
            gateway = external.get((dig(parent, "namespace", default=route_ns), dig(parent, "name")))
            if gateway is None:
                continue
            for rule in dig(route.props, "spec", "rules", default=[]):
                for ref in dig(rule, "backendRefs", default=[]):
                    backends[(dig(ref, "namespace", default=route_ns), dig(ref, "name"))] = gateway
    return backends


def _cloud_armor(policy, stack):
    target = (_namespace(policy), dig(policy.props, "spec", "targetRef", "name"))
    gateway = _internet_backends(stack).get(target)
    if gateway is not None and not dig(policy.props, "spec", "default", "securityPolicy"):
        yield (f"backend policy '{policy.name}' of internet-facing gateway '{gateway}' sets no Cloud Armor "
               "securityPolicy")


_FIX = "Expose services through the mlinfra traffic components, which set this; "

RULES = [
    resource_rule("lb-tls-1-2", "Load balancers negotiate TLS 1.2 or newer only (AWS FSBP ELB.17, CIS GCP 3.9)",
                  types=[*LISTENERS, GCP_SSL_POLICY], check=_tls, severity=HIGH,
                  remediation=_FIX + "use ELBSecurityPolicy-TLS13-1-2-2021-06 or a TLS_1_2 SSL policy."),
    resource_rule("lb-https-redirect", "HTTP listeners redirect to HTTPS (practice: encrypt in transit)",
                  types=LISTENERS, check=_redirect, severity=HIGH,
                  remediation=_FIX + "the HTTP listener's only action is a 301 to HTTPS."),
    resource_rule("lb-access-logs", "Load balancers write access logs (AWS FSBP ELB.5)",
                  types=LOAD_BALANCERS, check=_access_logs, severity=MEDIUM,
                  remediation=_FIX + "accessLogs go to the stack's log bucket."),
    resource_rule("lb-deletion-protection", "Prod load balancers have deletion protection (practice: data safety)",
                  types=LOAD_BALANCERS, check=_deletion_protection, severity=MEDIUM,
                  config={"environments": {"type": "array", "items": {"type": "string"}, "default": ["prod"]}},
                  remediation=_FIX + "mlinfra:environment prod turns deletion protection on."),
    resource_rule("lb-drop-invalid-headers", "Application load balancers drop invalid headers (AWS FSBP ELB.4)",
                  types=LOAD_BALANCERS, check=_invalid_headers, severity=MEDIUM,
                  remediation=_FIX + "dropInvalidHeaderFields is always on."),
    stack_rule("lb-waf",
               "Internet-facing application load balancers have a WAF web ACL (practice: Checkov CKV2_AWS_28)",
               types=LOAD_BALANCERS, check=_waf, severity=HIGH,
               remediation=_FIX + "internet-facing gateways get a web ACL of AWS managed rules unless "
                                  "gateways.<g>.managed_firewall is false; then name one in firewall_policy."),
    stack_rule("gke-gateway-cloud-armor",
               "Backends of internet-facing GKE gateways have a Cloud Armor security policy "
               "(practice: GCPBackendPolicy securityPolicy)",
               types=[BACKEND_POLICY], check=_cloud_armor, severity=HIGH,
               remediation=_FIX + "external gateways get a Cloud Armor policy of preconfigured WAF rules unless "
                                  "gateways.<g>.managed_firewall is false; then name one in firewall_policy."),
]
