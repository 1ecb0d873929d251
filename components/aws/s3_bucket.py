"""S3Bucket: a private, KMS-encrypted, versioned bucket reachable only over TLS."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.tags import with_tags

PUBLIC_ACCESS_FLAGS = ("block_public_acls", "block_public_policy", "ignore_public_acls",
                       "restrict_public_buckets")


def bucket_arn(bucket_name: str, partition: str = "aws") -> str:
    """A bucket's ARN, known before the bucket exists."""
    return f"arn:{partition}:s3:::{bucket_name}"


def tls_only_policy(bucket_name: str) -> str:
    """Bucket policy denying every request not made over TLS."""
    arn = bucket_arn(bucket_name)
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }],
    })


def lifecycle_rules(noncurrent_days: int, abort_multipart_days: int) -> list[dict]:
    """Expire old object versions and clean up abandoned multipart uploads."""
    return [{
        "id": "expire-noncurrent-and-abort-multipart",
        "status": "Enabled",
        "filter": {},
        "noncurrent_version_expiration": {"noncurrent_days": noncurrent_days},
        "abort_incomplete_multipart_upload": {"days_after_initiation": abort_multipart_days},
    }]


@dataclass(frozen=True)
class S3BucketArgs:
    """Inputs of S3Bucket."""

    bucket_name: str
    versioning: bool = True
    noncurrent_version_expiration_days: int = 30
    abort_incomplete_multipart_days: int = 7
    # Use an existing KMS key instead of creating one for this bucket.
    kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False
    retain_on_delete: bool = False
    # Only sandboxes may empty a bucket on destroy.
    force_destroy: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)


class S3Bucket(pulumi.ComponentResource):
    """Bucket plus public access block, owner-enforced ownership, SSE-KMS, versioning, TLS-only policy."""

    bucket_name: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: S3BucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:S3Bucket", name, None, opts)
        keep = pulumi.ResourceOptions(parent=self, protect=args.protect,
                                      retain_on_delete=args.retain_on_delete)

        key_arn = args.kms_key_arn
        if key_arn is None:
            key = aws.kms.Key(f"{name}-key", description=f"Encryption for s3://{args.bucket_name}",
                              enable_key_rotation=True, deletion_window_in_days=30,
                              tags=args.tags, opts=keep)
            key_arn = key.arn

        bucket = aws.s3.Bucket(f"{name}-bucket", bucket=args.bucket_name,
                               force_destroy=args.force_destroy,
                               tags=with_tags(args.tags, Name=args.bucket_name), opts=keep)
        on_bucket = pulumi.ResourceOptions(parent=self, depends_on=[bucket])
        aws.s3.BucketPublicAccessBlock(f"{name}-public-access", bucket=bucket.id,
                                       **{flag: True for flag in PUBLIC_ACCESS_FLAGS}, opts=on_bucket)
        aws.s3.BucketOwnershipControls(f"{name}-ownership", bucket=bucket.id,
                                       rule={"object_ownership": "BucketOwnerEnforced"}, opts=on_bucket)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-sse", bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                                 "kms_master_key_id": key_arn},
                    "bucket_key_enabled": True}],
            opts=on_bucket)
        aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=bucket.id,
            versioning_configuration={"status": "Enabled" if args.versioning else "Suspended"},
            opts=on_bucket)
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=bucket.id,
            rules=lifecycle_rules(args.noncurrent_version_expiration_days,
                                  args.abort_incomplete_multipart_days),
            opts=on_bucket)
        aws.s3.BucketPolicy(f"{name}-tls-only", bucket=bucket.id,
                            policy=tls_only_policy(args.bucket_name), opts=on_bucket)

        self.bucket_name = bucket.bucket
        self.arn = pulumi.Output.from_input(bucket_arn(args.bucket_name))
        self.register_outputs({"bucket_name": self.bucket_name, "arn": self.arn})
