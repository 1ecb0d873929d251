"""Gateway config: shapes, defaults and the cross-field rules, each with its exact path and message."""

import copy
from pathlib import Path

import pytest
import yaml

from infra.config.gateways import Exposure, GatewayProtocol
from infra.config.load import ConfigError, parse_stack_config
from infra.config.rules.gateways import gateway_rule_problems
from infra.config.stack import StackConfig
from tests.helpers import mlinfra

ROOT = Path(__file__).resolve().parents[3]
GW = "clusters.serve.gateways.infer"

GATEWAY = {
    "hostnames": ["infer.example.com"],
    "exposure": "internet-facing",
    "tls": {"dns_zone": "Z0123456789ABCDEFGHIJ"},
    "routes": {
        "chat": {"path_prefix": "/v1", "backends": {
            "stable": {"namespace": "models", "service": "llama-v1", "port": 8000, "weight": 90},
            "canary": {"namespace": "models", "service": "llama-v2", "port": 8000, "weight": 10},
        }},
    },
}


def stack(gateway: dict | None = None, *, environment: str = "prod", cloud: str = "aws") -> dict:
    config = {
        "environment": environment,
        "tags": {"owner": "ml", "cost-center": "cc"},
        "aws": {"region": "us-east-1"},
        "gcp": {"project": "acme-ml-prod", "region": "us-central1"},
        "clusters": {"serve": {"cloud": cloud, "gateways": {"infer": gateway or GATEWAY}}},
    }
    return config


def changed(**changes) -> dict:
    gateway = copy.deepcopy(GATEWAY)
    gateway.update(changes)
    return gateway


def rule_problems(values: dict) -> list[str]:
    return [f"{p}: {m}" for p, m in gateway_rule_problems(StackConfig.model_validate(values))]


def shape_problems(values: dict) -> list[str]:
    with pytest.raises(ConfigError) as err:
        parse_stack_config(values, "prod")
    return [f"{p}: {m}" for p, m in err.value.problems]


def test_valid_gateway_parses_with_defaults():
    gateway = StackConfig.model_validate(stack()).clusters["serve"].gateways["infer"]
    assert gateway.exposure is Exposure.INTERNET_FACING
    assert gateway.protocol is GatewayProtocol.HTTPS and gateway.port == 443
    backend = gateway.routes["chat"].backends["canary"]
    assert (backend.port, backend.target_port, backend.weight, backend.health_check_path) == (8000, None, 10, "/health")
    assert rule_problems(stack()) == []


def test_weights_must_add_up_to_100():
    gateway = copy.deepcopy(GATEWAY)
    gateway["routes"]["chat"]["backends"]["canary"]["weight"] = 5
    assert rule_problems(stack(gateway)) == [
        f"{GW}.routes.chat.backends: weights must add up to 100 (got 95: stable 90 + canary 5)"]


def test_single_backend_defaults_to_all_traffic():
    gateway = changed(routes={"all": {"backends": {"v1": {"namespace": "m", "service": "s", "port": 80}}}})
    assert rule_problems(stack(gateway)) == []


def test_backend_without_port_is_a_shape_error_with_its_path():
    gateway = copy.deepcopy(GATEWAY)
    del gateway["routes"]["chat"]["backends"]["stable"]["port"]
    gateway["routes"]["chat"]["backends"]["canary"]["port"] = 70000
    assert shape_problems(stack(gateway)) == [
        f"{GW}.routes.chat.backends.stable.port: required; add this key",
        f"{GW}.routes.chat.backends.canary.port: must be less than or equal to 65535 (got 70000)",
    ]


def test_malformed_service_name_is_refused():
    gateway = copy.deepcopy(GATEWAY)
    gateway["routes"]["chat"]["backends"]["stable"]["service"] = "Llama_V1"
    [problem] = shape_problems(stack(gateway))
    assert problem.startswith(f"{GW}.routes.chat.backends.stable.service: not a valid value;")


def test_internet_facing_sandbox_needs_the_opt_in():
    assert rule_problems(stack(environment="sandbox")) == [
        f"{GW}.exposure: a sandbox gateway is internal unless you opt in; set "
        "`allow_internet_facing_in_sandbox: true` to expose it to the internet (got internet-facing)"]
    assert rule_problems(stack(changed(allow_internet_facing_in_sandbox=True), environment="sandbox")) == []
    assert rule_problems(stack(changed(exposure="internal"), environment="sandbox")) == []


