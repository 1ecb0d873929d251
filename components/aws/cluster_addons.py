"""GPU cluster add-ons as Helm releases: cluster-autoscaler, NVIDIA device plugin, DCGM exporter.

Chart versions and the autoscaler image are pinned by the caller (infra's chart catalog, where
each pin's source and supported Kubernetes versions are written down), so a plan never changes
because a chart repository moved on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.aws.gpu_node_pool import GPU_TAINT, LABEL_PREFIX
from components.aws.iam import RoleBounds
from components.aws.node_template import AUTOSCALER
from components.aws.pod_identity import pod_identity_trust_policy
from components.k8s.helm_chart import HelmChart
from components.monitoring.dcgm_counters import counters_csv

AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler"
GPU_TOLERATION = {"key": GPU_TAINT["key"], "operator": "Exists", "effect": "NoSchedule"}
# Only nodes of an mlinfra GPU pool carry this label.
GPU_NODE_AFFINITY = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
    "nodeSelectorTerms": [{"matchExpressions": [
        {"key": f"{LABEL_PREFIX}/accelerator", "operator": "Exists"}]}]}}}
DESCRIBE_ACTIONS = (
    "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
    "autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements",
)
SCALE_ACTIONS = ("autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup")


def autoscaler_policy(cluster_name: str, region: str, account_id: str) -> str:
    """Least-privilege cluster-autoscaler policy: it may only resize this cluster's tagged groups."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "ScaleOwnGroups", "Effect": "Allow", "Action": list(SCALE_ACTIONS),
         "Resource": f"arn:aws:autoscaling:{region}:{account_id}:autoScalingGroup:*:autoScalingGroupName/*",
         "Condition": {"StringEquals": {f"aws:ResourceTag/{AUTOSCALER}/{cluster_name}": "owned",
                                        f"aws:ResourceTag/{AUTOSCALER}/enabled": "true"}}},
        {"Sid": "DescribeNodegroups", "Effect": "Allow", "Action": ["eks:DescribeNodegroup"],
         "Resource": f"arn:aws:eks:{region}:{account_id}:nodegroup/{cluster_name}/*"},
        # Describe calls support no resource-level permissions, so AWS only accepts "*" here;
        # they are read-only.
        {"Sid": "Describe", "Effect": "Allow", "Action": list(DESCRIBE_ACTIONS), "Resource": "*"},
    ]})


def expander_priorities(pool_capacity: Mapping[str, str]) -> dict[int, list[str]]:
    """Priority-expander tiers: spot pools first, then everything else (on-demand, fallbacks)."""
    spot = sorted(f".*{pool}-ng-.*" for pool, cap in pool_capacity.items() if cap == "SPOT")
    tiers = {10: [".*"]}
    if spot:
        tiers[50] = spot
    return tiers


def autoscaler_values(cluster_name: str, region: str, image_tag: str,
                      priorities: Mapping[int, Sequence[str]]) -> dict:
    """cluster-autoscaler chart values: auto-discovery, spot-first expander, GPU-aware scale-down."""
    return {
        "cloudProvider": "aws",
        "awsRegion": region,
        "autoDiscovery": {"clusterName": cluster_name},
        # A release of the cluster's own minor: the autoscaler's minor must match the cluster's.
        "image": {"tag": image_tag},
        "rbac": {"serviceAccount": {"create": True, "name": AUTOSCALER_SERVICE_ACCOUNT}},
        "expanderPriorities": {str(k): list(v) for k, v in sorted(priorities.items())},
        "extraArgs": {
            "expander": "priority,least-waste",
            "balance-similar-node-groups": True,
            "skip-nodes-with-system-pods": False,
            # Idle GPU nodes are the most expensive thing in the cluster: remove them quickly.
            "scale-down-unneeded-time": "5m",
            "scale-down-delay-after-add": "5m",
            "scale-down-gpu-utilization-threshold": 0.1,
        },
        "nodeSelector": {f"{LABEL_PREFIX}/pool": "system"},
    }


def device_plugin_values() -> dict:
    """NVIDIA device plugin values: tolerates the GPU taint and runs only on GPU nodes."""
    return {"tolerations": [GPU_TOLERATION], "affinity": GPU_NODE_AFFINITY}


