"""Cross-region replication for S3Bucket: a role S3 assumes and the replication rule."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.aws.iam import RoleBounds, assume_role_policy


def replication_policy(source_arn: str, destination_arn: str, source_key_arn: str,
                       destination_key_arn: str) -> str:
    """What S3 may do when replicating: read this bucket's versions, write the replica, use both keys."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadSource", "Effect": "Allow", "Resource": source_arn,
         "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"]},
        {"Sid": "ReadSourceVersions", "Effect": "Allow", "Resource": f"{source_arn}/*",
         "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging"]},
        {"Sid": "WriteReplica", "Effect": "Allow", "Resource": f"{destination_arn}/*",
         "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]},
        {"Sid": "DecryptSource", "Effect": "Allow", "Resource": source_key_arn, "Action": ["kms:Decrypt"]},
        {"Sid": "EncryptReplica", "Effect": "Allow", "Resource": destination_key_arn,
         "Action": ["kms:Encrypt", "kms:GenerateDataKey"]},
    ]})


def replicate(name: str, bucket: aws.s3.Bucket, source_arn: str, source_key_arn: pulumi.Input[str],
              destination_arn: str, destination_key_arn: str, tags: dict, opts: pulumi.ResourceOptions,
              bounds: RoleBounds | None = None) -> None:
    """Replicate every object, including KMS-encrypted ones and delete markers, to `destination_arn`."""
    role = aws.iam.Role(f"{name}-replication", assume_role_policy=assume_role_policy("s3.amazonaws.com"),
                        tags=tags, opts=opts, **(bounds or RoleBounds()).role())
    aws.iam.RolePolicy(f"{name}-replication", role=role.name, opts=opts,
                       policy=pulumi.Output.from_input(source_key_arn).apply(
                           lambda key: replication_policy(source_arn, destination_arn, key, destination_key_arn)))
    aws.s3.BucketReplicationConfig(
        f"{name}-replication", bucket=bucket.id, role=role.arn,
        rules=[{"id": "replicate-all", "status": "Enabled", "filter": {},
                "delete_marker_replication": {"status": "Enabled"},
                "source_selection_criteria": {"sse_kms_encrypted_objects": {"status": "Enabled"}},
                "destination": {"bucket": destination_arn, "storage_class": "STANDARD",
                                "encryption_configuration": {"replica_kms_key_id": destination_key_arn}}}],
        opts=opts)
