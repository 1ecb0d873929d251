"""AWS account-baseline rules the scanners check: key policies, encrypted log groups, closed default groups."""

from __future__ import annotations

import json
import re

from rulekit import HIGH, MEDIUM, dig, has, resource_rule, stack_rule

KEY = "aws:kms/key:Key"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
VPC = "aws:ec2/vpc:Vpc"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
ACCOUNT_ROOT = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:root$")


def _principals(statement: dict) -> list[str]:
    principal = statement.get("Principal")
    found = principal.get("AWS", []) if isinstance(principal, dict) else []
    return [found] if isinstance(found, str) else list(found)


def _key_policy(props, ctx):
    # Without an explicit policy AWS applies its default, and nothing in the plan shows who may use the key.
    document = dig(props, "policy")
    if not document:
        yield f"KMS key '{ctx.name}' has no explicit key policy"
        return
    try:
        statements = json.loads(document).get("Statement", [])
    except (ValueError, AttributeError):
        yield f"KMS key '{ctx.name}' key policy is not a JSON policy document"
        return
    if isinstance(statements, dict):
        statements = [statements]
    administered = any(s.get("Effect") == "Allow" and any(ACCOUNT_ROOT.match(p) for p in _principals(s))
                       for s in statements if isinstance(s, dict))
    if not administered:
        yield f"KMS key '{ctx.name}' key policy lets no account root administer it (arn:aws:iam::<account>:root)"


def _log_group_key(props, ctx):
    # `has`, not the value: the key's ARN is unknown until the key exists.
    if not has(props, "kmsKeyId"):
        yield f"log group '{ctx.name}' is not encrypted with a customer-managed KMS key (kmsKeyId)"


def _default_sg_closed(vpc, stack):
    groups = stack.attached(vpc, DEFAULT_SG, prop="vpcId")
    if not groups:
        yield f"VPC '{vpc.name}' keeps AWS's default security group rules (no DefaultSecurityGroup adopts it)"
    for group in groups:
        open_ = [d for d in ("ingress", "egress") if dig(group.props, d, default=[])]
        if open_:
            yield f"VPC '{vpc.name}' default security group has {' and '.join(open_)} rules"


RULES = [
    resource_rule(
        "kms-key-policy",
        "KMS keys have an explicit key policy the account administers (practice: Checkov CKV2_AWS_64)",
        types=[KEY], check=_key_policy, severity=HIGH,
        remediation="Create keys through mlinfra's components: each gets a key policy naming the account root "
                    "and only the services that use it (components/aws/kms_policy.py)."),
    resource_rule(
        "cloudwatch-log-group-encrypted",
        "CloudWatch log groups are encrypted with a customer-managed KMS key (practice: Checkov CKV_AWS_158)",
        types=[LOG_GROUP], check=_log_group_key, severity=MEDIUM,
        remediation="EksCluster and AwsNetwork give their log groups a key of their own; set kmsKeyId on any "
                    "other log group."),
    stack_rule(
        "vpc-default-security-group-closed",
        "The default security group of every created VPC has no rules (practice: Checkov CKV2_AWS_12)",
        types=[VPC], check=_default_sg_closed, severity=MEDIUM,
        remediation="Create VPCs through AwsNetwork, which adopts the default group with no ingress or egress."),
]