def dcgm_values() -> dict:
    """DCGM exporter values: GPU nodes only; no ServiceMonitor until a Prometheus operator exists."""
    return {"tolerations": [GPU_TOLERATION], "affinity": GPU_NODE_AFFINITY,
            "serviceMonitor": {"enabled": False},
            # The chart's counters plus throttling and NVLink errors, for the alerts that read them.
            "customMetrics": counters_csv()}


def efa_device_plugin_values() -> dict:
    """EFA device plugin values: tolerate the GPU taint (the chart's own affinity keeps it to EFA instance types)."""
    return {"tolerations": [GPU_TOLERATION]}


@dataclass(frozen=True)
class EksClusterAddonsArgs:
    """Inputs of EksClusterAddons."""

    cluster_name: str
    cluster_name_output: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    account_id: pulumi.Input[str]
    region: str
    provider: k8s.Provider
    # Pinned charts and the autoscaler image tag for the cluster's Kubernetes minor.
    autoscaler_chart: HelmChart
    autoscaler_image_tag: str
    device_plugin_chart: HelmChart
    dcgm_chart: HelmChart
    # The AWS EFA device plugin, on clusters with EFA pools: it advertises vpc.amazonaws.com/efa to pods.
    efa_device_plugin_chart: HelmChart | None = None
    # GPU pool component name -> capacity type, for the spot-first expander.
    pool_capacity: Mapping[str, str] = field(default_factory=dict)
    cluster_autoscaler: bool = True
    gpu_addons: bool = True
    # What the releases wait for (nodes to run on, the Pod Identity agent).
    depends_on: Sequence[pulumi.Resource] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    # Boundary and IAM path of the roles created here: the deploy role creates roles only with them.
    bounds: RoleBounds = field(default_factory=RoleBounds)


class EksClusterAddons(pulumi.ComponentResource):
    """Helm releases on the cluster's own Kubernetes provider, plus the autoscaler's Pod Identity role."""

    releases: dict[str, k8s.helm.v3.Release]

    def __init__(self, name: str, args: EksClusterAddonsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:EksClusterAddons", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=list(args.depends_on))
        self.releases = {}
        if args.cluster_autoscaler:
            role = aws.iam.Role(
                f"{name}-autoscaler", tags=args.tags, opts=child, **args.bounds.role(),
                assume_role_policy=pulumi.Output.all(args.account_id, args.cluster_arn).apply(
                    lambda v: pod_identity_trust_policy(v[0], v[1], "kube-system", AUTOSCALER_SERVICE_ACCOUNT)))
            aws.iam.RolePolicy(f"{name}-autoscaler", role=role.name, opts=child,
                               policy=pulumi.Output.from_input(args.account_id).apply(
                                   lambda account: autoscaler_policy(args.cluster_name, args.region, account)))
            association = aws.eks.PodIdentityAssociation(
                f"{name}-autoscaler", cluster_name=args.cluster_name_output, namespace="kube-system",
                service_account=AUTOSCALER_SERVICE_ACCOUNT, role_arn=role.arn, tags=args.tags, opts=child)
            values = autoscaler_values(args.cluster_name, args.region, args.autoscaler_image_tag,
                                       expander_priorities(args.pool_capacity))
            self.releases["cluster-autoscaler"] = self._release(
                name, args.autoscaler_chart, "kube-system", values,
                pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=[association])))
        if args.gpu_addons:
            self.releases["nvidia-device-plugin"] = self._release(
                name, args.device_plugin_chart, "kube-system", device_plugin_values(), on_cluster)
            self.releases["dcgm-exporter"] = self._release(
                name, args.dcgm_chart, "kube-system", dcgm_values(), on_cluster)
        if args.efa_device_plugin_chart is not None:
            self.releases["aws-efa-k8s-device-plugin"] = self._release(
                name, args.efa_device_plugin_chart, "kube-system", efa_device_plugin_values(), on_cluster)
        self.register_outputs({})

    @staticmethod
    def _release(name: str, chart: HelmChart, namespace: str, values: dict,
                 opts: pulumi.ResourceOptions) -> k8s.helm.v3.Release:
        return k8s.helm.v3.Release(
            f"{name}-{chart.chart}", name=chart.chart, **chart.release_args(), namespace=namespace,
            values=values, atomic=True, opts=opts)