def test_https_needs_hostnames_and_exactly_one_certificate_source():
    assert rule_problems(stack(changed(hostnames=[], tls={}))) == [
        f"{GW}.hostnames: an https gateway needs at least one hostname for its certificate",
        f"{GW}.tls: set exactly one of dns_zone (the cloud issues and validates the certificate) or "
        "certificate (an existing one)",
    ]
    both = changed(tls={"dns_zone": "Z1", "certificate": "arn:aws:acm:us-east-1:123456789012:certificate/x"})
    assert rule_problems(stack(both)) == [
        f"{GW}.tls: set exactly one of dns_zone (the cloud issues and validates the certificate) or "
        "certificate (an existing one)"]


def test_routes_need_backends_and_distinct_prefixes():
    gateway = changed(routes={
        "a": {"path_prefix": "/v1", "backends": {"x": {"namespace": "m", "service": "s", "port": 80}}},
        "b": {"path_prefix": "/v1", "backends": {}},
    })
    assert rule_problems(stack(gateway)) == [
        f"{GW}.routes.b.path_prefix: same path prefix as route a; give each route its own (got '/v1')",
        f"{GW}.routes.b.backends: needs at least one backend (namespace, service, port)",
    ]
    assert rule_problems(stack(changed(routes={}))) == [
        f"{GW}.routes: needs at least one route (path prefix -> backends)"]


def test_alb_splits_across_at_most_five_backends():
    backends = {f"v{i}": {"namespace": "m", "service": f"s{i}", "port": 80, "weight": 20 if i < 5 else 0}
                for i in range(6)}
    gateway = changed(routes={"all": {"backends": backends}})
    assert rule_problems(stack(gateway)) == [
        f"{GW}.routes.all.backends: an ALB route splits across at most 5 backends (got 6)"]
    assert rule_problems(stack(gateway, cloud="gcp")) == []


def test_tcp_gateway_is_one_backend_without_tls_on_aws_only():
    tcp = changed(protocol="tcp", port=50051, tls={"dns_zone": "Z1"}, firewall_policy="arn:waf",
                  routes={"grpc": {"path_prefix": "/x", "backends": {
                      "a": {"namespace": "m", "service": "a", "port": 50051, "weight": 50},
                      "b": {"namespace": "m", "service": "b", "port": 50051, "weight": 50}}}})
    assert rule_problems(stack(tcp, cloud="gcp")) == [
        f"{GW}.protocol: tcp passthrough is an AWS network load balancer; use https on gcp",
        f"{GW}.tls: a tcp gateway passes TLS through to the pods; remove tls",
        f"{GW}.firewall_policy: a WAF web ACL needs an https gateway (ALB); remove it",
        f"{GW}.routes.grpc.path_prefix: a tcp gateway cannot route by path; remove it (got '/x')",
        f"{GW}.routes.grpc.backends: a tcp gateway forwards to one backend; split traffic with https (got 2)",
    ]
    ok = changed(protocol="tcp", port=50051, tls={}, hostnames=[],
                 routes={"grpc": {"backends": {"a": {"namespace": "m", "service": "a", "port": 50051}}}})
    assert rule_problems(stack(ok)) == []


