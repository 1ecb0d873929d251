"""The load balancer rules over the prod stack's real gateway resources, through the real pack process:
clean as planned, and each rule fails when its setting is switched off in the recorded inputs."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from google.protobuf import struct_pb2

from infra.offline.analyzer_inputs import PolicyInput
from tests.policies.conftest import recorded_inputs, triples

# The prod resources the load balancer rules look at: the ALB, its two listeners, the GKE SSL policy.
GATEWAY_RESOURCES = ("train-infer-lb", "train-infer-https", "train-infer-http", "infer-gcp-infer-ssl")


@pytest.fixture(scope="module")
def recorded() -> dict[str, PolicyInput]:
    inputs = {i.name: i for i in recorded_inputs("prod") if i.name in GATEWAY_RESOURCES}
    assert sorted(inputs) == sorted(GATEWAY_RESOURCES)
    return inputs


def mutated(resource: PolicyInput, path: str, value: Any) -> PolicyInput:
    """A copy of a recorded resource with one property (dotted path) set to `value`."""
    properties = struct_pb2.Struct()
    properties.CopyFrom(resource.properties)
    *parents, last = path.split(".")
    node = properties
    for step in parents:
        node = node[step]
    node[last] = value
    return dataclasses.replace(resource, properties=properties)


def test_prod_gateways_pass_every_rule(pack, recorded):
    assert [f for r in recorded.values() for f in pack.analyze(r)] == []


@pytest.mark.parametrize(("name", "path", "value", "rule", "message"), [
    ("train-infer-https", "sslPolicy", "ELBSecurityPolicy-2016-08", "lb-tls-1-2",
     "listener 'train-infer-https' uses SSL policy ELBSecurityPolicy-2016-08, which allows TLS older than 1.2"),
    ("infer-gcp-infer-ssl", "minTlsVersion", "TLS_1_0", "lb-tls-1-2",
     "SSL policy 'infer-gcp-infer-ssl' allows TLS_1_0; the minimum must be TLS_1_2"),
    ("train-infer-http", "defaultActions", [{"type": "forward", "targetGroupArn": "tg"}], "lb-https-redirect",
     "HTTP listener 'train-infer-http' does not redirect to HTTPS"),
    ("train-infer-lb", "accessLogs.enabled", False, "lb-access-logs",
     "load balancer 'train-infer-lb' does not write access logs"),
    ("train-infer-lb", "enableDeletionProtection", False, "lb-deletion-protection",
     "prod load balancer 'train-infer-lb' has no deletion protection"),
    ("train-infer-lb", "dropInvalidHeaderFields", False, "lb-drop-invalid-headers",
     "load balancer 'train-infer-lb' forwards invalid HTTP headers"),
])
def test_switching_a_setting_off_fails_its_rule(pack, recorded, name, path, value, rule, message):
    findings = pack.analyze(mutated(recorded[name], path, value))
    assert triples(findings) == [(rule, "mandatory", message)]
