"""Contracts between a cluster's resources, which no single resource shows: stack rules.

Every resource here can be valid on its own and the platform still not work: a volume claim
whose StorageClass no one creates stays Pending, a NetworkPolicy no CNI enforces does nothing, a
GPU node the autoscaler does not know as one gets scaled up again and again. Resources are tied
to their cluster by `cluster_links`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from cluster_links import EKS_CLUSTER, GKE_CLUSTER, cluster_label, cluster_of
from pulumi_policy import PolicyResource
from rulekit import HIGH, MEDIUM, Cloud, aws_gpu_node_group, dig, facts, gpus_per_machine, stack_rule

PVC = "kubernetes:core/v1:PersistentVolumeClaim"
PV = "kubernetes:core/v1:PersistentVolume"
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
ADDON = "aws:eks/addon:Addon"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
NODE_POOL = "gcp:container/nodePool:NodePool"
ASG_TAG = "aws:autoscaling/tag:Tag"
DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
# The upstream facts these rules rely on, with their sources: infra/catalog/cluster_contracts.py.
# Volume claim templates inside Helm values, by the path the chart reads them from.
HELM_CLAIM_PATHS = {tuple(facts.ARC_WORK_VOLUME_CLAIM_PATH.value.split(".")): "runner work volume"}
AWS_GPU_LABEL = facts.AWS_AUTOSCALER_GPU_LABEL.value
GKE_GPU_LABEL = facts.GKE_AUTOSCALER_GPU_LABEL.value
TEMPLATE_LABEL = facts.AUTOSCALER_NODE_TEMPLATE_LABEL_PREFIX.value
NODE_TEMPLATE = TEMPLATE_LABEL.removesuffix("label/")
CNI_POLICY_KEY = facts.VPC_CNI_NETWORK_POLICY_KEY.value
# GKE's own classes with its Persistent Disk CSI driver on; standard-rwo is the default.
GKE_PD_CLASSES = tuple(facts.GKE_PD_CSI_CLASSES.value.split(","))


def _on(view, resource: PolicyResource, cluster: PolicyResource) -> bool:
    found = cluster_of(view, resource)
    return found is not None and found.urn == cluster.urn


def _claims(resource: PolicyResource) -> Iterator[tuple[str, Any]]:
    """(what, storageClassName or None) for each volume claim template the resource carries."""
    kind = resource.resource_type
    if kind == PVC:
        yield f"PersistentVolumeClaim '{resource.name}'", dig(resource.props, "spec", "storageClassName")
    elif kind == STATEFUL_SET:
        for i, template in enumerate(dig(resource.props, "spec", "volumeClaimTemplates", default=[])):
            yield (f"volume claim template {i} of StatefulSet '{resource.name}'",
                   dig(template, "spec", "storageClassName"))
    elif kind == HELM_RELEASE:
        for path, what in HELM_CLAIM_PATHS.items():
            claim = dig(resource.props, "values", *path)
            if claim:
                yield f"{what} of Helm release '{resource.name}'", dig(claim, "storageClassName")


def _classes_on(view, cluster: PolicyResource) -> tuple[set[str], bool]:
    """Names of the StorageClasses on `cluster` (the stack's, and GKE's own), and whether one is the default."""
    names, default = set(), False
    if cluster.resource_type == GKE_CLUSTER and dig(cluster.props, "addonsConfig", "gcePersistentDiskCsiDriverConfig",
                                                    "enabled") is True:
        names |= set(GKE_PD_CLASSES)
        default = True
    for sc in view.resources:
        if sc.resource_type != STORAGE_CLASS or not _on(view, sc, cluster):
            continue
        names.add(dig(sc.props, "metadata", "name"))
        default = default or dig(sc.props, "metadata", "annotations", DEFAULT_CLASS_ANNOTATION) == "true"
    return names, default


def _claims_bind(resource: PolicyResource, view) -> Iterator[str]:
    claims = list(_claims(resource))
    if not claims:
        return
    cluster = cluster_of(view, resource)
    if cluster is None:
        for what, _ in claims:
            yield f"{what}: cannot tell which cluster it is on (create it with the cluster's Kubernetes provider)"
        return
    names, default = _classes_on(view, cluster)
    where = cluster_label(cluster)
    for what, name in claims:
        volume = dig(resource.props, "spec", "volumeName") if resource.resource_type == PVC else None
        if name == "" and volume:
            # Static binding (a dataset's claim): no class, the named PersistentVolume must be the stack's.
            if not any(pv.resource_type == PV and dig(pv.props, "metadata", "name") == volume and _on(view, pv, cluster)
                       for pv in view.resources):
                yield f"{what} binds PersistentVolume '{volume}', which the stack does not create on cluster {where}"
        elif name is None and not default:
            yield f"{what} names no StorageClass and the stack creates no default StorageClass on cluster {where}"
        elif name is not None and name not in names:
            yield f"{what} names StorageClass '{name}', which the stack does not create on cluster {where}"


def _cni_configuration(addon: PolicyResource) -> Mapping[str, Any]:
    raw = dig(addon.props, "configurationValues")
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _network_policies_enforced(cluster: PolicyResource, view) -> Iterator[str]:
    policies = [r for r in view.resources if r.resource_type == NETWORK_POLICY and _on(view, r, cluster)]
    if not policies:
        return
    where = cluster_label(cluster)
    cnis = [a for a in view.resources if a.resource_type == ADDON and dig(a.props, "addonName") == "vpc-cni"
            and _on(view, a, cluster)]
    if not cnis:
        yield (f"cluster {where} has {len(policies)} NetworkPolicies but no vpc-cni add-on enforcing them "
               f"({CNI_POLICY_KEY})")
        return
    value = _cni_configuration(cnis[0]).get(CNI_POLICY_KEY)
    if value != "true":
        yield (f"cluster {where} has {len(policies)} NetworkPolicies but its vpc-cni add-on does not enforce "
               f"them: configurationValues {CNI_POLICY_KEY} is {json.dumps(value)}, not \"true\"")


def _asg_tag_keys(view) -> dict[str, set]:
    """Tag keys set on each node group's Auto Scaling group, by node group URN (built once per check)."""
    keys = getattr(view, "_asg_tag_keys", None)
    if keys is None:
        keys = {}
        for tag in view.resources:
            if tag.resource_type == ASG_TAG:
                for group in tag.property_dependencies.get("autoscalingGroupName", []):
                    keys.setdefault(group.urn, set()).add(dig(tag.props, "tag", "key"))
        view._asg_tag_keys = keys
    return keys


