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
TARGET_ACTIONS = ("elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets")
SECURITY_GROUP_ACTIONS = ("ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress")


def controller_policy(partition: str = "aws") -> str:
    """The trimmed policy document: describe, (de)register targets, and pod security group ingress."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Describe", "Effect": "Allow", "Action": list(DESCRIBE_ACTIONS), "Resource": "*"},
            {"Sid": "RegisterPodTargets", "Effect": "Allow", "Action": list(TARGET_ACTIONS),
             "Resource": f"arn:{partition}:elasticloadbalancing:*:*:targetgroup/*/*"},
            {"Sid": "OpenPodSecurityGroupsToBalancers", "Effect": "Allow", "Action": list(SECURITY_GROUP_ACTIONS),
             "Resource": f"arn:{partition}:ec2:*:*:security-group/*"},
        ],
    })
