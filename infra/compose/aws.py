"""AWS composition: clusters, GPU pools and buckets from config, on one explicit provider."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws.s3_bucket import S3Bucket, S3BucketArgs
from infra.catalog.accelerators import Cloud
from infra.compose.aws_cluster import build_cluster
from infra.compose.context import PROTECTED_ENVIRONMENTS, AwsContext, bucket_name
from infra.compose.datasets_aws import aws_dataset_caches
from infra.compose.datasets_transfer_aws import aws_transfer_roles
from infra.compose.gateways import gateway_log_bucket
from infra.compose.observability_aws import stack_workspace
from infra.config.stack import BucketConfig, Environment, StackConfig


def build(config: StackConfig, stack: str, tags: dict[str, str]) -> dict[str, Any]:
    """Every AWS cluster and bucket in the config; returns their stack outputs."""
    assert config.aws is not None  # guaranteed by infra.config.rules
    # An explicit provider pins the region from typed config instead of ambient settings.
    provider = aws.Provider("aws", region=config.aws.region)
    # The account id scopes trust and log-delivery policies; answered offline by infra/offline/invokes.py.
    identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=provider))
    ctx = AwsContext(config, stack, tags, pulumi.ResourceOptions(provider=provider), config.aws.region,
                     identity.account_id)
    outputs: dict[str, Any] = {}
    buckets: dict[str, S3Bucket] = {}
    # Log targets first, so the buckets that log to them can name them.
    ordered = sorted((b for b in config.buckets.items() if b[1].cloud == Cloud.AWS),
                     key=lambda item: not item[1].aws.log_target)
    for name, bucket in ordered:
        buckets[name] = _aws_bucket(ctx, name, bucket, buckets)
        outputs[f"bucket_{name}"] = {"name": buckets[name].bucket_name, "arn": buckets[name].arn}
    caches = aws_dataset_caches(ctx)
    outputs.update(aws_transfer_roles(ctx, buckets))
    workspace = stack_workspace(ctx)
    if workspace is not None:
        outputs["metrics"] = {"workspace_arn": workspace.workspace_arn,
                              "query_endpoint": workspace.query_endpoint, "alert_topic_arn": workspace.topic_arn}
    for name, cluster in config.clusters.items():
        if cluster.cloud == Cloud.AWS:
            outputs[f"cluster_{name}"] = build_cluster(ctx, name, cluster, buckets, workspace, caches)
    return outputs


def _aws_bucket(ctx: AwsContext, name: str, bucket: BucketConfig, existing: dict[str, S3Bucket]) -> S3Bucket:
    config, options = ctx.config, bucket.aws
    replication = options.replication
    return S3Bucket(name, S3BucketArgs(
        bucket_name=bucket_name(config, ctx.stack, name),
        versioning=bucket.versioning,
        noncurrent_version_expiration_days=bucket.lifecycle.noncurrent_version_expiration_days,
        abort_incomplete_multipart_days=bucket.lifecycle.abort_incomplete_multipart_days,
        transitions=[(t.days, t.storage_class.value) for t in options.transitions],
        kms_key_arn=options.kms_key_arn,
        access_log_bucket=existing[options.access_logs_to].bucket_name if options.access_logs_to else None,
        log_target_account=ctx.account_id if options.log_target else None,
        elb_log_region=ctx.region if gateway_log_bucket(config, name) else None,
        # S3 log delivery may write here only for the buckets that name this one in access_logs_to.
        log_source_buckets=[bucket_name(config, ctx.stack, other) for other, b in config.buckets.items()
                            if b.cloud == Cloud.AWS and b.aws.access_logs_to == name],
        account_id=ctx.account_id,
        replication_destination_arn=replication.destination_bucket_arn if replication else None,
        replication_kms_key_arn=replication.destination_kms_key_arn if replication else None,
        protect=config.environment in PROTECTED_ENVIRONMENTS,
        retain_on_delete=config.environment == Environment.PROD,
        force_destroy=config.environment == Environment.SANDBOX,
        tags=ctx.tags, bounds=ctx.bounds,
    ), opts=ctx.opts)
