"""Issue #17's stack rules over the prod stack's real resources, through the real pack process:
clean as planned, and each fails when the resource that satisfies it is left out of the stack."""

from __future__ import annotations

import pytest

from infra.offline.analyzer_inputs import PolicyInput
from tests.policies.conftest import recorded_inputs, triples


@pytest.fixture(scope="module")
def prod_inputs() -> list[PolicyInput]:
    return list(recorded_inputs("prod"))


def test_prod_passes_the_hardening_stack_rules(pack, prod_inputs):
    rules = {"lb-waf", "vpc-default-security-group-closed", "gke-gateway-cloud-armor"}
    assert [f for f in pack.analyze_stack(prod_inputs) if f.policy in rules] == []


@pytest.mark.parametrize(("left_out", "rule", "message"), [
    ("aws:wafv2/webAclAssociation:WebAclAssociation", "lb-waf",
     "internet-facing load balancer 'train-infer-lb' has no WAF web ACL (AWS managed rules or firewall_policy)"),
    ("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "vpc-default-security-group-closed",
     "VPC 'train-net-vpc' keeps AWS's default security group rules (no DefaultSecurityGroup adopts it)"),
])
def test_leaving_out_the_resource_fails_its_rule(pack, prod_inputs, left_out, rule, message):
    kept = [i for i in prod_inputs if i.type != left_out]
    assert len(kept) == len(prod_inputs) - 1
    assert triples(pack.analyze_stack(kept)) == [(rule, "mandatory", message)]


@pytest.mark.parametrize(("env", "level"), [("dev", "advisory"), ("sandbox", "advisory"),
                                            ("staging", "mandatory"), ("prod", "mandatory")])
def test_the_managed_firewall_opt_out_is_advisory_only_in_dev_and_sandbox(pack, prod_inputs, env, level):
    from infra.offline.policy_check import PACK_DIR
    from infra.offline.policy_config import load_policy_config

    kept = [i for i in prod_inputs if i.type != "aws:wafv2/webAclAssociation:WebAclAssociation"]
    try:
        pack.configure(load_policy_config(PACK_DIR / "config" / f"{env}.json"))
        assert [(f.policy, f.level) for f in pack.analyze_stack(kept) if f.policy == "lb-waf"] == [("lb-waf", level)]
    finally:
        pack.configure({})


def _without_security_policy(resource: PolicyInput) -> PolicyInput:
    import dataclasses

    from google.protobuf import struct_pb2

    properties = struct_pb2.Struct()
    properties.CopyFrom(resource.properties)
    del properties["spec"]["default"]["securityPolicy"]
    return dataclasses.replace(resource, properties=properties)


def test_an_internet_facing_gke_backend_without_cloud_armor_fails(pack, prod_inputs):
    backend = "kubernetes:networking.gke.io/v1:GCPBackendPolicy"
    changed = [_without_security_policy(i) if i.name == "infer-gcp-infer-backend-serving-llm-v2" else i
               for i in prod_inputs]
    assert sum(i.type == backend for i in prod_inputs) == 2
    assert triples(pack.analyze_stack(changed)) == [
        ("gke-gateway-cloud-armor", "mandatory",
         "backend policy 'infer-gcp-infer-backend-serving-llm-v2' of internet-facing gateway 'infer' sets no "
         "Cloud Armor securityPolicy")]
