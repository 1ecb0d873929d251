"""EksGpuNodePool: a managed node group of GPU machines that scales from zero and only runs GPU work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.tags import with_tags

GPU_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}
LABEL_PREFIX = "mlinfra.io"


def gpu_node_labels(pool: str, accelerator: str, capacity_type: str,
                    extra: Mapping[str, str]) -> dict[str, str]:
    """Labels every node of the pool carries, so workloads can select accelerator and pool."""
    return {
        **extra,
        f"{LABEL_PREFIX}/pool": pool,
        f"{LABEL_PREFIX}/accelerator": accelerator,
        f"{LABEL_PREFIX}/capacity-type": capacity_type.lower().replace("_", "-"),
    }


def autoscaler_tags(gpus_per_node: int, labels: Mapping[str, str]) -> dict[str, str]:
    """Node-template tags the cluster autoscaler needs to scale a tainted GPU group up from zero."""
    prefix = "k8s.io/cluster-autoscaler/node-template"
    return {
        f"{prefix}/resources/nvidia.com/gpu": str(gpus_per_node),
        f"{prefix}/taint/nvidia.com/gpu": f"{GPU_TAINT['value']}:NoSchedule",
        **{f"{prefix}/label/{key}": value for key, value in labels.items()},
    }


def scaling(min_nodes: int, max_nodes: int) -> dict[str, int]:
    """Scaling config; desired starts at min and is the autoscaler's from then on."""
    if not 0 <= min_nodes <= max_nodes or max_nodes < 1:
        raise ValueError(f"need 0 <= min_nodes <= max_nodes and max_nodes >= 1 "
                         f"(got {min_nodes}..{max_nodes})")
    return {"min_size": min_nodes, "max_size": max_nodes, "desired_size": min_nodes}


@dataclass(frozen=True)
class EksGpuNodePoolArgs:
    """Inputs of EksGpuNodePool; machine facts come from the accelerator catalog."""

    cluster_name: pulumi.Input[str]
    node_role_arn: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[str]]
    instance_type: str
    ami_type: str
    accelerator: str
    gpus_per_node: int
    min_nodes: int = 0
    max_nodes: int = 1
    capacity_type: str = "ON_DEMAND"
    disk_gib: int = 200
    labels: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


class EksGpuNodePool(pulumi.ComponentResource):
    """Launch template (IMDSv2, encrypted disk, no public IP) and a tainted managed node group."""

    node_group_name: pulumi.Output[str]

    def __init__(self, name: str, args: EksGpuNodePoolArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:EksGpuNodePool", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = with_tags(args.tags, Name=name)

        template = aws.ec2.LaunchTemplate(
            f"{name}-lt",
            metadata_options={"http_endpoint": "enabled", "http_tokens": "required",
                              "http_put_response_hop_limit": 1},
            block_device_mappings=[{
                "device_name": "/dev/xvda",
                "ebs": {"volume_size": args.disk_gib, "volume_type": "gp3", "encrypted": "true",
                        "delete_on_termination": "true"},
            }],
            network_interfaces=[{"associate_public_ip_address": "false",
                                 "delete_on_termination": "true"}],
            tag_specifications=[{"resource_type": kind, "tags": tags} for kind in ("instance", "volume")],
            update_default_version=True,
            tags=tags, opts=child)

        labels = gpu_node_labels(name, args.accelerator, args.capacity_type, args.labels)
        group = aws.eks.NodeGroup(
            f"{name}-ng",
            cluster_name=args.cluster_name,
            node_role_arn=args.node_role_arn,
            subnet_ids=args.subnet_ids,
            ami_type=args.ami_type,
            instance_types=[args.instance_type],
            capacity_type=args.capacity_type,
            scaling_config=scaling(args.min_nodes, args.max_nodes),
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            taints=[GPU_TAINT],
            labels=labels,
            update_config={"max_unavailable": 1},
            tags=with_tags(tags, autoscaler_tags(args.gpus_per_node, labels)),
            # The cluster autoscaler owns the node count once the group exists.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["scalingConfig.desiredSize"]))

        self.node_group_name = group.node_group_name
        self.register_outputs({"node_group_name": self.node_group_name})
