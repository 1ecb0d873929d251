"""S3ToGcsTransfer: a Storage Transfer Service job keeping a GCS copy of one S3 dataset in sync.

The job reads S3 through a federated AWS role (no access keys: `role_arn`, AssumeRoleWithWebIdentity)
and writes the copy bucket as the project's transfer service agent, which gets only the sink roles the
transfer needs on that one bucket: Storage Legacy Bucket Writer (buckets.get, objects.create/delete/list)
and Object Viewer (objects.get, to compare before overwriting) (cloud.google.com/storage-transfer/docs/
sink-cloud-storage, read 2026-12-07). It runs daily; objects deleted at the source are deleted in the copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

SINK_ROLES = ("roles/storage.legacyBucketWriter", "roles/storage.objectViewer")
DAY = "86400s"
# A start date in the past: the job first runs the day after it is created (pulumi-gcp 10.2.0
# TransferJobSchedule.schedule_start_date), and a fixed date keeps the job unchanged from one plan to the next.
START = {"year": 2026, "month": 1, "day": 1}


@dataclass(frozen=True)
class S3ToGcsTransferArgs:
    """Inputs of S3ToGcsTransfer."""

    project: str
    description: str
    source_bucket: str
    prefix: str
    role_arn: pulumi.Input[str]
    sink_bucket: pulumi.Input[str]
    # `serviceAccount:project-<number>@storage-transfer-service.iam.gserviceaccount.com`.
    transfer_member: pulumi.Input[str]


class S3ToGcsTransfer(pulumi.ComponentResource):
    """The sink grants and the daily transfer job."""

    def __init__(self, name: str, args: S3ToGcsTransferArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:gcp:S3ToGcsTransfer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        grants = [gcp.storage.BucketIAMMember(f"{name}-{role.rsplit('.', 1)[-1]}", bucket=args.sink_bucket,
                                              role=role, member=args.transfer_member, opts=child)
                  for role in SINK_ROLES]
        gcp.storage.TransferJob(
            f"{name}-job", project=args.project, description=args.description,
            transfer_spec={
                "aws_s3_data_source": {"bucket_name": args.source_bucket, "path": args.prefix,
                                       "role_arn": args.role_arn},
                "gcs_data_sink": {"bucket_name": args.sink_bucket, "path": args.prefix},
                "transfer_options": {"overwrite_when": "DIFFERENT", "delete_objects_unique_in_sink": True},
            },
            schedule={"schedule_start_date": START, "repeat_interval": DAY},
            opts=pulumi.ResourceOptions(parent=self, depends_on=grants))
        self.register_outputs({})
