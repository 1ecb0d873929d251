"""Scale from zero: cluster-autoscaler node-template tags on a node group's Auto Scaling group.

A pool at 0 nodes has no node the autoscaler can look at, so it learns what a new node would
carry (labels, taints, GPUs) from tags on the Auto Scaling group, and for an EKS managed node
group also from the EKS DescribeNodegroup API. EKS does not copy node group tags to the ASG, so
each tag the autoscaler must find there is an `aws.autoscaling.Tag` resource on the group's ASG.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

AUTOSCALER = "k8s.io/cluster-autoscaler"
TEMPLATE = f"{AUTOSCALER}/node-template"
# The only node label by which cluster-autoscaler's AWS provider knows a node (or a zero-node
# template) has GPUs: without it `--scale-down-gpu-utilization-threshold` never applies and a new
# node whose device plugin has not yet advertised `nvidia.com/gpu` looks like a failed scale-up,
# so the autoscaler adds more nodes. Its value is the GPU type (used for metrics).
# Source (read 2026-11-29): kubernetes/autoscaler@cluster-autoscaler-1.35.0
# cluster-autoscaler/cloudprovider/aws/aws_cloud_provider.go (`GPULabel =
# "k8s.amazonaws.com/accelerator"`, returned by GPULabel(), read by utils/gpu
# GetNodeGPUFromCloudProvider) and cloudprovider/aws/README.md "Special note on GPU instances".
GPU_LABEL = "k8s.amazonaws.com/accelerator"
# EKS taint effects are upper snake case; Kubernetes (and the autoscaler's tags) use CamelCase.
_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}


def autoscaler_discovery_tags(cluster_name: str) -> dict[str, str]:
    """Tags the autoscaler's auto-discovery looks for, and its IAM policy is scoped to."""
    return {f"{AUTOSCALER}/enabled": "true", f"{AUTOSCALER}/{cluster_name}": "owned"}


def node_template_tags(cluster_name: str, labels: Mapping[str, str], taints: Sequence[Mapping[str, str]],
                       resources: Mapping[str, int | str]) -> dict[str, str]:
    """Every ASG tag the autoscaler needs to scale a pool up from zero nodes."""
    tags = autoscaler_discovery_tags(cluster_name)
    for key, value in sorted(labels.items()):
        tags[f"{TEMPLATE}/label/{key}"] = value
    for taint in taints:
        tags[f"{TEMPLATE}/taint/{taint['key']}"] = f"{taint['value']}:{_EFFECTS[taint['effect']]}"
    for name, count in sorted(resources.items()):
        if count:
            tags[f"{TEMPLATE}/resources/{name}"] = str(count)
    return tags


def asg_template_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """The node-template tags that must be on the ASG itself; the rest the autoscaler gets elsewhere.

    cluster-autoscaler's AWS provider (cloudprovider/aws, `buildNodeFromTemplate`) builds a
    zero-node template from: the instance type (CPU, memory, `node.kubernetes.io/instance-type`,
    arch, zone); ASG tags; and, for an EKS managed node group (found by the `eks:cluster-name` and
    `eks:nodegroup-name` tags EKS puts on the ASG), the node group's labels and taints from
    eks:DescribeNodegroup, which the autoscaler's IAM policy grants (components/aws/cluster_addons.py;
    upstream proposal "circumvent-tag-limit-aws"). So labels and taints need no ASG tag. Kept:
    - the auto-discovery tags (`enabled`, `<cluster>`): discovery and the autoscaler's IAM
      condition need them on the ASG, and we do not rely on EKS adding them;
    - `resources/*`: extended resources (EFA interfaces) come from no API, and the GPU count is
      kept explicit rather than trusting the autoscaler's instance-type table;
    - the `eks.amazonaws.com/capacityType` label: older autoscaler releases return the node
      group's capacity type from DescribeNodegroup as `capacityType`, not as this label;
    - the GPU label (`GPU_LABEL`): a failed DescribeNodegroup call is only logged
      (aws_manager.go buildNodeFromTemplate), and a GPU template without the label makes the
      autoscaler misjudge every GPU scale-up, so it does not depend on that call.
    """
    keep = (f"{TEMPLATE}/resources/", f"{TEMPLATE}/label/eks.amazonaws.com/capacityType",
            f"{TEMPLATE}/label/{GPU_LABEL}")
    discovery = {k for k in tags if k.startswith(f"{AUTOSCALER}/") and not k.startswith(f"{TEMPLATE}/")}
    return {k: v for k, v in tags.items() if k in discovery or k.startswith(keep)}


def tag_resource_suffix(key: str) -> str:
    """A readable, name-safe suffix for the resource that sets one tag key."""
    short = key.removeprefix(f"{TEMPLATE}/").removeprefix(f"{AUTOSCALER}/")
    return re.sub(r"[^a-z0-9]+", "-", short.lower()).strip("-")


def tag_autoscaling_group(name: str, asg_name: pulumi.Input[str], tags: Mapping[str, str],
                          parent: pulumi.Resource) -> dict[str, aws.autoscaling.Tag]:
    """One Tag resource per key on the ASG, keyed by tag key (the ASG name is an Output input)."""
    suffixes = {key: tag_resource_suffix(key) for key in tags}
    if len(set(suffixes.values())) != len(suffixes):
        raise ValueError(f"tag keys collide after shortening: {sorted(tags)}")
    return {
        key: aws.autoscaling.Tag(
            f"{name}-asg-{suffixes[key]}", autoscaling_group_name=asg_name,
            # Only the autoscaler reads these; instances get their labels from EKS itself.
            tag={"key": key, "value": value, "propagate_at_launch": False},
            opts=pulumi.ResourceOptions(parent=parent))
        for key, value in tags.items()
    }