def test_bad_gateway_config_exits_2_naming_every_field(tmp_path):
    gateway = copy.deepcopy(GATEWAY)
    gateway["routes"]["chat"]["backends"]["canary"]["weight"] = 20
    del gateway["routes"]["chat"]["backends"]["stable"]["port"]
    config = {f"mlinfra:{k}": v for k, v in stack(gateway, environment="sandbox").items()}
    (tmp_path / "Pulumi.sbx.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    result = mlinfra("plan", "sbx", "--stacks-dir", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert f"  - {GW}.routes.chat.backends.stable.port: required; add this key" in result.stderr
    assert "Traceback" not in result.stderr
    # Shape errors stop parsing; with the port back, the cross-field rules report together.
    gateway["routes"]["chat"]["backends"]["stable"]["port"] = 8000
    config = {f"mlinfra:{k}": v for k, v in stack(gateway, environment="sandbox").items()}
    (tmp_path / "Pulumi.sbx.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    result = mlinfra("plan", "sbx", "--stacks-dir", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert f"  - {GW}.exposure: a sandbox gateway is internal unless you opt in;" in result.stderr
    assert (f"  - {GW}.routes.chat.backends: weights must add up to 100 (got 110: stable 90 + canary 20)"
            in result.stderr)


def placed(cloud: str, gateway: dict | None = None, **options) -> dict:
    values = stack(gateway, environment="dev", cloud=cloud)
    values["clusters"]["serve"][cloud] = options
    if cloud == "aws":
        values["buckets"] = {"logs": {"cloud": "aws", "aws": {"log_target": True}},
                             "data": {"cloud": "aws"}}
    return values


def test_aws_gateways_log_to_a_log_target_bucket_of_the_stack():
    assert shape_problems(placed("aws")) == [
        "clusters.serve.aws.gateway_logs_to: load balancers write access logs; name a bucket of this stack "
        "with `aws.log_target: true`"]
    assert shape_problems(placed("aws", gateway_logs_to="data")) == [
        "clusters.serve.aws.gateway_logs_to: must name an aws bucket of this stack with `aws.log_target: true` "
        "(SSE-S3, log delivery allowed) (got 'data')"]
    assert parse_stack_config(placed("aws", gateway_logs_to="logs"), "dev").clusters["serve"].gateways


def test_internet_facing_gateway_in_an_existing_vpc_needs_its_public_subnets():
    existing = {"vpc_id": "vpc-0123456789abcdef0", "private_subnet_ids": {
        "us-east-1a": "subnet-0123456789abcdef0", "us-east-1b": "subnet-0123456789abcdef1"}}
    assert shape_problems(placed("aws", gateway_logs_to="logs", existing_network=existing)) == [
        "clusters.serve.aws.existing_network.public_subnet_ids: internet-facing gateways (infer) go in public "
        "subnets; list them by zone, or make the gateways internal"]
    with_public = {**existing, "public_subnet_ids": {
        "us-east-1a": "subnet-0fedcba9876543210", "us-east-1b": "subnet-0fedcba9876543211"}}
    parse_stack_config(placed("aws", gateway_logs_to="logs", existing_network=with_public), "dev")
    # Internal gateways go in the private subnets, which every existing network lists.
    parse_stack_config(placed("aws", changed(exposure="internal"), gateway_logs_to="logs",
                              existing_network=existing), "dev")


def test_gcp_internal_gateway_needs_a_proxy_only_subnet():
    internal = changed(exposure="internal", tls={"dns_zone": "example-com"})
    assert shape_problems(placed("gcp", internal)) == [
        "clusters.serve.gcp.proxy_only_cidr: internal gateways (infer) need a proxy-only subnet; give it a "
        "range outside network.cidr, e.g. a /23"]
    assert shape_problems(placed("gcp", internal, proxy_only_cidr="10.0.4.0/23")) == [
        "clusters.serve.gcp.proxy_only_cidr: must not overlap network.cidr 10.0.0.0/16 or gcp.master_cidr "
        "172.16.0.0/28 (got 10.0.4.0/23)"]
    assert parse_stack_config(placed("gcp", internal, proxy_only_cidr="10.1.0.0/23"), "dev")
    existing = {"network": "shared", "subnetwork": "shared-us", "pods_range": "p", "services_range": "s"}
    assert shape_problems(placed("gcp", internal, existing_network=existing)) == [
        "clusters.serve.gcp.existing_network.proxy_only_subnet: internal gateways (infer) need a proxy-only "
        "subnet in the network; create one (purpose REGIONAL_MANAGED_PROXY) and set this to true"]
    parse_stack_config(placed("gcp", internal, existing_network={**existing, "proxy_only_subnet": True}), "dev")
    # Internet-facing GKE gateways use Google's global proxies: no proxy-only subnet needed.
    parse_stack_config(placed("gcp", changed(tls={"dns_zone": "example-com"})), "dev")


def test_broken_prod_gateway_exits_2_naming_each_field(tmp_path):
    text = (ROOT / "stacks" / "Pulumi.prod.yaml").read_text()
    broken = text.replace("        gateway_logs_to: logs\n", "")
    broken = broken.replace("service: llm-v2, port: 8000, weight: 10}", "service: llm-v2, port: 8000, weight: 20}", 1)
    assert broken.count("weight: 20") == 1 and "gateway_logs_to" not in broken
    (tmp_path / "Pulumi.prod.yaml").write_text(broken)
    result = mlinfra("plan", "prod", "--stacks-dir", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert ("  - clusters.train.gateways.infer.routes.chat.backends: weights must add up to 100 "
            "(got 110: stable 90 + canary 20)") in result.stderr
    assert "  - clusters.train.aws.gateway_logs_to: load balancers write access logs;" in result.stderr
    assert "Traceback" not in result.stderr


def test_gcp_gateway_names_are_unique_in_the_stack():
    values = placed("gcp", changed(tls={"dns_zone": "example-com"}))
    values["clusters"]["other"] = copy.deepcopy(values["clusters"]["serve"])
    assert shape_problems(values) == [
        "clusters.other.gateways.infer: cluster serve has a gcp gateway of this name; give it another name"]
