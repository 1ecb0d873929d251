"""Gateway composition: config -> components on each cloud, with the environment's safety settings."""

import pulumi_kubernetes as k8s

from components.routes import BackendSpec, RouteSpec
from infra.compose.gateways import (
    AwsGatewayNetwork,
    GcpGatewayNetwork,
    build_gateways,
    proxy_only_cidr,
    routes_from_config,
)
from infra.config.rules.gateways import gateway_rule_problems
from infra.config.stack import StackConfig

WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/ml/0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
SPLIT = {"path_prefix": "/v1", "backends": {
    "stable": {"namespace": "models", "service": "llama-v1", "port": 8000, "weight": 90},
    "canary": {"namespace": "models", "service": "llama-v2", "port": 8000, "weight": 10, "target_port": 8080}}}
AWS_NET = AwsGatewayNetwork(region="us-east-1", vpc_id="vpc-1", vpc_cidr="10.0.0.0/16",
                            public_subnet_ids=["subnet-pub"], private_subnet_ids=["subnet-priv"],
                            access_logs_bucket="acme-prod-lb-logs")
ALB = "aws:lb/loadBalancer:LoadBalancer"


def config(environment: str, cloud: str, gateways: dict) -> StackConfig:
    parsed = StackConfig.model_validate({
        "environment": environment, "tags": {"owner": "ml", "cost-center": "cc"},
        "clusters": {"serve": {"cloud": cloud, "gateways": gateways}}})
    assert list(gateway_rule_problems(parsed)) == []
    return parsed


PROD = config("prod", "aws", {
    "infer": {"hostnames": ["infer.example.com"], "exposure": "internet-facing",
              "tls": {"dns_zone": "Z0123"}, "routes": {"chat": SPLIT},
              "firewall_policy": WEB_ACL},
    "internal": {"hostnames": ["models.internal.example.com"],
                 "tls": {"certificate": CERTIFICATE},
                 "routes": {"all": {"backends": {"v1": {"namespace": "models", "service": "embed", "port": 80}}}}},
})


def test_routes_from_config_keep_names_weights_and_ports():
    assert routes_from_config(PROD.clusters["serve"].gateways["infer"]) == {"chat": RouteSpec("/v1", {
        "stable": BackendSpec("models", "llama-v1", 8000, 90),
        "canary": BackendSpec("models", "llama-v2", 8000, 10, target_port=8080)})}


def test_aws_prod_gateways_are_protected_logged_and_placed_by_exposure(register):
    outputs = {}

    def program():
        provider = k8s.Provider("test", kubeconfig="{}")
        outputs.update(build_gateways("serve", "prod-serve", PROD.clusters["serve"], PROD.environment, AWS_NET,
                                      provider, {"owner": "ml"}))

    reg = register(program)
    lbs = {r.name: r for r in reg.of_type(ALB)}
    assert sorted(lbs) == ["serve-infer-lb", "serve-internal-lb"]
    public, private = lbs["serve-infer-lb"], lbs["serve-internal-lb"]
    assert (public.inputs["internal"], public.inputs["subnets"]) == (False, ["subnet-pub"])
    assert (private.inputs["internal"], private.inputs["subnets"]) == (True, ["subnet-priv"])
    for lb in (public, private):
        assert lb.inputs["enableDeletionProtection"] is True
        assert lb.options()["protect"] is True
        assert lb.inputs["dropInvalidHeaderFields"] is True
    assert public.inputs["accessLogs"] == {"bucket": "acme-prod-lb-logs", "prefix": "prod-serve/infer",
                                           "enabled": True}
    assert reg.one("aws:wafv2/webAclAssociation:WebAclAssociation").inputs["webAclArn"] == WEB_ACL
    release = reg.one("kubernetes:helm.sh/v3:Release", "serve-lbc-release")
    binding = reg.one("kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding", "serve-infer-chat-canary-binding")
    assert release.urn in binding.options()["dependencies"]
    assert sorted(outputs) == ["infer", "internal"]
    assert outputs["infer"]["routes"]["chat"]["backends"]["stable"]["weight"] == 90


def test_aws_dev_gateway_is_destroyable(register):
    dev = config("dev", "aws", {"api": {"hostnames": ["api.dev.example.com"], "tls": {"dns_zone": "Z1"},
                                        "routes": {"chat": SPLIT}}})

    def program():
        build_gateways("serve", "dev-serve", dev.clusters["serve"], dev.environment, AWS_NET,
                       k8s.Provider("test", kubeconfig="{}"), {})

    lb = register(program).one(ALB)
    assert lb.inputs["enableDeletionProtection"] is False and lb.options()["protect"] is False


