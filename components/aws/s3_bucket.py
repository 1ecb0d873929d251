"""S3Bucket: a private, KMS-encrypted, versioned bucket reachable only over TLS."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws.iam import RoleBounds, account_id_or_lookup
from components.aws.kms_policy import key_policy
from components.aws.s3_replication import replicate
from components.tags import with_tags

PUBLIC_ACCESS_FLAGS = ("block_public_acls", "block_public_policy", "ignore_public_acls",
                       "restrict_public_buckets")


def bucket_arn(bucket_name: str, partition: str = "aws") -> str:
    """A bucket's ARN, known before the bucket exists."""
    return f"arn:{partition}:s3:::{bucket_name}"


# The Elastic Load Balancing account that delivers access logs in each region opened before
# August 2022; regions opened since then grant the log delivery service principal instead. The table
# is AWS's (docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html,
# step 2), transcribed from public infrastructure code that cites it and cross-checked across several
# such sources on 2026-11-23: AWS's page itself could not be read from here.
ELB_LOG_ACCOUNTS = {
    "us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
    "us-west-2": "797873946194", "af-south-1": "098369216593", "ca-central-1": "985666609251",
    "eu-central-1": "054676820928", "eu-west-1": "156460612806", "eu-west-2": "652711504416",
    "eu-west-3": "009996457667", "eu-south-1": "635631232127", "eu-north-1": "897822967062",
    "me-south-1": "076674570225", "sa-east-1": "507241528517", "ap-east-1": "754344448648",
    "ap-northeast-1": "582318560864", "ap-northeast-2": "600734575887", "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266", "ap-south-1": "718504428378", "ap-northeast-3": "383597477331",
    "ap-southeast-3": "589379963580",
}
ELB_LOG_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"


def elb_log_statement(bucket_name: str, region: str, account: str) -> dict:
    """Lets Elastic Load Balancing in `region` write access logs of `account`'s balancers, nothing else."""
    legacy = ELB_LOG_ACCOUNTS.get(region)
    principal = {"AWS": f"arn:aws:iam::{legacy}:root"} if legacy else {"Service": ELB_LOG_SERVICE}
    return {"Sid": "ElbAccessLogs", "Effect": "Allow", "Principal": principal, "Action": "s3:PutObject",
            "Resource": f"{bucket_arn(bucket_name)}/*/AWSLogs/{account}/*"}


def tls_only_policy(bucket_name: str, log_writer_account: str | None = None,
                    elb_log_region: str | None = None, log_source_buckets: Sequence[str] = ()) -> str:
    """Bucket policy denying every request not made over TLS.

    With `log_writer_account` and `log_source_buckets`, it also lets S3's log delivery write the
    access logs of those buckets of that account, and with `elb_log_region` the load balancers
    of that account in that region.
    """
    arn = bucket_arn(bucket_name)
    statements: list[dict] = [{
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }]
    if log_writer_account is not None:
        if log_source_buckets:
            # S3 delivers on behalf of the source bucket, so aws:SourceArn names exactly the buckets
            # that log here (S3 bucket ARNs carry no account: aws:SourceAccount as well). S3 User
            # Guide, "Enabling Amazon S3 server access logging", the bucket policy for the logging
            # service principal: ArnLike aws:SourceArn with the source bucket ARN, StringEquals
            # aws:SourceAccount (docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html;
            # the page's example read 2026-11-29 as public infrastructure code reproduces it, AWS's
            # page itself only in part).
            statements.append({
                "Sid": "S3ServerAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{arn}/*",
                "Condition": {"StringEquals": {"aws:SourceAccount": log_writer_account},
                              "ArnLike": {"aws:SourceArn": [bucket_arn(b) for b in log_source_buckets]}},
            })
        if elb_log_region is not None:
            statements.append(elb_log_statement(bucket_name, elb_log_region, log_writer_account))
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def lifecycle_rules(noncurrent_days: int, abort_multipart_days: int,
                    transitions: Sequence[tuple[int, str]] = ()) -> list[dict]:
    """Expire old object versions, clean up abandoned multipart uploads, move objects to cheaper classes."""
    rule = {
        "id": "expire-noncurrent-and-abort-multipart",
        "status": "Enabled",
        "filter": {},
        "noncurrent_version_expiration": {"noncurrent_days": noncurrent_days},
        "abort_incomplete_multipart_upload": {"days_after_initiation": abort_multipart_days},
    }
    if transitions:
        rule["transitions"] = [{"days": days, "storage_class": storage} for days, storage in transitions]
    return [rule]


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
    # (days, storage class) lifecycle transitions of current objects.
    transitions: Sequence[tuple[int, str]] = ()
    # Name of the bucket that receives this one's server access logs.
    access_log_bucket: pulumi.Input[str] | None = None
    # This bucket receives access logs: SSE-S3 (S3 cannot deliver logs to SSE-KMS buckets) and a
    # write grant for S3 log delivery from this account.
    log_target_account: pulumi.Input[str] | None = None
    # A log target that load balancers of this region (and account) also write access logs to.
    elb_log_region: str | None = None
    # Names of the buckets whose server access logs this log target receives.
    log_source_buckets: Sequence[str] = ()
    # The account that administers a created key (its key policy); looked up when unset.
    account_id: pulumi.Input[str] | None = None
    # Replicate to this existing bucket ARN, encrypting replicas with destination_kms_key_arn.
    replication_destination_arn: str | None = None
    replication_kms_key_arn: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    # Boundary and IAM path of the roles created here: the deploy role creates roles only with them.
    bounds: RoleBounds = field(default_factory=RoleBounds)


