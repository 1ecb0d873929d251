"""The AWS Load Balancer Controller's IAM policy, trimmed to binding pods into stack-owned target groups.

Based on the controller's published policy, kubernetes-sigs/aws-load-balancer-controller
docs/install/iam_policy.json. Our load balancers, listeners, target groups and security groups
are Pulumi resources, so the statements that let the controller create, modify or delete
them (and tag, WAF, Shield and Cognito actions) are left out: the controller reads state,
registers and deregisters pod IPs, and opens the pods' security group to the balancer's.
An Ingress or a LoadBalancer Service asking it to create a balancer fails on purpose.

Re-checked for chart 3.5.0 (controller v3.5.0): kubernetes-sigs/aws-load-balancer-controller
docs/install/iam_policy.json at v3.5.0 grants exactly the actions it granted at v2.13.4 (read
2026-11-29), so the bump from 2.13.4 needs no action added here.

Scoping (read 2026-11-29 at kubernetes-sigs/aws-load-balancer-controller@v3.5.0, the controller of
chart 3.5.0, and the same at v2.13.4): the reference policy (docs/install/iam_policy.json) allows
security-group ingress changes on `*` and scopes them by `aws:ResourceTag/elbv2.k8s.aws/cluster`
only for groups the controller created; it allows target registration on `targetgroup/*/*` in
any region and account. Here both are narrowed the same way, by resource tag, to this cluster's
own resources:
- the pods' security group: the controller opens the group of the pod's network interface, and
  where an interface has several, the one tagged `kubernetes.io/cluster/<cluster>`
  (pkg/networking/networking_manager.go, resolveEndpointSGForENI); EKS tags its cluster security
  group, the one managed node groups' interfaces carry, `kubernetes.io/cluster/<cluster>: owned`
  (Amazon EKS User Guide, "Amazon EKS security group requirements",
  docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html). Only groups with that tag, in this
  account and region.
- target groups: only those AwsLoadBalancer tagged `mlinfra.io/lb-controller-cluster: <cluster>`,
  in this account and region.
Actions are unchanged by this scoping; a chart bump changes actions, not these conditions.
"""

from __future__ import annotations

import json

# From the published policy's first statement (read-only, which AWS only scopes to "*").
DESCRIBE_ACTIONS = (
    "ec2:DescribeAccountAttributes",
    "ec2:DescribeAddresses",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInstances",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeTags",
    "ec2:DescribeVpcs",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
)
# AwsLoadBalancer tags its target groups with this key and the cluster's name.
TARGET_GROUP_CLUSTER_TAG = "mlinfra.io/lb-controller-cluster"
TARGET_ACTIONS = ("elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets")
SECURITY_GROUP_ACTIONS = ("ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress")


def controller_policy(cluster_name: str, region: str, account_id: str, partition: str = "aws") -> str:
    """The trimmed policy document: describe, (de)register targets, and pod security group ingress.

    Writes are limited to this account and region and, by resource tag, to this cluster's target
    groups and security groups.
    """
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Describe", "Effect": "Allow", "Action": list(DESCRIBE_ACTIONS), "Resource": "*"},
            {"Sid": "RegisterPodTargets", "Effect": "Allow", "Action": list(TARGET_ACTIONS),
             "Resource": f"arn:{partition}:elasticloadbalancing:{region}:{account_id}:targetgroup/*/*",
             "Condition": {"StringEquals": {f"aws:ResourceTag/{TARGET_GROUP_CLUSTER_TAG}": cluster_name}}},
            {"Sid": "OpenPodSecurityGroupsToBalancers", "Effect": "Allow", "Action": list(SECURITY_GROUP_ACTIONS),
             "Resource": f"arn:{partition}:ec2:{region}:{account_id}:security-group/*",
             "Condition": {"StringEquals": {f"aws:ResourceTag/kubernetes.io/cluster/{cluster_name}":
                                            ["owned", "shared"]}}},
        ],
    })
