"""GPU-platform contracts over the recorded prod plan, through the real pack: the plan is clean, and
breaking one field (a placed pool over three subnets, a compact GKE pool over two zones, a Kueue
flavor whose label or toleration matches no pool) gives exactly that rule's finding."""

from __future__ import annotations

import pytest
from google.protobuf import json_format, struct_pb2

from infra.offline.analyzer_inputs import PolicyInput
from tests.policies.conftest import recorded_inputs, triples

RULES = {"multi-node-pool-one-zone", "kueue-flavors-select-a-gpu-pool"}
M = "mandatory"


def props(item: PolicyInput) -> dict:
    return json_format.MessageToDict(item.properties)


def edited(stack: str, name: str, edit) -> list[PolicyInput]:
    out = []
    for item in recorded_inputs(stack):
        if item.name == name:
            struct = struct_pb2.Struct()
            struct.update(edit(props(item)))
            item = PolicyInput(**{**item.__dict__, "properties": struct})
        out.append(item)
    return out


def ours(pack, inputs) -> list[tuple[str, str, str]]:
    return [t for t in triples(pack.analyze_stack(inputs)) if t[0] in RULES]


def test_the_prod_plan_keeps_both_contracts(pack):
    assert ours(pack, list(recorded_inputs("prod"))) == []


def _three_subnets(p):
    return {**p, "subnetIds": ["subnet-a", "subnet-b", "subnet-c"]}


def _flavor_label(p):
    p["spec"]["nodeLabels"] = {"mlinfra.io/pool": "train-h200"}
    return p


def _flavor_no_toleration(p):
    p["spec"]["tolerations"] = []
    return p


def _gke_compact_over_two_zones(p):
    return {**p, "placementPolicy": {"type": "COMPACT"}, "nodeLocations": ["us-central1-a", "us-central1-b"]}


CASES = [
    ("placed-pool-over-3-subnets", "prod", "train-h100-ng", _three_subnets,
     [("multi-node-pool-one-zone", M, "node group 'train-h100-ng' uses a cluster placement group (launch template "
                                      "'train-h100-lt') but spans 3 subnets; a multi-node pool must sit in one zone")]),
    ("gke-compact-over-2-zones", "prod", "infer-gcp-a100-mig-pool", _gke_compact_over_two_zones,
     [("multi-node-pool-one-zone", M, "node pool 'infer-gcp-a100-mig-pool' uses compact placement but lists 2 node "
                                      "locations; a multi-node pool must sit in one zone")]),
    ("flavor-label-no-pool", "prod", "train-queues-flavor-h100", _flavor_label,
     [("kueue-flavors-select-a-gpu-pool", M, "ResourceFlavor 'train-queues-flavor-h100' selects nodes labelled "
                                             "mlinfra.io/pool=train-h200, which no node pool on cluster 'prod-train' "
                                             "carries: every job admitted to it would stay Pending")]),
    ("flavor-no-toleration", "prod", "train-queues-flavor-h100", _flavor_no_toleration,
     [("kueue-flavors-select-a-gpu-pool", M, "ResourceFlavor 'train-queues-flavor-h100' selects node pool "
                                             "'train-h100-ng' but does not tolerate its taints "
                                             "nvidia.com/gpu=present:NoSchedule: admitted jobs could not schedule "
                                             "there")]),
    ("gke-flavor-no-toleration-of-gkes-taint", "prod", "infer-gcp-queues-flavor-l4-spot", _flavor_no_toleration,
     [("kueue-flavors-select-a-gpu-pool", M, "ResourceFlavor 'infer-gcp-queues-flavor-l4-spot' selects node pool "
                                             "'infer-gcp-l4-spot-pool' but does not tolerate its taints "
                                             "nvidia.com/gpu=present:NoSchedule: admitted jobs could not schedule "
                                             "there")]),
]


@pytest.mark.parametrize("stack, name, edit, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_breaking_one_field_gives_that_rules_finding(pack, stack, name, edit, expected):
    assert ours(pack, edited(stack, name, edit)) == expected
