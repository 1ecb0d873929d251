"""The platform's EBS StorageClass and the vpc-cni add-on settings: what an EKS cluster lacks out of the box.

Upstream facts this module relies on (each read 2026-11-29):
- EKS clusters created on Kubernetes 1.30 or later have no default StorageClass ("Starting with
  1.30, Amazon EKS no longer includes the default annotation on the gp2 StorageClass resource
  applied to newly created clusters"; Amazon EKS User Guide, Kubernetes 1.30 release notes,
  https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions-standard.html), so a claim
  that names no class stays Pending.
- StorageClass parameters of the EBS CSI driver: provisioner `ebs.csi.aws.com`; `type` (gp3 is
  one value), `encrypted` ("true"/"false", a string); `WaitForFirstConsumer` is recommended so
  the volume is made in the zone of the node the pod lands on
  (kubernetes-sigs/aws-ebs-csi-driver@v1.64.0 docs/parameters.md, and
  examples/kubernetes/storageclass/manifests/storageclass.yaml for the provisioner name).
- The vpc-cni add-on enforces NetworkPolicy only when `enableNetworkPolicy` is "true" (a string;
  chart default "false"), which turns on the network policy agent (`--enable-network-policy`)
  in the aws-node pods (aws/amazon-vpc-cni-k8s@v1.23.0 charts/aws-vpc-cni/values.yaml and
  templates/daemonset.yaml; the EKS add-on takes the chart's values as configurationValues).
- The EKS Pod Identity agent serves credentials on 169.254.170.23, TCP port 80
  (aws/eks-pod-identity-agent@v0.1.37 configuration/config.go `DefaultIpv4TargetHost`, and
  cmd/server.go `--port` default 80), on the node's host network.
"""

from __future__ import annotations

import json

EBS_CSI_PROVISIONER = "ebs.csi.aws.com"
PLATFORM_STORAGE_CLASS = "gp3-encrypted"
DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
VPC_CNI_CONFIGURATION = {"enableNetworkPolicy": "true"}
POD_IDENTITY_AGENT_CIDR = "169.254.170.23/32"
POD_IDENTITY_AGENT_PORT = 80


def gp3_storage_class(labels: dict[str, str] | None = None) -> dict:
    """The platform's StorageClass: encrypted gp3, made in the consuming pod's zone, the cluster default.

    Default, not only named: EKS has none, so every claim that names no class (charts users
    install, not only ours) would stay Pending. Our own claims still name it, so they keep
    working if someone later makes another class the default.
    """
    return {
        "metadata": {"name": PLATFORM_STORAGE_CLASS, "labels": dict(labels or {}),
                     "annotations": {DEFAULT_CLASS_ANNOTATION: "true"}},
        "provisioner": EBS_CSI_PROVISIONER,
        "parameters": {"type": "gp3", "encrypted": "true"},
        "volume_binding_mode": "WaitForFirstConsumer",
        "reclaim_policy": "Delete",
        "allow_volume_expansion": True,
    }


def vpc_cni_configuration() -> str:
    """configurationValues of the vpc-cni add-on: NetworkPolicy enforcement on."""
    return json.dumps(VPC_CNI_CONFIGURATION, sort_keys=True)


def pod_identity_agent_egress() -> dict:
    """A NetworkPolicy egress rule to the node-local Pod Identity agent, which pods need for AWS credentials."""
    return {"to": [{"ipBlock": {"cidr": POD_IDENTITY_AGENT_CIDR}}],
            "ports": [{"protocol": "TCP", "port": POD_IDENTITY_AGENT_PORT}]}
