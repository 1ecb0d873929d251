"""EKS managed add-ons and the Kubernetes provider built from a cluster's outputs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.aws.eks_defaults import gp3_storage_class, vpc_cni_configuration
from components.aws.iam import RoleBounds, managed_policy_arn
from components.aws.pod_identity import pod_identity_trust_policy

# Add-ons that must run before any node can join (networking, pod credentials).
NODE_PREREQUISITES = ("vpc-cni", "kube-proxy", "eks-pod-identity-agent")
# Add-ons whose pods need nodes to schedule on; created after the system pool.
ON_NODES = ("coredns", "aws-ebs-csi-driver", "aws-mountpoint-s3-csi-driver")
MANAGED_ADDONS = NODE_PREREQUISITES + ON_NODES
EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa"


def kubeconfig(cluster_name: str, endpoint: str, certificate_authority: str, region: str) -> str:
    """A kubeconfig that gets a short-lived token from `aws eks get-token`; no secret is stored."""
    return json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": cluster_name,
        "clusters": [{"name": cluster_name, "cluster": {
            "server": endpoint, "certificate-authority-data": certificate_authority}}],
        "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
        "users": [{"name": cluster_name, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region,
                     "--output", "json"]}}}],
    })


def cluster_provider(name: str, cluster_name: pulumi.Input[str], endpoint: pulumi.Input[str],
                     certificate_authority: pulumi.Input[str], region: str,
                     parent: pulumi.Resource) -> k8s.Provider:
    """A Kubernetes provider for the cluster; in a preview before it exists, its config is unknown."""
    config = pulumi.Output.all(cluster_name, endpoint, certificate_authority).apply(
        lambda v: kubeconfig(v[0], v[1], v[2], region))
    return k8s.Provider(f"{name}-k8s", kubeconfig=config, opts=pulumi.ResourceOptions(parent=parent))


def addon_settings(addon: str, version: str | None) -> dict:
    """Inputs of one managed add-on: a pinned version when given, and who wins a conflict."""
    settings = {"addon_name": addon,
                # Take over what EKS installed by default, then keep changes made in the cluster.
                "resolve_conflicts_on_create": "OVERWRITE", "resolve_conflicts_on_update": "PRESERVE"}
    if version:
        settings["addon_version"] = version
    return settings


@dataclass(frozen=True)
class EksManagedAddonsArgs:
    """Inputs of EksManagedAddons."""

    cluster_name: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    account_id: pulumi.Input[str]
    # Add-on name -> version; missing ones get EKS's default for the cluster version.
    versions: Mapping[str, str] = field(default_factory=dict)
    # The system node pool: add-ons with pods wait for it.
    nodes: Sequence[pulumi.Resource] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    # The cluster's Kubernetes provider: with it, the platform's gp3 StorageClass is created there.
    provider: pulumi.ProviderResource | None = None
    # Labels on the Kubernetes objects created through `provider`.
    labels: Mapping[str, str] = field(default_factory=dict)
    # Boundary and IAM path of the roles created here: the deploy role creates roles only with them.
    bounds: RoleBounds = field(default_factory=RoleBounds)


class EksManagedAddons(pulumi.ComponentResource):
    """vpc-cni (NetworkPolicy enforced), kube-proxy, Pod Identity agent, CoreDNS, EBS CSI (own role, encrypted
    gp3 default StorageClass) and Mountpoint S3 CSI."""

    addons: dict[str, aws.eks.Addon]
    storage_class: k8s.storage.v1.StorageClass | None

    def __init__(self, name: str, args: EksManagedAddonsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:EksManagedAddons", name, None, opts)
        unknown = sorted(set(args.versions) - set(MANAGED_ADDONS))
        if unknown:
            raise ValueError(f"unknown add-ons {unknown}; known: {MANAGED_ADDONS}")
        child = pulumi.ResourceOptions(parent=self)
        ebs_role = aws.iam.Role(
            f"{name}-ebs-csi", tags=args.tags, opts=child, **args.bounds.role(),
            assume_role_policy=pulumi.Output.all(args.account_id, args.cluster_arn).apply(
                lambda v: pod_identity_trust_policy(v[0], v[1], "kube-system", EBS_CSI_SERVICE_ACCOUNT)))
        aws.iam.RolePolicyAttachment(f"{name}-ebs-csi", role=ebs_role.name,
                                     policy_arn=managed_policy_arn("service-role/AmazonEBSCSIDriverPolicy"),
                                     opts=child)
        self.addons = {}
        for addon in MANAGED_ADDONS:
            extra: dict = {}
            if addon == "aws-ebs-csi-driver":
                extra["pod_identity_associations"] = [{"role_arn": ebs_role.arn,
                                                       "service_account": EBS_CSI_SERVICE_ACCOUNT}]
            if addon == "vpc-cni":
                # Without it the cluster accepts NetworkPolicies and enforces none of them.
                extra["configuration_values"] = vpc_cni_configuration()
            # The Mountpoint driver gets no role of its own: mounts use the workload's Pod Identity
            # (`authenticationSource: pod`), so the driver never holds S3 rights.
            self.addons[addon] = aws.eks.Addon(
                f"{name}-{addon}", cluster_name=args.cluster_name, tags=args.tags,
                **addon_settings(addon, args.versions.get(addon)), **extra,
                opts=pulumi.ResourceOptions(parent=self,
                                            depends_on=list(args.nodes) if addon in ON_NODES else []))
        self.storage_class = None
        if args.provider is not None:
            # After the driver that provisions its volumes, on the cluster's own provider.
            self.storage_class = k8s.storage.v1.StorageClass(
                f"{name}-gp3", **gp3_storage_class(dict(args.labels)),
                opts=pulumi.ResourceOptions(parent=self, provider=args.provider,
                                            depends_on=[self.addons["aws-ebs-csi-driver"]]))
        self.register_outputs({})
