"""The cluster contracts over the recorded prod plan: the resources that make an EKS cluster work are
there and linked, the real pack finds nothing, and breaking one field of the recorded plan gives
exactly the findings of the rule that guards it."""

from __future__ import annotations

import json

import pytest
from google.protobuf import json_format, struct_pb2

from infra.offline.analyzer_inputs import PolicyInput
from tests.policies.conftest import recorded_inputs, triples

RULES = {"volume-claims-have-a-storage-class", "eks-network-policies-enforced", "gpu-nodes-autoscaler-labels"}
K8S = "urn:pulumi:prod::mlinfra::mlinfra:aws:EksCluster$pulumi:providers:kubernetes::train-k8s"
GPU_LABEL = "k8s.amazonaws.com/accelerator"
TEMPLATE_LABEL = f"k8s.io/cluster-autoscaler/node-template/label/{GPU_LABEL}"


def prod_inputs() -> tuple[PolicyInput, ...]:
    return recorded_inputs("prod")


def props(item: PolicyInput) -> dict:
    return json_format.MessageToDict(item.properties)


def edited(name: str, edit) -> list[PolicyInput]:
    """The prod plan's analyzer inputs with resource `name`'s properties passed through `edit`."""
    out = []
    for item in prod_inputs():
        if item.name == name:
            struct = struct_pb2.Struct()
            struct.update(edit(props(item)))
            item = PolicyInput(**{**item.__dict__, "properties": struct})
        out.append(item)
    return out


def one(name: str) -> PolicyInput:
    [item] = [i for i in prod_inputs() if i.name == name]
    return item


def test_prod_plan_has_what_a_real_eks_cluster_needs():
    sc = one("train-addons-gp3")
    assert sc.provider.urn == K8S
    assert props(sc)["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert props(sc)["provisioner"] == "ebs.csi.aws.com"
    assert props(sc)["parameters"] == {"type": "gp3", "encrypted": "true"}
    assert one("train-addons-aws-ebs-csi-driver").urn in sc.dependencies
    # Only the CPU set runs in kubernetes mode, with a work volume claim; the deployer and GPU sets use the
    # chart's default mode (#26), which has no claim, so they need no StorageClass.
    claim = props(one("train-runners-prod-cpu"))["values"]["containerMode"]["kubernetesModeWorkVolumeClaim"]
    assert claim["storageClassName"] == "gp3-encrypted"
    assert sc.urn in one("train-runners-prod-cpu").dependencies
    for release in ("train-runners-prod-deploy", "train-runners-prod-gpu-l4"):
        assert "containerMode" not in props(one(release))["values"]
    cni = json.loads(props(one("train-addons-vpc-cni"))["configurationValues"])
    assert cni == {"enableNetworkPolicy": "true"}
    agent = {"to": [{"ipBlock": {"cidr": "169.254.170.23/32"}}], "ports": [{"protocol": "TCP", "port": 80}]}
    egress = [props(i)["spec"]["egress"] for i in prod_inputs() if i.name.endswith("-allow-egress")]
    # arc-systems and the three scale sets (cpu, gpu-l4 and the deployer, #16)
    assert len(egress) == 4 and all(agent in rules for rules in egress)
    groups = [i for i in prod_inputs() if i.type == "aws:eks/nodeGroup:NodeGroup" and "NVIDIA" in props(i)["amiType"]]
    assert groups
    for group in groups:
        assert props(group)["labels"][GPU_LABEL] == props(group)["labels"]["mlinfra.io/accelerator"]
        assert props(group)["tags"][TEMPLATE_LABEL] == props(group)["labels"][GPU_LABEL]
        asg = [i for i in prod_inputs() if i.type == "aws:autoscaling/tag:Tag"
               and i.property_dependencies.get("autoscalingGroupName") == [group.urn]]
        assert TEMPLATE_LABEL in {props(t)["tag"]["key"] for t in asg}


def test_the_real_pack_finds_no_contract_broken_in_prod(pack):
    assert [t for t in triples(pack.analyze_stack(list(prod_inputs()))) if t[0] in RULES] == []


def _drop_default(p):
    del p["metadata"]["annotations"]
    return p


def _rename_class(p):
    p["metadata"]["name"] = "gp2"
    return p


def _cni_off(p):
    p["configurationValues"] = json.dumps({"enableNetworkPolicy": "false"})
    return p


def _no_gpu_label(p):
    del p["labels"][GPU_LABEL]
    return p


BREAKS = [
    ("default class renamed", "train-addons-gp3", _rename_class, [
        ("volume-claims-have-a-storage-class", "mandatory",
         f"runner work volume of Helm release '{r}' names StorageClass 'gp3-encrypted', which the stack does not "
         "create on cluster 'prod-train'") for r in ("train-runners-prod-cpu",)]),
    ("vpc-cni enforcement off", "train-addons-vpc-cni", _cni_off, [
        ("eks-network-policies-enforced", "mandatory",
         # 8, then the ARC listeners' allow-metrics policy (#20)
         "cluster 'prod-train' has 9 NetworkPolicies but its vpc-cni add-on does not enforce them: "
         "configurationValues enableNetworkPolicy is \"false\", not \"true\"")]),
    ("GPU label dropped from the h100 node group", "train-h100-ng", _no_gpu_label, [
        ("gpu-nodes-autoscaler-labels", "mandatory",
         f"GPU node group 'train-h100-ng' lacks the node label {GPU_LABEL}")]),
]


@pytest.mark.parametrize("name, edit, expected", [b[1:] for b in BREAKS], ids=[b[0] for b in BREAKS])
def test_breaking_one_field_of_the_prod_plan_gives_exactly_its_rules_findings(pack, name, edit, expected):
    # Findings of one rule come in the engine's resource order, which the contract does not fix.
    assert sorted(t for t in triples(pack.analyze_stack(edited(name, edit))) if t[0] in RULES) == sorted(expected)


def test_claims_naming_the_default_class_survive_it_losing_the_default_annotation(pack):
    # Runner claims name the class, so they do not depend on which class is the default.
    assert [t for t in triples(pack.analyze_stack(edited("train-addons-gp3", _drop_default)))
            if t[0] in RULES] == []
