"""AwsLbController: the AWS Load Balancer Controller, on a pinned chart, with a least-privilege Pod Identity role."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.aws.iam import RoleBounds, account_id_or_lookup, assume_role_policy
from components.aws.lb_controller_policy import controller_policy
from components.aws.pod_identity import pod_identity_trust_policy
from components.k8s.helm_chart import HelmChart

# The release keeps the chart's name. The chart is pinned by the caller (infra's chart catalog);
# a bump re-checks the trimmed IAM policy in lb_controller_policy.py against that release.
RELEASE_NAME = "aws-load-balancer-controller"
NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "aws-load-balancer-controller"


def helm_values(cluster_name: pulumi.Input[str], region: str, vpc_id: pulumi.Input[str],
                replicas: int) -> dict[str, Any]:
    """Chart values: binding-only, so it never creates balancers or rewrites Services of its own accord."""
    return {
        "clusterName": cluster_name,
        "region": region,
        # Given explicitly so the controller never needs IMDS, which IMDSv2 hop limit 1 blocks for pods.
        "vpcId": vpc_id,
        "replicaCount": replicas,
        "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
        # Load balancers are stack resources; the controller only fills their target groups.
        "createIngressClassResource": False,
        "enableServiceMutatorWebhook": False,
        "enableShield": False,
        "enableWaf": False,
        "enableWafv2": False,
        "podDisruptionBudget": {"maxUnavailable": 1},
    }


@dataclass(frozen=True)
class AwsLbControllerArgs:
    """Inputs of AwsLbController."""

    cluster_name: pulumi.Input[str]
    """The EKS cluster the controller runs in."""
    vpc_id: pulumi.Input[str]
    """The cluster's VPC."""
    region: str
    """The cluster's region."""
    k8s_provider: pulumi.ProviderResource
    """The cluster's Kubernetes provider."""
    chart: HelmChart
    """The pinned eks-charts aws-load-balancer-controller chart."""
    replicas: int = 2
    """Controller replicas; two keep bindings flowing through a node drain."""
    depends_on: Sequence[pulumi.Resource] = ()
    """What the release waits for: nodes to run on and the EKS Pod Identity agent add-on."""
    account_id: pulumi.Input[str] | None = None
    """With `cluster_arn`: the role trusts only this cluster's controller service account."""
    cluster_arn: pulumi.Input[str] | None = None
    """The cluster's ARN, for the trust policy's source condition."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on the IAM role, policy and association."""
    bounds: RoleBounds = field(default_factory=RoleBounds)
    """Boundary and IAM path of the role and policy: the deploy role creates roles only with them."""
    cluster_name_output: pulumi.Input[str] | None = None
    """The cluster's name read from the cluster resource: the Pod Identity association names the cluster
    through it, so on a first `pulumi up` it waits for the cluster instead of racing it (EKS refuses an
    association for a cluster that does not exist yet)."""


class AwsLbController(pulumi.ComponentResource):
    """IAM role and policy, Pod Identity association and the controller's Helm release."""

    role_arn: pulumi.Output[str]
    release_status: pulumi.Output[Any]

    def __init__(self, name: str, args: AwsLbControllerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:LbController", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        trust: pulumi.Input[str] = assume_role_policy("pods.eks.amazonaws.com", ("sts:AssumeRole", "sts:TagSession"))
        if args.account_id is not None and args.cluster_arn is not None:
            trust = pulumi.Output.all(args.account_id, args.cluster_arn).apply(
                lambda v: pod_identity_trust_policy(v[0], v[1], NAMESPACE, SERVICE_ACCOUNT))
        role = aws.iam.Role(f"{name}-role", assume_role_policy=trust, tags=args.tags, opts=child,
                            **args.bounds.role())
        account = account_id_or_lookup(args.account_id, self)
        policy = aws.iam.Policy(f"{name}-policy", description="AWS Load Balancer Controller, binding only",
                                policy=pulumi.Output.all(args.cluster_name, account).apply(
                                    lambda v: controller_policy(v[0], args.region, v[1])),
                                tags=args.tags, opts=child, **args.bounds.policy())
        attachment = aws.iam.RolePolicyAttachment(f"{name}-policy", role=role.name, policy_arn=policy.arn,
                                                  opts=child)
        association = aws.eks.PodIdentityAssociation(
            f"{name}-identity",
            cluster_name=args.cluster_name if args.cluster_name_output is None else args.cluster_name_output,
            namespace=NAMESPACE,
            service_account=SERVICE_ACCOUNT, role_arn=role.arn, tags=args.tags, opts=child)
        release = k8s.helm.v3.Release(
            f"{name}-release", name=RELEASE_NAME, **args.chart.release_args(), namespace=NAMESPACE,
            values=helm_values(args.cluster_name, args.region, args.vpc_id, args.replicas),
            # Without its credentials in place first, the controller crash-loops on start.
            opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider,
                                        depends_on=[association, attachment, *args.depends_on]))

        self.role_arn = role.arn
        self.release_status = release.status
        self.register_outputs({"role_arn": self.role_arn, "release_status": self.release_status})
