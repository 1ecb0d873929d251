"""The cluster contract rules through the real pack process (AnalyzeStack): a small EKS and GKE stack
linked the way the engine records it (providers, parents, property dependencies) has no findings,
and each single change produces exactly the expected findings."""

from __future__ import annotations

import json

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as apb

from infra.offline.analyzer_inputs import PolicyInput
from tests.policies.conftest import TAGS, UNKNOWN, triples

M = "mandatory"
STACK = "urn:pulumi:test::mlinfra::"
SC_RULE, CNI_RULE, GPU_RULE = ("volume-claims-have-a-storage-class", "eks-network-policies-enforced",
                               "gpu-nodes-autoscaler-labels")
GPU_LABEL = "k8s.amazonaws.com/accelerator"
TEMPLATE_LABEL = f"k8s.io/cluster-autoscaler/node-template/label/{GPU_LABEL}"
RUNNER_VALUES = {"containerMode": {"type": "kubernetes", "kubernetesModeWorkVolumeClaim": {
    "accessModes": ["ReadWriteOnce"], "storageClassName": "gp3-encrypted",
    "resources": {"requests": {"storage": "20Gi"}}}}}


def res(type_, name, props, *, parent="", provider=None, deps=(), prop_deps=None, parent_type=""):
    """A resource as the CLI sends it; `parent_type` puts it under a component in its URN."""
    struct = struct_pb2.Struct()
    struct.update(props)
    chain = f"{parent_type}${type_}" if parent_type else type_
    return PolicyInput(type=type_, name=name, urn=f"{STACK}{chain}::{name}", properties=struct, parent=parent,
                       provider=provider, dependencies=list(deps), property_dependencies=prop_deps or {})


def provider_ref(p: PolicyInput) -> apb.AnalyzerProviderResource:
    return apb.AnalyzerProviderResource(type=p.type, urn=p.urn, name=p.name, properties=p.properties)


