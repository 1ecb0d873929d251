import dataclasses

import pulumi_kubernetes as k8s
import pytest

from components.gcp import gateway_manifests as m
from components.gcp.gateway import (
    GkeGateway,
    GkeGatewayArgs,
    check_args,
    cloud_resource_name,
    existing_certificate_ref,
)
from components.routes import BackendSpec, RouteSpec

SPLIT = RouteSpec("/v1", {"stable": BackendSpec("models", "llama-v1", 8000, 90),
                          "canary": BackendSpec("models", "llama-v2", 8000, 10, target_port=8080,
                                                health_check_path="/ready")})
ARGS = dict(gateway_name="infer", project="acme-ml-prod", region="us-central1",
            routes={"chat": SPLIT}, hostnames=["infer.example.com"], dns_zone="example-com",
            security_policy="ml-armor", labels={"owner": "ml"})
GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway"
ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"


def build(**changes):
    def program():
        provider = k8s.Provider("test", kubeconfig="{}")
        GkeGateway("infer", GkeGatewayArgs(**{**ARGS, **changes}, k8s_provider=provider))
    return program


def test_route_spec_carries_the_weights():
    spec = m.http_route_spec("infer", ["infer.example.com"], SPLIT)
    assert spec["parentRefs"] == [{"name": "infer", "sectionName": "https"}]
    assert spec["rules"] == [{"matches": [{"path": {"type": "PathPrefix", "value": "/v1"}}], "backendRefs": [
        {"name": "llama-v1", "namespace": "models", "port": 8000, "weight": 90},
        {"name": "llama-v2", "namespace": "models", "port": 8000, "weight": 10}]}]


def test_policies_probe_the_pod_port_and_log_everything():
    health = m.health_check_policy_spec(SPLIT.backends["canary"])
    # The CRD rejects `port` unless portSpecification is USE_FIXED_PORT.
    assert health["default"]["config"] == {"type": "HTTP", "httpHealthCheck": {
        "portSpecification": "USE_FIXED_PORT", "port": 8080, "requestPath": "/ready"}}
    assert health["targetRef"] == {"group": "", "kind": "Service", "name": "llama-v2"}
    assert m.backend_policy_spec("s", None)["default"] == {"logging": {"enabled": True, "sampleRate": 1_000_000}}


def test_check_args():
    provider = None
    with pytest.raises(ValueError, match="exactly one of dns_zone or certificate_id"):
        check_args(GkeGatewayArgs(**{**ARGS, "dns_zone": None}, k8s_provider=provider))
    with pytest.raises(ValueError, match="needs the subnetwork"):
        check_args(GkeGatewayArgs(**ARGS, internal=True, k8s_provider=provider))
    with pytest.raises(ValueError, match="at least one hostname"):
        check_args(GkeGatewayArgs(**{**ARGS, "hostnames": []}, k8s_provider=provider))


def test_external_gateway_on_static_ip_with_certmap_and_redirect(register):
    reg = register(build())
    address = reg.one("gcp:compute/globalAddress:GlobalAddress", "infer-ip").inputs
    assert (address["addressType"], address["ipVersion"], address["project"]) == ("EXTERNAL", "IPV4", "acme-ml-prod")
    cert_map = reg.one("gcp:certificatemanager/certificateMap:CertificateMap").inputs
    gateway = reg.one(GATEWAY, "infer-gateway")
    assert gateway.inputs["metadata"] == {"name": "infer", "namespace": "infer",
                                          "annotations": {"networking.gke.io/certmap": cert_map["name"]}}
    spec = gateway.inputs["spec"]
    assert spec["gatewayClassName"] == "gke-l7-global-external-managed"
    assert spec["addresses"] == [{"type": "NamedAddress", "value": address["name"]}]
    assert [(x["name"], x["protocol"], x["port"]) for x in spec["listeners"]] == [
        ("https", "HTTPS", 443), ("http", "HTTP", 80)]
    assert "tls" not in spec["listeners"][0]
    provider = reg.one("pulumi:providers:kubernetes", "test")
    assert gateway.provider.startswith(provider.urn + "::")
    redirect = reg.one(ROUTE, "infer-redirect").inputs["spec"]
    assert redirect["parentRefs"] == [{"name": "infer", "sectionName": "http"}]
    assert redirect["rules"] == [{"filters": [{"type": "RequestRedirect",
                                               "requestRedirect": {"scheme": "https", "statusCode": 301}}]}]


