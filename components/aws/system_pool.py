"""EksSystemNodePool: a small on-demand CPU pool for cluster add-ons (CoreDNS, autoscaler, CSI drivers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws.gpu_node_pool import LABEL_PREFIX, scaling
from components.aws.launch_template import METADATA_OPTIONS, plain_interface, root_volume
from components.tags import with_tags

SYSTEM_AMI_TYPE = "AL2023_x86_64_STANDARD"


@dataclass(frozen=True)
class EksSystemNodePoolArgs:
    """Inputs of EksSystemNodePool."""

    cluster_name: pulumi.Input[str]
    node_role_arn: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[str]]
    instance_type: str = "m7i.large"
    min_nodes: int = 2
    max_nodes: int = 3
    disk_gib: int = 50
    tags: Mapping[str, str] = field(default_factory=dict)


class EksSystemNodePool(pulumi.ComponentResource):
    """Untainted on-demand node group with the same hardened launch template as GPU pools."""

    node_group: aws.eks.NodeGroup

    def __init__(self, name: str, args: EksSystemNodePoolArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:EksSystemNodePool", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = with_tags(args.tags, Name=name)
        template = aws.ec2.LaunchTemplate(
            f"{name}-lt", metadata_options=METADATA_OPTIONS, block_device_mappings=root_volume(args.disk_gib),
            network_interfaces=plain_interface(),
            tag_specifications=[{"resource_type": kind, "tags": tags} for kind in ("instance", "volume")],
            update_default_version=True, tags=tags, opts=child)
        self.node_group = aws.eks.NodeGroup(
            f"{name}-ng", cluster_name=args.cluster_name, node_role_arn=args.node_role_arn,
            subnet_ids=args.subnet_ids, ami_type=SYSTEM_AMI_TYPE, instance_types=[args.instance_type],
            capacity_type="ON_DEMAND", scaling_config=scaling(args.min_nodes, args.max_nodes),
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            labels={f"{LABEL_PREFIX}/pool": "system"},
            update_config={"max_unavailable": 1}, node_repair_config={"enabled": True}, tags=tags,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["scalingConfig.desiredSize"]))
        self.register_outputs({"node_group_name": self.node_group.node_group_name})
