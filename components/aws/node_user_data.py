"""User data for EKS nodes on AL2023: a nodeadm NodeConfig part that EKS merges with its own.

For managed node groups on EKS's own AMIs, EKS adds the NodeConfig that joins the node to the cluster itself
("appended directly to the EC2's userdata", docs.aws.amazon.com/eks/latest/eksctl/node-bootstrapping.html),
and nodeadm merges every NodeConfig it finds in the MIME parts of the user data (awslabs/amazon-eks-ami@v20260724
(81fec2e8):nodeadm/doc/examples.md "Merging multiple configuration objects"). So a launch template adds only
what it changes, as one `application/node.eks.aws` part.
"""

from __future__ import annotations

import base64

import yaml

NODEADM_CONTENT_TYPE = "application/node.eks.aws"
BOUNDARY = "MLINFRA"


def local_nvme_node_config() -> dict:
    """A NodeConfig striping the instance store into one RAID0 array that holds the node's ephemeral storage.

    With `localStorage.strategy: RAID0`, nodeadm runs setup-local-disks, which builds the array, mounts it under
    /mnt/k8s-disks and bind-mounts /var/lib/kubelet, /var/lib/containerd and /var/log/pods onto it
    (amazon-eks-ami@v20260724: nodeadm/api/v1alpha1/nodeconfig_types.go LocalStorageOptions,
    nodeadm/internal/system/local_disk.go, templates/al2023/runtime/bin/setup-local-disks). emptyDir volumes live
    under /var/lib/kubelet, so a Mountpoint cache on emptyDir lands on the NVMe.
    """
    return {"apiVersion": "node.eks.aws/v1alpha1", "kind": "NodeConfig",
            "spec": {"instance": {"localStorage": {"strategy": "RAID0"}}}}


def mime_user_data(*node_configs: dict) -> str:
    """A MIME multi-part document with one nodeadm part per NodeConfig, base64-encoded as a launch template takes it."""
    if not node_configs:
        raise ValueError("no NodeConfig to put in the user data")
    parts = [f"--{BOUNDARY}\nContent-Type: {NODEADM_CONTENT_TYPE}\n\n---\n{yaml.safe_dump(c, sort_keys=False)}"
             for c in node_configs]
    text = (f'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="{BOUNDARY}"\n\n'
            + "\n".join(parts) + f"\n--{BOUNDARY}--\n")
    return base64.b64encode(text.encode()).decode()
