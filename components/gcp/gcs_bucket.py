"""GcsBucket: a private, versioned GCS bucket, with workload access granted through Workload Identity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.gcp.iam import (
    BUCKET_ROLES,
    KMS_ROLE,
    USAGE_LOG_WRITER,
    USAGE_LOG_WRITER_ROLE,
    gcs_service_agent,
    workload_principal,
)
from components.gcp.kms import create_key

DAY_SECONDS = 86400


def lifecycle_rules(noncurrent_days: int, abort_multipart_days: int) -> list[dict]:
    """Delete old object versions and abandoned multipart uploads."""
    return [
        {"action": {"type": "Delete"},
         "condition": {"days_since_noncurrent_time": noncurrent_days, "with_state": "ARCHIVED"}},
        {"action": {"type": "AbortIncompleteMultipartUpload"},
         "condition": {"age": abort_multipart_days}},
    ]


def soft_delete_policy(days: int) -> dict:
    """How long deleted objects stay restorable; 0 turns soft delete off."""
    if days != 0 and not 7 <= days <= 90:
        raise ValueError(f"soft delete must be 0 or 7 to 90 days (got {days})")
    return {"retention_duration_seconds": days * DAY_SECONDS}


@dataclass(frozen=True)
class WorkloadAccess:
    """A Kubernetes service account allowed to read (`read`) or read and write (`read-write`) objects."""

    namespace: str
    service_account: str
    access: str = "read"


@dataclass(frozen=True)
class GcsBucketArgs:
    """Inputs of GcsBucket."""

    bucket_name: str
    location: str
    project: str
    project_number: pulumi.Input[str]
    storage_class: str = "STANDARD"
    versioning: bool = True
    noncurrent_version_expiration_days: int = 30
    abort_incomplete_multipart_days: int = 7
    soft_delete_days: int = 7
    # Customer-managed encryption: with `kms_key` unset a key is created for the bucket.
    cmek: bool = False
    kms_key: pulumi.Input[str] | None = None
    kms_rotation_days: int = 90
    # Write access logs to a private log bucket made beside this one (prod).
    access_logs: bool = False
    workload_access: Mapping[str, WorkloadAccess] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False
    # Only sandboxes may empty a bucket on destroy.
    force_destroy: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)


class GcsBucket(pulumi.ComponentResource):
    """Bucket with uniform access, public access prevention, versioning, lifecycle and soft delete."""

    bucket_name: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(self, name: str, args: GcsBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:gcp:GcsBucket", name, None, opts)
        keep = pulumi.ResourceOptions(parent=self, protect=args.protect,
                                      retain_on_delete=args.retain_on_delete)
        for grant in args.workload_access.values():
            if grant.access not in BUCKET_ROLES:
                raise ValueError(f"access must be one of {', '.join(BUCKET_ROLES)} (got {grant.access})")

        encryption, depends = None, []
        if args.cmek:
            key = args.kms_key
            if key is None:
                key = create_key(f"{name}-cmek", key_ring=f"{args.bucket_name}-key",
                                 location=args.location.lower(), rotation_days=args.kms_rotation_days,
                                 labels=args.labels, parent=self, protect=args.protect,
                                 retain_on_delete=args.retain_on_delete).id
            # GCS encrypts as its own service agent, which must hold the key before the bucket uses it.
            depends.append(gcp.kms.CryptoKeyIAMMember(
                f"{name}-cmek-gcs", crypto_key_id=key, role=KMS_ROLE,
                member=gcs_service_agent(args.project_number), opts=pulumi.ResourceOptions(parent=self)))
            encryption = {"default_kms_key_name": key}

        logging = None
        if args.access_logs:
            # Versioned like every bucket: access logs are evidence, and must survive an overwrite.
            log_bucket = self._bucket(f"{name}-logs", f"{args.bucket_name}-logs", args, keep,
                                      versioning=True, encryption=encryption, depends=depends)
            gcp.storage.BucketIAMMember(f"{name}-logs-writer", bucket=log_bucket.name, role=USAGE_LOG_WRITER_ROLE,
                                        member=USAGE_LOG_WRITER, opts=pulumi.ResourceOptions(parent=self))
            logging = {"log_bucket": log_bucket.name, "log_object_prefix": args.bucket_name}

        bucket = self._bucket(f"{name}-bucket", args.bucket_name, args, keep, versioning=args.versioning,
                              encryption=encryption, depends=depends, logging=logging)
        for grant_name, grant in args.workload_access.items():
            # IAM on this bucket only: a project-wide grant would open every bucket to the pod.
            gcp.storage.BucketIAMMember(
                f"{name}-access-{grant_name}", bucket=bucket.name, role=BUCKET_ROLES[grant.access],
                member=workload_principal(args.project, args.project_number, grant.namespace,
                                          grant.service_account),
                opts=pulumi.ResourceOptions(parent=self))

        self.bucket_name = bucket.name
        self.url = pulumi.Output.from_input(f"gs://{args.bucket_name}")
        self.register_outputs({"bucket_name": self.bucket_name, "url": self.url})

    def _bucket(self, resource_name: str, bucket_name: str, args: GcsBucketArgs,
                keep: pulumi.ResourceOptions, *, versioning: bool, encryption: dict | None,
                depends: list, logging: dict | None = None) -> gcp.storage.Bucket:
        return gcp.storage.Bucket(
            resource_name, name=bucket_name, location=args.location, storage_class=args.storage_class,
            uniform_bucket_level_access=True, public_access_prevention="enforced",
            versioning={"enabled": versioning},
            lifecycle_rules=lifecycle_rules(args.noncurrent_version_expiration_days,
                                            args.abort_incomplete_multipart_days),
            soft_delete_policy=soft_delete_policy(args.soft_delete_days),
            encryption=encryption, logging=logging, force_destroy=args.force_destroy,
            labels=dict(args.labels),
            opts=pulumi.ResourceOptions.merge(keep, pulumi.ResourceOptions(depends_on=depends)))
