"""EksGpuNodePool: a managed node group of GPU machines that scales from zero and only runs GPU work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws.launch_template import METADATA_OPTIONS, efa_interfaces, plain_interface, root_volume
from components.aws.node_template import GPU_LABEL, asg_template_tags, node_template_tags, tag_autoscaling_group
from components.aws.node_user_data import local_nvme_node_config, mime_user_data
from components.tags import with_tags

GPU_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}
LABEL_PREFIX = "mlinfra.io"
CAPACITY_TYPES = ("ON_DEMAND", "SPOT", "CAPACITY_BLOCK")


def gpu_node_labels(pool: str, accelerator: str, capacity_type: str,
                    extra: Mapping[str, str]) -> dict[str, str]:
    """Labels every node of the pool carries: pool, accelerator and capacity for workloads, and the
    GPU label cluster-autoscaler needs to treat the nodes as GPU nodes."""
    return {
        **extra,
        f"{LABEL_PREFIX}/pool": pool,
        f"{LABEL_PREFIX}/accelerator": accelerator,
        f"{LABEL_PREFIX}/capacity-type": capacity_type.lower().replace("_", "-"),
        GPU_LABEL: accelerator,
    }


# cluster-autoscaler's AWS provider builds a zero-node template's capacity from the instance type (CPU, memory,
# GPUs) and the ASG's `node-template/resources/*` tags only, so without this tag a pod that requests
# ephemeral-storage never triggers a scale-up from zero (kubernetes/autoscaler@cluster-autoscaler-1.35.2:
# cluster-autoscaler/cloudprovider/aws/aws_manager.go buildNodeFromTemplate, read 2026-12-07). It also sets
# allocatable to capacity, so the tag states what a pod can really get: the disk less the kubelet's default
# hard-eviction reserve, the 10% the same release's GCE provider subtracts
# (cloudprovider/gce/gce_reserved.go defaultKubeletEvictionHardEphemeralStorageRatio = 0.1).
EVICTION_RESERVE = 0.1


def template_ephemeral_storage(disk_gib: int) -> str:
    """The ephemeral-storage a node of `disk_gib` offers pods, as the autoscaler's resources tag value."""
    return f"{int(disk_gib * (1 - EVICTION_RESERVE))}Gi"


def scaling(min_nodes: int, max_nodes: int) -> dict[str, int]:
    """Scaling config; desired starts at min and is the autoscaler's from then on."""
    if not 0 <= min_nodes <= max_nodes or max_nodes < 1:
        raise ValueError(f"need 0 <= min_nodes <= max_nodes and max_nodes >= 1 "
                         f"(got {min_nodes}..{max_nodes})")
    return {"min_size": min_nodes, "max_size": max_nodes, "desired_size": min_nodes}


RESERVED_NODES_TAG = "mlinfra:reserved-nodes"


def reserved_nodes_tag(count: int) -> dict[str, str]:
    """The tag that tells the cost estimate how many reserved instances to bill, used or not (none: no tag)."""
    return {RESERVED_NODES_TAG: str(count)} if count else {}


def capacity_targeting(reservation_id: str | None, block_id: str | None) -> dict:
    """Launch-template settings that put nodes into a capacity reservation or capacity block."""
    if reservation_id and block_id:
        raise ValueError("target a capacity reservation or a capacity block, not both")
    target = block_id or reservation_id
    if not target:
        return {}
    spec = {"capacity_reservation_specification": {
        "capacity_reservation_target": {"capacity_reservation_id": target}}}
    if block_id:
        spec["instance_market_options"] = {"market_type": "capacity-block"}
    return spec


def efa_security_group(name: str, vpc_id: pulumi.Input[str], tags: Mapping[str, str],
                       child: pulumi.ResourceOptions) -> aws.ec2.SecurityGroup:
    """A group admitting all traffic to and from its own members, which EFA requires, and nothing else.

    "Use the following commands to attach inbound and outbound security group rules ... --protocol -1
    --source-group efa-secgroup-id" for both directions (AWS PCS User Guide, "Create a security group to
    support EFA communications", https://docs.aws.amazon.com/pcs/latest/userguide/
    working-with_networking_efa_create-sg.html, read 2026-12-07).
    """
    group = aws.ec2.SecurityGroup(f"{name}-efa-sg", description=f"EFA traffic between the nodes of {name}",
                                  vpc_id=vpc_id, tags=with_tags(tags, Name=f"{name}-efa"), opts=child)
    for direction, rule in (("in", aws.vpc.SecurityGroupIngressRule), ("out", aws.vpc.SecurityGroupEgressRule)):
        rule(f"{name}-efa-{direction}", security_group_id=group.id, ip_protocol="-1",
             referenced_security_group_id=group.id, description=f"all EFA traffic within {name}",
             tags=tags, opts=child)
    return group