def test_weighted_http_route_and_cross_namespace_grant(register):
    reg = register(build())
    route = reg.one(ROUTE, "infer-route-chat").inputs
    assert route["metadata"] == {"name": "infer-chat", "namespace": "infer"}
    assert [b["weight"] for b in route["spec"]["rules"][0]["backendRefs"]] == [90, 10]
    assert route["spec"]["hostnames"] == ["infer.example.com"]
    grant = reg.one("kubernetes:gateway.networking.k8s.io/v1beta1:ReferenceGrant", "infer-grant-models").inputs
    assert grant["metadata"]["namespace"] == "models"
    assert grant["spec"]["from"] == [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "namespace": "infer"}]
    assert [t["name"] for t in grant["spec"]["to"]] == ["llama-v1", "llama-v2"]


def test_managed_certificate_with_dns_authorization_and_records(register):
    reg = register(build())
    auth = reg.one("gcp:certificatemanager/dnsAuthorization:DnsAuthorization")
    assert auth.inputs["domain"] == "infer.example.com" and "location" not in auth.inputs
    cert = reg.one("gcp:certificatemanager/certificate:Certificate", "infer-cert")
    assert cert.inputs["managed"]["domains"] == ["infer.example.com"]
    assert cert.options()["propertyDependencies"]["managed"] == [auth.urn]
    entry = reg.one("gcp:certificatemanager/certificateMapEntry:CertificateMapEntry").inputs
    assert entry["hostname"] == "infer.example.com"
    assert reg.one("gcp:certificatemanager/certificateMapEntry:CertificateMapEntry").options()[
        "propertyDependencies"]["certificates"] == [cert.urn]
    a_record = reg.one("gcp:dns/recordSet:RecordSet", "infer-a-infer-example-com").inputs
    assert (a_record["name"], a_record["type"], a_record["managedZone"]) == ("infer.example.com.", "A", "example-com")
    assert reg.one("gcp:dns/recordSet:RecordSet", "infer-dnsauth-record-infer-example-com").inputs[
        "managedZone"] == "example-com"


def test_health_checks_and_cloud_armor_per_backend_service(register):
    reg = register(build())
    health = {h.name: h.inputs for h in reg.of_type("kubernetes:networking.gke.io/v1:HealthCheckPolicy")}
    assert sorted(health) == ["infer-health-models-llama-v1", "infer-health-models-llama-v2"]
    canary = health["infer-health-models-llama-v2"]
    assert canary["metadata"] == {"name": "infer-llama-v2", "namespace": "models"}
    assert canary["spec"]["default"]["config"]["httpHealthCheck"] == {
        "portSpecification": "USE_FIXED_PORT", "port": 8080, "requestPath": "/ready"}
    backend = reg.one("kubernetes:networking.gke.io/v1:GCPBackendPolicy", "infer-backend-models-llama-v1").inputs
    assert backend["spec"]["default"] == {"securityPolicy": "ml-armor",
                                          "logging": {"enabled": True, "sampleRate": 1_000_000}}
    assert backend["spec"]["targetRef"] == {"group": "", "kind": "Service", "name": "llama-v1"}


def test_internal_gateway_is_regional_with_listener_certificate(register):
    reg = register(build(internal=True, subnetwork="projects/p/regions/us-central1/subnetworks/nodes",
                         dns_zone=None, certificate_id="infer-internal-cert", security_policy=None))
    assert reg.of_type("gcp:compute/globalAddress:GlobalAddress") == []
    address = reg.one("gcp:compute/address:Address").inputs
    assert (address["addressType"], address["purpose"], address["region"]) == (
        "INTERNAL", "SHARED_LOADBALANCER_VIP", "us-central1")
    assert reg.of_type("gcp:certificatemanager/certificate:Certificate") == []
    assert reg.of_type("gcp:certificatemanager/certificateMap:CertificateMap") == []
    spec = reg.one(GATEWAY).inputs["spec"]
    assert spec["gatewayClassName"] == "gke-l7-rilb"
    assert spec["listeners"][0]["tls"] == {"mode": "Terminate",
                                           "options": {"networking.gke.io/cert-manager-certs": "infer-internal-cert"}}
    assert "securityPolicy" not in reg.of_type("kubernetes:networking.gke.io/v1:GCPBackendPolicy")[0].inputs[
        "spec"]["default"]


def test_an_existing_certificate_on_an_external_gateway_is_named_in_full_in_the_map_entry(register):
    reg = register(build(dns_zone=None, certificate_id="infer-cert"))
    entry = reg.one("gcp:certificatemanager/certificateMapEntry:CertificateMapEntry").inputs
    assert entry["certificates"] == ["projects/acme-ml-prod/locations/global/certificates/infer-cert"]


