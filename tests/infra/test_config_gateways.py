"""Gateway config: shapes, defaults and the cross-field rules, each with its exact path and message."""

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra.config import ConfigError, parse_stack_config
from infra.config_gateways import Exposure, GatewayProtocol
from infra.config_models import StackConfig
from infra.config_rules_gateways import gateway_rule_problems

ROOT = Path(__file__).resolve().parents[2]
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


def test_gateways_are_refused_until_the_composition_builds_them():
    # dev, so the prod-only network rules of the AWS platform stay out of this test's way.
    assert shape_problems(stack(environment="dev")) == [
        "clusters.serve.gateways: gateways are validated but not built by the composition yet; remove "
        "the key until the cluster's Kubernetes provider is wired into infra.compose_gateways"]


def test_bad_gateway_config_exits_2_naming_every_field(tmp_path):
    gateway = copy.deepcopy(GATEWAY)
    gateway["routes"]["chat"]["backends"]["canary"]["weight"] = 20
    del gateway["routes"]["chat"]["backends"]["stable"]["port"]
    config = {f"mlinfra:{k}": v for k, v in stack(gateway, environment="sandbox").items()}
    (tmp_path / "Pulumi.sbx.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    result = subprocess.run([sys.executable, "-m", "infra.cli", "plan", "sbx", "--stacks-dir", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert f"  - {GW}.routes.chat.backends.stable.port: required; add this key" in result.stderr
    assert "Traceback" not in result.stderr
    # Shape errors stop parsing; with the port back, the cross-field rules report together.
    gateway["routes"]["chat"]["backends"]["stable"]["port"] = 8000
    config = {f"mlinfra:{k}": v for k, v in stack(gateway, environment="sandbox").items()}
    (tmp_path / "Pulumi.sbx.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    result = subprocess.run([sys.executable, "-m", "infra.cli", "plan", "sbx", "--stacks-dir", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert f"  - {GW}.exposure: a sandbox gateway is internal unless you opt in;" in result.stderr
    assert (f"  - {GW}.routes.chat.backends: weights must add up to 100 (got 110: stable 90 + canary 20)"
            in result.stderr)