class S3Bucket(pulumi.ComponentResource):
    """Bucket plus public access block, owner-enforced ownership, SSE-KMS, versioning, TLS-only policy."""

    bucket_name: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: S3BucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:S3Bucket", name, None, opts)
        keep = pulumi.ResourceOptions(parent=self, protect=args.protect,
                                      retain_on_delete=args.retain_on_delete)

        log_target = args.log_target_account is not None
        key_arn = args.kms_key_arn
        if key_arn is None and not log_target:
            # S3 uses the key with the caller's own permissions (IAM, through the account statement).
            key = aws.kms.Key(f"{name}-key", description=f"Encryption for s3://{args.bucket_name}",
                              enable_key_rotation=True, deletion_window_in_days=30,
                              policy=account_id_or_lookup(args.account_id, self).apply(key_policy),
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
        sse = ({"sse_algorithm": "AES256"} if log_target
               else {"sse_algorithm": "aws:kms", "kms_master_key_id": key_arn})
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-sse", bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": sse, "bucket_key_enabled": not log_target}],
            opts=on_bucket)
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=bucket.id,
            versioning_configuration={"status": "Enabled" if args.versioning else "Suspended"},
            opts=on_bucket)
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=bucket.id,
            rules=lifecycle_rules(args.noncurrent_version_expiration_days,
                                  args.abort_incomplete_multipart_days, args.transitions),
            opts=on_bucket)
        policy = (pulumi.Output.from_input(args.log_target_account).apply(
            lambda account: tls_only_policy(args.bucket_name, account, args.elb_log_region,
                                            args.log_source_buckets)) if log_target
            else tls_only_policy(args.bucket_name))
        aws.s3.BucketPolicy(f"{name}-tls-only", bucket=bucket.id, policy=policy, opts=on_bucket)
        if args.access_log_bucket is not None:
            aws.s3.BucketLogging(f"{name}-access-logs", bucket=bucket.id, target_bucket=args.access_log_bucket,
                                 target_prefix=f"{args.bucket_name}/", opts=on_bucket)
        if args.replication_destination_arn:
            if key_arn is None or not args.replication_kms_key_arn:
                raise ValueError("replication needs a KMS-encrypted source and replication_kms_key_arn")
            replicate(name, bucket, bucket_arn(args.bucket_name), key_arn, args.replication_destination_arn,
                      args.replication_kms_key_arn, dict(args.tags),
                      pulumi.ResourceOptions(parent=self, depends_on=[versioning]), bounds=args.bounds)

        self.bucket_name = bucket.bucket
        self.arn = pulumi.Output.from_input(bucket_arn(args.bucket_name))
        # None for a log target, which is SSE-S3.
        self.kms_key_arn = None if key_arn is None else pulumi.Output.from_input(key_arn)
        self.register_outputs({"bucket_name": self.bucket_name, "arn": self.arn})