def test_gcp_gateway_is_built_from_the_same_config(register):
    prod = config("prod", "gcp", {"infer": {"hostnames": ["infer.example.com"], "exposure": "internet-facing",
                                            "tls": {"dns_zone": "example-com"}, "routes": {"chat": SPLIT},
                                            "firewall_policy": "ml-armor"}})
    outputs = {}

    def program():
        outputs.update(build_gateways("serve", "prod-serve", prod.clusters["serve"], prod.environment,
                                      GcpGatewayNetwork(project="acme-ml-prod", region="us-central1"),
                                      k8s.Provider("test", kubeconfig="{}"), {"owner": "ml"}))

    reg = register(program)
    route = reg.one("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "serve-infer-route-chat").inputs
    assert [b["weight"] for b in route["spec"]["rules"][0]["backendRefs"]] == [90, 10]
    assert reg.one("kubernetes:gateway.networking.k8s.io/v1:Gateway").inputs["spec"]["gatewayClassName"] == (
        "gke-l7-global-external-managed")
    assert reg.of_type(ALB) == []
    assert sorted(outputs["infer"]) == ["certificate_status", "ip_address", "routes"]


def test_no_gateways_builds_nothing(register):
    empty = config("dev", "aws", {})
    reg = register(lambda: build_gateways("serve", "dev-serve", empty.clusters["serve"], empty.environment,
                                          AWS_NET, k8s.Provider("test", kubeconfig="{}"), {}))
    assert [r.type for r in reg.resources if r.custom] == ["pulumi:providers:kubernetes"]


def test_proxy_only_subnet_only_for_internal_gateways_on_a_network_we_create():
    internal = {"hostnames": ["llm.example.com"], "tls": {"dns_zone": "example-com"},
                "routes": {"all": {"backends": {"v1": {"namespace": "serving", "service": "llm", "port": 8000}}}}}
    public = {**internal, "exposure": "internet-facing"}

    def cluster(gateways, **gcp):
        return StackConfig.model_validate({
            "environment": "dev", "tags": {"owner": "ml", "cost-center": "cc"},
            "clusters": {"serve": {"cloud": "gcp", "gateways": gateways, "gcp": gcp}}}).clusters["serve"]

    assert proxy_only_cidr(cluster({"llm": internal}, proxy_only_cidr="10.21.0.0/23")) == "10.21.0.0/23"
    assert proxy_only_cidr(cluster({"llm": public}, proxy_only_cidr="10.21.0.0/23")) is None
    assert proxy_only_cidr(cluster({}, proxy_only_cidr="10.21.0.0/23")) is None
    existing = {"network": "n", "subnetwork": "s", "pods_range": "p", "services_range": "v", "proxy_only_subnet": True}
    assert proxy_only_cidr(cluster({"llm": internal}, existing_network=existing)) is None


def _internet_facing(cloud: str, **extra) -> StackConfig:
    zone = "Z1" if cloud == "aws" else "example-com"
    return config("prod", cloud, {"api": {"hostnames": ["api.example.com"], "exposure": "internet-facing",
                                          "tls": {"dns_zone": zone}, "routes": {"chat": SPLIT}, **extra}})


def _build(stack: StackConfig, cloud: str):
    network = AWS_NET if cloud == "aws" else GcpGatewayNetwork(project="acme-ml-prod", region="us-central1")

    def program():
        build_gateways("serve", "prod-serve", stack.clusters["serve"], stack.environment, network,
                       k8s.Provider("test", kubeconfig="{}"), {"owner": "ml"})
    return program


def test_internet_facing_gateways_get_a_managed_firewall_unless_the_config_opts_out(register):
    aws = register(_build(_internet_facing("aws"), "aws"))
    acl = aws.one("aws:wafv2/webAcl:WebAcl")
    association = aws.one("aws:wafv2/webAclAssociation:WebAclAssociation")
    assert association.options()["propertyDependencies"]["webAclArn"] == [acl.urn]
    # Target groups carry the tag the controller's IAM policy is scoped to.
    for group in aws.of_type("aws:lb/targetGroup:TargetGroup"):
        assert group.inputs["tags"]["mlinfra.io/lb-controller-cluster"] == "prod-serve"
    gcp = register(_build(_internet_facing("gcp"), "gcp"))
    armor = gcp.one("gcp:compute/securityPolicy:SecurityPolicy")
    for backend in gcp.of_type("kubernetes:networking.gke.io/v1:GCPBackendPolicy"):
        assert backend.inputs["spec"]["default"]["securityPolicy"] == armor.inputs["name"]
    # `managed_firewall: false` is the named opt-out (the lb-waf rule flags it on AWS).
    assert register(_build(_internet_facing("aws", managed_firewall=False), "aws")).of_type(
        "aws:wafv2/webAcl:WebAcl") == []
    opted_out = register(_build(_internet_facing("gcp", managed_firewall=False), "gcp"))
    assert opted_out.of_type("gcp:compute/securityPolicy:SecurityPolicy") == []