def first_asg_name(resources: Sequence[aws.eks.outputs.NodeGroupResource]) -> str:
    """The Auto Scaling group of a node group's `resources` output (a managed group has exactly one)."""
    return resources[0].autoscaling_groups[0].name


def asg_name(group: aws.eks.NodeGroup) -> pulumi.Output[str]:
    """The name of the Auto Scaling group EKS made for a node group (unknown until it exists)."""
    return group.resources.apply(first_asg_name)


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
    # ON_DEMAND, SPOT or CAPACITY_BLOCK.
    capacity_type: str = "ON_DEMAND"
    disk_gib: int = 200
    labels: Mapping[str, str] = field(default_factory=dict)
    # The cluster's physical name, known before it exists; names the autoscaler's tags.
    autoscaler_cluster_name: str | None = None
    # EFA interfaces per node (0: none); they need the cluster security group and the VPC, where the
    # pool gets a security group that admits all traffic between its own members.
    efa_interfaces: int = 0
    cluster_security_group_id: pulumi.Input[str] | None = None
    vpc_id: pulumi.Input[str] | None = None
    placement_group: bool = False
    capacity_reservation_id: str | None = None
    capacity_block_id: str | None = None
    # Instances the reservation or block holds; tagged on the node group so the cost estimate bills them.
    reserved_nodes: int = 0
    node_repair: bool = True
    # The instance store's size when the pool keeps its ephemeral storage (and so emptyDir caches) on local NVMe.
    local_nvme_gib: int | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


class EksGpuNodePool(pulumi.ComponentResource):
    """Launch template (IMDSv2, encrypted disk, no public IP), tainted node group, autoscaler ASG tags."""

    node_group_name: pulumi.Output[str]

    def __init__(self, name: str, args: EksGpuNodePoolArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:EksGpuNodePool", name, None, opts)
        if args.capacity_type not in CAPACITY_TYPES:
            raise ValueError(f"capacity_type must be one of {CAPACITY_TYPES} (got {args.capacity_type})")
        if args.efa_interfaces and (args.cluster_security_group_id is None or args.vpc_id is None):
            raise ValueError("EFA interfaces need cluster_security_group_id and vpc_id")
        child = pulumi.ResourceOptions(parent=self)
        tags = with_tags(args.tags, Name=name)
        labels = gpu_node_labels(name, args.accelerator, args.capacity_type, args.labels)

        extra: dict = capacity_targeting(args.capacity_reservation_id, args.capacity_block_id)
        if args.placement_group:
            # A cluster placement group packs nodes close together for EFA's low latency.
            group = aws.ec2.PlacementGroup(f"{name}-pg", strategy="cluster", tags=tags, opts=child)
            extra["placement"] = {"group_name": group.name}
        interfaces = plain_interface()
        if args.efa_interfaces:
            efa_group = efa_security_group(name, args.vpc_id, tags, child)
            interfaces = efa_interfaces(args.efa_interfaces, [args.cluster_security_group_id, efa_group.id])

        if args.local_nvme_gib:
            extra["user_data"] = mime_user_data(local_nvme_node_config())
        template = aws.ec2.LaunchTemplate(
            f"{name}-lt",
            metadata_options=METADATA_OPTIONS,
            block_device_mappings=root_volume(args.disk_gib),
            network_interfaces=interfaces,
            tag_specifications=[{"resource_type": kind, "tags": tags} for kind in ("instance", "volume")],
            update_default_version=True,
            tags=tags, opts=child, **extra)

        template_tags: dict[str, str] = {}
        if args.autoscaler_cluster_name:
            resources = {"nvidia.com/gpu": args.gpus_per_node, "vpc.amazonaws.com/efa": args.efa_interfaces,
                         "ephemeral-storage": template_ephemeral_storage(args.local_nvme_gib or args.disk_gib)}
            template_tags = node_template_tags(
                args.autoscaler_cluster_name,
                {**labels, "node.kubernetes.io/instance-type": args.instance_type,
                 "eks.amazonaws.com/capacityType": args.capacity_type},
                [GPU_TAINT], resources)
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
            node_repair_config={"enabled": args.node_repair},
            # The same node-template tags as the ASG's, so a reviewer (and the policy pack) can
            # see on the node group itself that it scales up from zero.
            tags=with_tags(tags, template_tags, reserved_nodes_tag(args.reserved_nodes)),
            # The cluster autoscaler owns the node count once the group exists.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["scalingConfig.desiredSize"]))

        self.asg_tags: dict[str, aws.autoscaling.Tag] = {}
        if template_tags:
            # Only what the autoscaler cannot learn from EKS itself: one Tag resource per key.
            self.asg_tags = tag_autoscaling_group(name, asg_name(group), asg_template_tags(template_tags), self)

        self.node_group_name = group.node_group_name
        self.register_outputs({"node_group_name": self.node_group_name})