def _eks_gpu_labels(group: PolicyResource, view) -> Iterator[str]:
    if not aws_gpu_node_group(group.props):
        return
    if not dig(group.props, "labels", AWS_GPU_LABEL):
        yield f"GPU node group '{group.name}' lacks the node label {AWS_GPU_LABEL}"
    tags = dig(group.props, "tags", default={})
    template_key = f"{TEMPLATE_LABEL}{AWS_GPU_LABEL}"
    if any(k.startswith(NODE_TEMPLATE) for k in tags) and not tags.get(template_key):
        yield f"GPU node group '{group.name}' node-template tags lack {template_key}"
    keys = _asg_tag_keys(view).get(group.urn, set())
    if any(isinstance(k, str) and k.startswith(NODE_TEMPLATE) for k in keys) and template_key not in keys:
        yield f"GPU node group '{group.name}' Auto Scaling group tags lack {template_key}"


def _gke_gpu_labels(pool: PolicyResource, view) -> Iterator[str]:
    config = dig(pool.props, "nodeConfig", default={})
    accelerators = dig(config, "guestAccelerators", default=[])
    if not accelerators and not gpus_per_machine(Cloud.GCP, str(dig(config, "machineType", default=""))):
        return
    if not accelerators:
        yield (f"GPU node pool '{pool.name}' declares no guestAccelerators, from which GKE labels its nodes "
               f"{GKE_GPU_LABEL}")
        return
    own = dig(config, "labels", GKE_GPU_LABEL)
    kind = dig(accelerators, 0, "type")
    if own is not None and own != kind:
        yield f"GPU node pool '{pool.name}' sets {GKE_GPU_LABEL}={own}, not its accelerator type {kind}"


def _gpu_labels(resource: PolicyResource, view) -> Iterator[str]:
    if resource.resource_type == NODE_GROUP:
        yield from _eks_gpu_labels(resource, view)
    else:
        yield from _gke_gpu_labels(resource, view)


RULES = [
    stack_rule(
        "volume-claims-have-a-storage-class",
        "Every volume claim template (runner work volumes in Helm values included) names a StorageClass the "
        "stack creates on that cluster, or the stack creates a default one there (practice: EKS 1.30+ has none)",
        types=[PVC, STATEFUL_SET, HELM_RELEASE], check=_claims_bind, severity=HIGH,
        remediation="Create the StorageClass on the cluster's Kubernetes provider (EksManagedAddons does: "
                    "gp3-encrypted, the default) and name it in the claim (runners.<set>.storage_class)."),
    stack_rule(
        "eks-network-policies-enforced",
        "An EKS cluster with NetworkPolicies has its vpc-cni add-on enforce them (practice: enableNetworkPolicy)",
        types=[EKS_CLUSTER], check=_network_policies_enforced, severity=HIGH,
        remediation='Create the vpc-cni add-on with configurationValues {"enableNetworkPolicy": "true"} '
                    "(EksManagedAddons does)."),
    stack_rule(
        "gpu-nodes-autoscaler-labels",
        "GPU node groups carry the node label their cloud's cluster-autoscaler knows GPU nodes by, in "
        "node-template tags too (practice: cluster-autoscaler GPULabel, k8s.amazonaws.com/accelerator on EKS)",
        types=[NODE_GROUP, NODE_POOL], check=_gpu_labels, severity=MEDIUM,
        remediation="Create GPU pools with EksGpuNodePool / GkeGpuNodePool, which set the label and its "
                    "node-template tags; never override it in gpu_pools.<pool>.labels."),
]
