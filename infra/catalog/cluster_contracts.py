"""What a working cluster relies on from its add-ons, read upstream at the pinned versions.

The policy pack's contract rules (policies/k8s_contracts.py) check plans against these facts;
the components that satisfy them (components/aws/eks_defaults.py, node_template.py) carry the
same values, and tests/infra/catalog/test_cluster_contracts.py keeps the two equal. Bumping an
add-on means re-reading these sources and updating this file in the same commit.
Every entry was read on 2026-11-29.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UpstreamFact:
    """One value the platform relies on, with where it was read."""

    value: str
    source: str


# The node label by which cluster-autoscaler's AWS provider knows a node has GPUs (GPULabel()).
AWS_AUTOSCALER_GPU_LABEL = UpstreamFact(
    "k8s.amazonaws.com/accelerator",
    "kubernetes/autoscaler@cluster-autoscaler-1.35.0:cluster-autoscaler/cloudprovider/aws/aws_cloud_provider.go "
    "(GPULabel) and cloudprovider/aws/README.md 'Special note on GPU instances'")
# The same for the GCE/GKE provider; GKE's managed autoscaler and nodes use it.
GKE_AUTOSCALER_GPU_LABEL = UpstreamFact(
    "cloud.google.com/gke-accelerator",
    "kubernetes/autoscaler@cluster-autoscaler-1.35.0:cluster-autoscaler/cloudprovider/gce/gce_cloud_provider.go "
    "(GPULabel)")
# Prefix of the scale-from-zero tags the AWS provider reads from an Auto Scaling group.
AUTOSCALER_NODE_TEMPLATE_LABEL_PREFIX = UpstreamFact(
    "k8s.io/cluster-autoscaler/node-template/label/",
    "kubernetes/autoscaler@cluster-autoscaler-1.35.0:cluster-autoscaler/cloudprovider/aws/aws_manager.go "
    "(extractLabelsFromAsg)")
# vpc-cni's switch for its network policy agent; a string, "false" by default.
VPC_CNI_NETWORK_POLICY_KEY = UpstreamFact(
    "enableNetworkPolicy",
    "aws/amazon-vpc-cni-k8s@v1.23.0:charts/aws-vpc-cni/values.yaml (enableNetworkPolicy: \"false\"), "
    "templates/daemonset.yaml (aws-eks-nodeagent --enable-network-policy)")
# The EKS Pod Identity agent's node-local address and port.
POD_IDENTITY_AGENT_CIDR = UpstreamFact(
    "169.254.170.23/32", "aws/eks-pod-identity-agent@v0.1.37:configuration/config.go (DefaultIpv4TargetHost)")
POD_IDENTITY_AGENT_PORT = UpstreamFact(
    "80", "aws/eks-pod-identity-agent@v0.1.37:cmd/server.go (--port default 80)")
# The EBS CSI driver's provisioner name and the StorageClass parameters the platform sets.
EBS_CSI_PROVISIONER = UpstreamFact(
    "ebs.csi.aws.com",
    "kubernetes-sigs/aws-ebs-csi-driver@v1.64.0:docs/parameters.md (type, encrypted) and "
    "examples/kubernetes/storageclass/manifests/storageclass.yaml (provisioner)")
# Claims that name no class need a default; EKS clusters since 1.30 have none.
EKS_HAS_NO_DEFAULT_STORAGE_CLASS = UpstreamFact(
    "1.30",
    "Amazon EKS User Guide, Kubernetes 1.30 release notes: 'no longer includes the default annotation on "
    "the gp2 StorageClass resource applied to newly created clusters' "
    "(https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions-standard.html)")
# StorageClasses GKE creates itself with its Persistent Disk CSI driver; standard-rwo is the default.
# Observed in public `kubectl get sc` output of GKE clusters, not read from a GKE reference page.
GKE_PD_CSI_CLASSES = UpstreamFact(
    "standard-rwo,premium-rwo",
    "observed: `kubectl get sc` on GKE lists 'standard-rwo (default) pd.csi.storage.gke.io' (public "
    "repositories' docs, searched 2026-11-29); driver: kubernetes-sigs/gcp-compute-persistent-disk-csi-driver"
    "@v1.26.4 (provisioner pd.csi.storage.gke.io)")
# Where gha-runner-scale-set reads the kubernetes-mode work volume claim template.
ARC_WORK_VOLUME_CLAIM_PATH = UpstreamFact(
    "containerMode.kubernetesModeWorkVolumeClaim",
    "actions/actions-runner-controller@gha-runner-scale-set-0.14.2 and @2ee6b3b (master, 2026-06-30): "
    "charts/gha-runner-scale-set/templates/_helpers.tpl (.Values.containerMode.kubernetesModeWorkVolumeClaim); "
    "the pinned 0.15.1 tag is not in the stored mirror")
