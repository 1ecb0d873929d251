"""Scale from zero: cluster-autoscaler node-template tags on a node group's Auto Scaling group.

A pool at 0 nodes has no node the autoscaler can look at, so it learns what a new node would
carry (labels, taints, GPUs) from tags on the Auto Scaling group. EKS managed node groups do not
copy their labels and taints there, so each tag is an `aws.autoscaling.Tag` resource on the
group's ASG (terraform-aws-eks declined to do this; users keep asking for it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

AUTOSCALER = "k8s.io/cluster-autoscaler"
TEMPLATE = f"{AUTOSCALER}/node-template"
# EKS taint effects are upper snake case; Kubernetes (and the autoscaler's tags) use CamelCase.
_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}


def autoscaler_discovery_tags(cluster_name: str) -> dict[str, str]:
    """Tags the autoscaler's auto-discovery looks for, and its IAM policy is scoped to."""
    return {f"{AUTOSCALER}/enabled": "true", f"{AUTOSCALER}/{cluster_name}": "owned"}


def node_template_tags(cluster_name: str, labels: Mapping[str, str], taints: Sequence[Mapping[str, str]],
                       resources: Mapping[str, int]) -> dict[str, str]:
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
