"""TransferSourceRole: the role Storage Transfer Service assumes to read one dataset from S3, no keys.

Storage Transfer Service calls `AssumeRoleWithWebIdentity` as its Google-managed service account
(pulumi-gcp 10.2.0 `TransferJobTransferSpecAwsS3DataSource.role_arn`; cloud.google.com/storage-transfer/
docs/source-amazon-s3, "federated identity role", read 2026-12-07). The trust admits only that account's
subject id (`accounts.google.com:sub`, the `subjectId` googleServiceAccounts.get returns), and the policy is
the source page's list (s3:ListBucket, s3:GetBucketLocation, s3:GetObject) scoped to the dataset's prefix.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws.iam import RoleBounds
from components.aws.s3_bucket import bucket_arn

GOOGLE_IDP = "accounts.google.com"


def transfer_trust_policy(subject_id: str) -> str:
    """Only the transfer service's Google service account, by its subject id, through web identity."""
    if not subject_id.isdigit():
        raise ValueError(f"a Google service account subject id is numeric (got {subject_id!r})")
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": GOOGLE_IDP}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{GOOGLE_IDP}:sub": subject_id}}}]})


def transfer_read_policy(bucket: str, prefix: str, kms_key_arn: str | None) -> str:
    """Read the prefix's objects and list under it; decrypt with the bucket's key when it has one."""
    arn = bucket_arn(bucket)
    listing: dict = {"Sid": "List", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                     "Resource": arn}
    if prefix:
        # GetBucketLocation carries no s3:prefix, so it gets its own unconditioned statement.
        listing["Action"] = ["s3:ListBucket"]
        listing["Condition"] = {"StringLike": {"s3:prefix": [f"{prefix}*"]}}
    statements = [listing, {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject"],
                            "Resource": f"{arn}/{prefix}*"}]
    if prefix:
        statements.append({"Sid": "Location", "Effect": "Allow", "Action": ["s3:GetBucketLocation"], "Resource": arn})
    if kms_key_arn:
        statements.append({"Sid": "Decrypt", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": kms_key_arn})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@dataclass(frozen=True)
class TransferSourceRoleArgs:
    """Inputs of TransferSourceRole."""

    bucket: str
    prefix: str
    # The transfer service account's subject id (googleServiceAccounts.get `subjectId`).
    subject_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    bounds: RoleBounds = field(default_factory=RoleBounds)


class TransferSourceRole(pulumi.ComponentResource):
    """The federated role and its read policy."""

    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: TransferSourceRoleArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:TransferSourceRole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(f"{name}-role", tags=args.tags, opts=child, **args.bounds.role(),
                            assume_role_policy=pulumi.Output.from_input(args.subject_id).apply(transfer_trust_policy))
        policy = pulumi.Output.from_input(args.kms_key_arn).apply(
            lambda key: transfer_read_policy(args.bucket, args.prefix, key))
        aws.iam.RolePolicy(f"{name}-read", role=role.name, policy=policy, opts=child)
        self.role_arn = role.arn
        self.register_outputs({"role_arn": self.role_arn})