@pytest.mark.parametrize("certificate_id, internal, expected", [
    ("infer-cert", False, "projects/acme-ml-prod/locations/global/certificates/infer-cert"),
    ("projects/acme-ml-prod/locations/global/certificates/c1", False,
     "projects/acme-ml-prod/locations/global/certificates/c1"),
    ("infer-cert", True, "infer-cert"),
    ("projects/acme-ml-prod/locations/us-central1/certificates/c2", True, "c2"),
])
def test_an_existing_certificate_is_referred_to_the_way_its_consumer_wants(certificate_id, internal, expected):
    args = GkeGatewayArgs(**{**ARGS, "dns_zone": None, "certificate_id": certificate_id, "internal": internal},
                          k8s_provider=None)
    assert existing_certificate_ref(args) == expected


def test_issued_internal_certificate_is_regional(register):
    reg = register(build(internal=True, subnetwork="nodes"))
    assert reg.one("gcp:certificatemanager/certificate:Certificate").inputs["location"] == "us-central1"
    assert reg.one("gcp:certificatemanager/dnsAuthorization:DnsAuthorization").inputs["location"] == "us-central1"
    gateway = reg.one(GATEWAY)
    cert = reg.one("gcp:certificatemanager/certificate:Certificate")
    assert gateway.options()["propertyDependencies"]["spec"] == sorted(
        [cert.urn, reg.one("gcp:compute/address:Address").urn])


def test_dataclass_is_frozen():
    args = GkeGatewayArgs(**ARGS, k8s_provider=None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        args.internal = True  # type: ignore[misc]


def test_plan_table_summarises_routes_and_class(register):
    from infra.cli.views.summaries import summarize

    reg = register(build())
    route = reg.one(ROUTE, "infer-route-chat")
    assert summarize(route.type, route.inputs) == "/v1 → llama-v1:8000 90%, llama-v2:8000 10%"
    redirect = reg.one(ROUTE, "infer-redirect")
    assert summarize(redirect.type, redirect.inputs) == "redirect to https"
    assert summarize(GATEWAY, reg.one(GATEWAY).inputs) == "gke-l7-global-external-managed"


def test_external_gateway_without_a_policy_gets_cloud_armor_waf_rules_on_every_backend(register):
    reg = register(build(security_policy=None))
    armor = reg.one("gcp:compute/securityPolicy:SecurityPolicy", "infer-armor")
    rules = armor.inputs["rules"]
    assert armor.inputs["type"] == "CLOUD_ARMOR"
    assert rules[0] == {"action": "deny(403)", "priority": 900, "description": "Log4j CVE-2021-44228 (cve-canary)",
                        "match": {"expr": {"expression": "evaluatePreconfiguredExpr('cve-canary')"}}}
    assert rules[1] == {"action": "deny(403)", "priority": 1000, "description": "preconfigured WAF sqli-v33-stable",
                        "match": {"expr": {"expression":
                                           "evaluatePreconfiguredWaf('sqli-v33-stable', {'sensitivity': 1})"}}}
    assert [r["action"] for r in rules].count("deny(403)") == 9
    assert rules[-1]["priority"] == 2147483647 and rules[-1]["action"] == "allow"
    backends = reg.of_type("kubernetes:networking.gke.io/v1:GCPBackendPolicy")
    assert backends
    for backend in backends:
        assert backend.inputs["spec"]["default"]["securityPolicy"] == armor.inputs["name"]
        assert backend.options()["propertyDependencies"]["spec"] == [armor.urn]


def test_no_managed_cloud_armor_when_opted_out_given_or_internal(register):
    for changes in ({"security_policy": None, "managed_security_policy": False}, {},
                    {"internal": True, "subnetwork": "nodes", "dns_zone": None, "certificate_id": "c",
                     "security_policy": None}):
        assert register(build(**changes)).of_type("gcp:compute/securityPolicy:SecurityPolicy") == [], changes


def test_cloud_names_carry_the_stem_so_two_stacks_in_one_project_never_share_them(register):
    reg = register(build(name_stem="prod-infer-gcp"))
    names = {reg.one(t).inputs["name"] for t in (
        "gcp:compute/globalAddress:GlobalAddress", "gcp:compute/sSLPolicy:SSLPolicy",
        "gcp:certificatemanager/certificate:Certificate", "gcp:certificatemanager/certificateMap:CertificateMap")}
    assert len(names) == 1
    [name] = names
    assert name.startswith("prod-infer-gcp-infer-ext-") and len(name) <= 63
    other = cloud_resource_name(GkeGatewayArgs(**ARGS, name_stem="prod2-infer-gcp", k8s_provider=None))
    assert other.startswith("prod2-infer-gcp-infer-ext-") and other != name


def test_without_a_stem_the_cloud_name_is_unchanged():
    # The name gateways had before stems: keeping it means no replacement for callers without one.
    assert cloud_resource_name(GkeGatewayArgs(**ARGS, k8s_provider=None)) == "infer-ext-01a9e3"
