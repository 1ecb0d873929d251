"""S3ExpressCache: an S3 Express One Zone directory bucket in the GPUs' zone, Mountpoint's shared cache.

Mountpoint writes what it reads into the directory bucket (`--cache-xz`) and every node in the zone
reads it from there (mountpoint-s3 doc/CONFIGURATION.md "Shared cache", mountpoint-s3-1.22.3, read
2026-12-07). It is a cache: objects expire after `ttl_days` (the same document advises a lifecycle
rule, since cached data is billed as S3 Express storage), and destroying it loses nothing.
Directory bucket names are `<base>--<zone id>--x-s3` (pulumi-aws 7.51.1 `aws.s3.DirectoryBucket`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

MAX_NAME = 63
# The zone by name (the location is by id): what the policy pack compares with the GPU pools' subnets.
ZONE_TAG = "mlinfra-cache-zone"


def directory_bucket_name(base: str, zone_id: str) -> str:
    """`<base>--<zone id>--x-s3`, refused when over S3's 63 characters."""
    name = f"{base}--{zone_id}--x-s3"
    if len(name) > MAX_NAME:
        raise ValueError(f"directory bucket name '{name}' is {len(name)} characters; S3 allows {MAX_NAME}")
    return name


def directory_bucket_arn(region: str, account_id: str, name: str) -> str:
    """The ARN `s3express:CreateSession` is granted on (arn:aws:s3express:REGION:ACCOUNT:bucket/NAME)."""
    return f"arn:aws:s3express:{region}:{account_id}:bucket/{name}"


@dataclass(frozen=True)
class S3ExpressCacheArgs:
    """Inputs of S3ExpressCache."""

    base_name: str
    # The availability zone's id (use1-az4), which the name and location need; output of the zones invoke.
    zone_id: pulumi.Input[str]
    zone: str
    ttl_days: int
    tags: Mapping[str, str] = field(default_factory=dict)


class S3ExpressCache(pulumi.ComponentResource):
    """The directory bucket and its expiry rule."""

    bucket_name: pulumi.Output[str]

    def __init__(self, name: str, args: S3ExpressCacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:S3ExpressCache", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        physical = pulumi.Output.from_input(args.zone_id).apply(lambda z: directory_bucket_name(args.base_name, z))
        bucket = aws.s3.DirectoryBucket(
            f"{name}-bucket", bucket=physical, data_redundancy="SingleAvailabilityZone",
            location={"name": args.zone_id, "type": "AvailabilityZone"},
            # A cache: nothing in it is the only copy.
            force_destroy=True, tags={**args.tags, ZONE_TAG: args.zone}, opts=child)
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-expiry", bucket=bucket.bucket,
            rules=[{"id": "expire-cached-objects", "status": "Enabled", "filter": {},
                    "expiration": {"days": args.ttl_days},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 1}}],
            opts=child)
        self.bucket_name = bucket.bucket
        self.register_outputs({"bucket_name": self.bucket_name})
