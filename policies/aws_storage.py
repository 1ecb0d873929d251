"""S3 rules. In pulumi-aws 7 a bucket's settings are separate resources, so these are stack rules
that find each bucket's companions through the engine's property dependencies."""

from __future__ import annotations

import json

from rulekit import HIGH, MEDIUM, dig, environment_of, fmt, stack_rule

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _name(bucket) -> str:
    return str(dig(bucket.props, "bucket", default=bucket.name))


def _public_access(bucket, stack):
    blocks = stack.attached(bucket, PUBLIC_ACCESS_BLOCK)
    if not blocks:
        yield f"bucket '{_name(bucket)}' has no public access block"
    for block in blocks:
        off = [flag for flag in BLOCK_FLAGS if dig(block.props, flag) is not True]
        if off:
            yield f"bucket '{_name(bucket)}' public access block leaves off: {fmt(off)}"


def _encryption(bucket, stack):
    configs = stack.attached(bucket, SSE)
    algorithms = [dig(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")
                  for config in configs for rule in dig(config.props, "rules", default=[])]
    allowed = ["aws:kms", "aws:kms:dsse"]
    # S3 cannot deliver server access logs to an SSE-KMS bucket, so log targets may use SSE-S3.
    if stack.attached(bucket, LOGGING, prop="targetBucket"):
        allowed.append("AES256")
    if not any(a in allowed for a in algorithms):
        yield f"bucket '{_name(bucket)}' has no {'SSE-S3 or ' if 'AES256' in allowed else ''}SSE-KMS default encryption"


def _versioning(bucket, stack):
    statuses = [dig(v.props, "versioningConfiguration", "status") for v in stack.attached(bucket, VERSIONING)]
    if "Enabled" not in statuses:
        yield f"bucket '{_name(bucket)}' does not have versioning enabled"


def _denies_plain_http(document: str) -> bool:
    try:
        statements = json.loads(document).get("Statement", [])
    except (ValueError, AttributeError):
        return False
    if isinstance(statements, dict):
        statements = [statements]
    return any(s.get("Effect") == "Deny"
               and str(s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")).lower() == "false"
               for s in statements if isinstance(s, dict))


def _tls_only(bucket, stack):
    if not any(_denies_plain_http(str(dig(p.props, "policy", default=""))) for p in stack.attached(bucket, POLICY)):
        yield f"bucket '{_name(bucket)}' policy does not deny requests without TLS (aws:SecureTransport)"


def _access_logs(bucket, stack):
    if environment_of(bucket.props) not in stack.config.get("environments", ["prod"]):
        return
    # The log bucket itself is exempt: logging it would only log the logging.
    if not stack.attached(bucket, LOGGING) and not stack.attached(bucket, LOGGING, prop="targetBucket"):
        yield f"{environment_of(bucket.props)} bucket '{_name(bucket)}' has no server access logging"


_VIA_COMPONENT = "Declare buckets under mlinfra:buckets; S3Bucket creates {what} for every bucket. "

RULES = [
    stack_rule(
        "s3-public-access-block",
        "Every S3 bucket has all four public access block flags on (CIS AWS Foundations v1.4 2.1.5)",
        types=[BUCKET], check=_public_access, severity=HIGH,
        remediation=_VIA_COMPONENT.format(what="a complete public access block")
        + "Never add a public bucket by hand."),
    stack_rule(
        "s3-encryption",
        "S3 buckets encrypt with SSE-KMS by default, SSE-S3 for log targets (CIS AWS Foundations v1.4 2.1.1)",
        types=[BUCKET], check=_encryption, severity=HIGH,
        remediation=_VIA_COMPONENT.format(what="SSE-KMS with a bucket key")),
    stack_rule(
        "s3-versioning",
        "Every S3 bucket has versioning enabled (AWS FSBP S3.14)",
        types=[BUCKET], check=_versioning, severity=MEDIUM,
        remediation="Set buckets.<name>.versioning: true (the default) in the stack file."),
    stack_rule(
        "s3-tls-only",
        "Every S3 bucket policy denies requests not made over TLS (CIS AWS Foundations v1.4 2.1.2)",
        types=[BUCKET], check=_tls_only, severity=HIGH,
        remediation=_VIA_COMPONENT.format(what="a TLS-only bucket policy")),
    stack_rule(
        "s3-access-logging",
        "Prod S3 buckets, except log targets, have server access logging (AWS FSBP S3.9)",
        types=[BUCKET], check=_access_logs, severity=MEDIUM,
        config={"environments": {"type": "array", "items": {"type": "string"}, "default": ["prod"]}},
        remediation="Give prod buckets an aws.s3.BucketLogging to a log bucket (S3Bucket access logs)."),
]