def eks(name="train", *, cni_config='{"enableNetworkPolicy":"true"}', cni=True, cni_by_name=False, default_sc=True,
        sc_name="gp3-encrypted", sc_on=None, claim_class="gp3-encrypted", provider_deps=True,
        labels=None, ng_tags=None, asg_keys=None, network_policies=True):
    """An EKS cluster with its provider, add-on, StorageClass, runner release, policy and GPU pool."""
    comp = res("mlinfra:aws:EksCluster", name, {})
    cluster = res("aws:eks/cluster:Cluster", f"{name}-cluster", {"name": f"dev-{name}", "tags": TAGS},
                  parent=comp.urn, parent_type="mlinfra:aws:EksCluster")
    k8s = res("pulumi:providers:kubernetes", f"{name}-k8s", {"kubeconfig": UNKNOWN}, parent=comp.urn,
              parent_type="mlinfra:aws:EksCluster",
              deps=[cluster.urn] if provider_deps else [],
              prop_deps={"kubeconfig": [cluster.urn]} if provider_deps else {})
    on = provider_ref(k8s)
    parts = [comp, cluster, k8s]
    if cni:
        # Linked by the recorded property dependency, or (an add-on of an existing cluster) by name.
        props = {"addonName": "vpc-cni", "clusterName": f"dev-{name}" if cni_by_name else UNKNOWN, "tags": TAGS}
        if cni_config is not None:
            props["configurationValues"] = cni_config
        parts.append(res("aws:eks/addon:Addon", f"{name}-addons-vpc-cni", props,
                         prop_deps={} if cni_by_name else {"clusterName": [cluster.urn]}))
    meta = {"name": sc_name, **({"annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}
                                if default_sc else {})}
    parts.append(res("kubernetes:storage.k8s.io/v1:StorageClass", f"{name}-addons-gp3",
                     {"metadata": meta, "provisioner": "ebs.csi.aws.com"}, provider=sc_on or on))
    values = json.loads(json.dumps(RUNNER_VALUES))
    claim = values["containerMode"]["kubernetesModeWorkVolumeClaim"]
    if claim_class is None:
        del claim["storageClassName"]
    else:
        claim["storageClassName"] = claim_class
    parts.append(res("kubernetes:helm.sh/v3:Release", f"{name}-runners-cpu", {"values": values}, provider=on))
    if network_policies:
        parts.append(res("kubernetes:networking.k8s.io/v1:NetworkPolicy", f"{name}-runners-cpu-deny-all",
                         {"spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}, provider=on))
    group = res("aws:eks/nodeGroup:NodeGroup", f"{name}-l4-ng", {
        "amiType": "AL2023_x86_64_NVIDIA", "instanceTypes": ["g6.xlarge"], "clusterName": UNKNOWN,
        "labels": {"mlinfra.io/pool": "l4", GPU_LABEL: "nvidia-l4"} if labels is None else labels,
        "tags": ng_tags if ng_tags is not None else {
            **TAGS, TEMPLATE_LABEL: "nvidia-l4",
            "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu": "1"}},
        prop_deps={"clusterName": [cluster.urn]})
    parts.append(group)
    for i, key in enumerate(asg_keys if asg_keys is not None else [TEMPLATE_LABEL,
                                                                     "k8s.io/cluster-autoscaler/enabled"]):
        parts.append(res("aws:autoscaling/tag:Tag", f"{name}-l4-asg-{i}", {
            "autoscalingGroupName": UNKNOWN, "tag": {"key": key, "value": "x", "propagateAtLaunch": False}},
            prop_deps={"autoscalingGroupName": [group.urn]}))
    return parts


def gke_pool(own_label=None):
    cluster = res("gcp:container/cluster:Cluster", "infer-cluster", {"name": "dev-infer"})
    labels = {"mlinfra.io/pool": "l4"} | ({"cloud.google.com/gke-accelerator": own_label} if own_label else {})
    return [cluster, res("gcp:container/nodePool:NodePool", "infer-l4-pool", {
        "cluster": UNKNOWN, "nodeConfig": {"machineType": "g2-standard-4", "labels": labels,
                                           "guestAccelerators": [{"type": "nvidia-l4", "count": 1}]}},
        prop_deps={"cluster": [cluster.urn]})]


def gke_runner(pd_csi=True, claim_class=None):
    """A GKE cluster with its provider and a runner release whose work volume names `claim_class`."""
    comp = res("mlinfra:gcp:GkeCluster", "infer", {})
    cluster = res("gcp:container/cluster:Cluster", "infer-cluster", {
        "name": "dev-infer", "addonsConfig": {"gcePersistentDiskCsiDriverConfig": {"enabled": pd_csi}}},
        parent=comp.urn, parent_type="mlinfra:gcp:GkeCluster")
    k8s = res("pulumi:providers:kubernetes", "infer-k8s", {"kubeconfig": UNKNOWN}, parent=comp.urn,
              parent_type="mlinfra:gcp:GkeCluster", deps=[cluster.urn], prop_deps={"kubeconfig": [cluster.urn]})
    values = json.loads(json.dumps(RUNNER_VALUES))
    claim = values["containerMode"]["kubernetesModeWorkVolumeClaim"]
    del claim["storageClassName"]
    if claim_class:
        claim["storageClassName"] = claim_class
    return [comp, cluster, k8s, res("kubernetes:helm.sh/v3:Release", "infer-runners-cpu", {"values": values},
                                    provider=provider_ref(k8s))]


def _other_cluster_provider():
    other = eks("other")
    return provider_ref(next(r for r in other if r.type == "pulumi:providers:kubernetes"))


def _pvc_without_provider():
    return [*eks(), res("kubernetes:core/v1:PersistentVolumeClaim", "scratch",
                        {"spec": {"storageClassName": "gp3-encrypted"}})]


def _pvc_on_cluster(class_name):
    parts = eks()
    k8s = next(r for r in parts if r.type == "pulumi:providers:kubernetes")
    spec = {"storageClassName": class_name} if class_name else {}
    return [*parts, res("kubernetes:core/v1:PersistentVolumeClaim", "scratch", {"spec": spec},
                        provider=provider_ref(k8s))]


def _stateful_set(default_sc):
    parts = eks(default_sc=default_sc)
    k8s = next(r for r in parts if r.type == "pulumi:providers:kubernetes")
    return [*parts, res("kubernetes:apps/v1:StatefulSet", "db", {"spec": {"volumeClaimTemplates": [
        {"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}]}}, provider=provider_ref(k8s))]


CASES = [
    ("compliant EKS cluster", eks(), []),
    ("compliant when the provider only shares the cluster's parent", eks(provider_deps=False), []),
    ("runner claim with no class relies on the stack's default class", eks(claim_class=None), []),
    ("no NetworkPolicies, no vpc-cni needed", eks(cni=False, network_policies=False), []),
    ("GKE GPU pool left to GKE's own label", gke_pool(), []),
    ("GKE runner claim uses GKE's default class", gke_runner(), []),
    ("GKE runner claim names GKE's standard-rwo", gke_runner(claim_class="standard-rwo"), []),
    ("GKE without the PD CSI driver has no default class", gke_runner(pd_csi=False),
     [(SC_RULE, M, "runner work volume of Helm release 'infer-runners-cpu' names no StorageClass and the stack "
                   "creates no default StorageClass on cluster 'dev-infer'")]),
    ("runner claim names a class nobody creates", eks(claim_class="gp3"),
     [(SC_RULE, M, "runner work volume of Helm release 'train-runners-cpu' names StorageClass 'gp3', which the "
                   "stack does not create on cluster 'dev-train'")]),
    ("no class named and none is the default", eks(claim_class=None, default_sc=False),
     [(SC_RULE, M, "runner work volume of Helm release 'train-runners-cpu' names no StorageClass and the stack "
                   "creates no default StorageClass on cluster 'dev-train'")]),
    ("the class exists, but on another cluster", [*eks(sc_on=_other_cluster_provider()), *eks("other")[:3]],
     [(SC_RULE, M, "runner work volume of Helm release 'train-runners-cpu' names StorageClass 'gp3-encrypted', "
                   "which the stack does not create on cluster 'dev-train'")]),
    ("a claim with no provider cannot be placed", _pvc_without_provider(),
     [(SC_RULE, M, "PersistentVolumeClaim 'scratch': cannot tell which cluster it is on (create it with the "
                   "cluster's Kubernetes provider)")]),
    ("a PVC naming the stack's class", _pvc_on_cluster("gp3-encrypted"), []),
    ("a PVC naming a class nobody creates", _pvc_on_cluster("io2"),
     [(SC_RULE, M, "PersistentVolumeClaim 'scratch' names StorageClass 'io2', which the stack does not create on "
                   "cluster 'dev-train'")]),
    ("a StatefulSet template relying on the default class", _stateful_set(default_sc=True), []),
    ("a StatefulSet template with no default class", _stateful_set(default_sc=False),
     [(SC_RULE, M, "volume claim template 0 of StatefulSet 'db' names no StorageClass and the stack creates no "
                   "default StorageClass on cluster 'dev-train'")]),
    ("vpc-cni without configuration", eks(cni_config=None),
     [(CNI_RULE, M, "cluster 'dev-train' has 1 NetworkPolicies but its vpc-cni add-on does not enforce them: "
                    "configurationValues enableNetworkPolicy is null, not \"true\"")]),
    ("vpc-cni with enforcement off", eks(cni_config='{"enableNetworkPolicy":"false"}'),
     [(CNI_RULE, M, "cluster 'dev-train' has 1 NetworkPolicies but its vpc-cni add-on does not enforce them: "
                    "configurationValues enableNetworkPolicy is \"false\", not \"true\"")]),
    ("vpc-cni linked by the cluster's name enforces", eks(cni_by_name=True), []),
    ("vpc-cni linked by the cluster's name, enforcement off",
     eks(cni_by_name=True, cni_config='{"enableNetworkPolicy":"false"}'),
     [(CNI_RULE, M, "cluster 'dev-train' has 1 NetworkPolicies but its vpc-cni add-on does not enforce them: "
                    "configurationValues enableNetworkPolicy is \"false\", not \"true\"")]),
    ("NetworkPolicies but no vpc-cni add-on", eks(cni=False),
     [(CNI_RULE, M, "cluster 'dev-train' has 1 NetworkPolicies but no vpc-cni add-on enforcing them "
                    "(enableNetworkPolicy)")]),
    ("GPU node group without the autoscaler's label", eks(labels={"mlinfra.io/pool": "l4"}),
     [(GPU_RULE, M, f"GPU node group 'train-l4-ng' lacks the node label {GPU_LABEL}")]),
    ("node-template tags without the GPU label", eks(ng_tags={**TAGS, "k8s.io/cluster-autoscaler/node-template/"
                                                                      "resources/nvidia.com/gpu": "1"}),
     [(GPU_RULE, M, f"GPU node group 'train-l4-ng' node-template tags lack {TEMPLATE_LABEL}")]),
    ("ASG node-template tags without the GPU label",
     eks(asg_keys=["k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"]),
     [(GPU_RULE, M, f"GPU node group 'train-l4-ng' Auto Scaling group tags lack {TEMPLATE_LABEL}")]),
    ("GKE pool overriding the GKE accelerator label", gke_pool(own_label="nvidia-tesla-t4"),
     [(GPU_RULE, M, "GPU node pool 'infer-l4-pool' sets cloud.google.com/gke-accelerator=nvidia-tesla-t4, not "
                    "its accelerator type nvidia-l4")]),
]


@pytest.mark.parametrize("stack, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_contract_rule(pack, stack, expected):
    ours = {SC_RULE, CNI_RULE, GPU_RULE}
    assert [t for t in triples(pack.analyze_stack(stack)) if t[0] in ours] == expected


def test_findings_name_the_resource_to_fix(pack):
    [claim] = [f for f in pack.analyze_stack(eks(claim_class="gp3")) if f.policy == SC_RULE]
    assert claim.urn == f"{STACK}kubernetes:helm.sh/v3:Release::train-runners-cpu"
    [cni] = [f for f in pack.analyze_stack(eks(cni=False)) if f.policy == CNI_RULE]
    assert cni.urn == f"{STACK}mlinfra:aws:EksCluster$aws:eks/cluster:Cluster::train-cluster"
    assert cni.severity == "high"


@pytest.mark.parametrize("env", ["dev", "sandbox", "staging", "prod"])
def test_contract_rules_are_mandatory_in_every_environment(pack, env):
    # A broken contract is a platform that does not work, in a sandbox as much as in prod.
    from infra.offline.policy_check import PACK_DIR
    from infra.offline.policy_config import load_policy_config, reconcile

    config = reconcile(pack.info, load_policy_config(PACK_DIR / "config" / f"{env}.json"))
    assert {name: config[name].enforcementLevel for name in (SC_RULE, CNI_RULE, GPU_RULE)} == {
        SC_RULE: 1, CNI_RULE: 1, GPU_RULE: 1}
