"""S3DatasetAccess: one consumer's Pod Identity role over the datasets it mounts, each scoped to its prefix.

EKS allows one Pod Identity association per service account, so every dataset one service account
mounts on a cluster goes into one role. Read-only is the default; write actions only for read-write
datasets. `s3:ListBucket` is scoped with the `s3:prefix` condition key and objects by ARN, as
mountpoint-s3 doc/CONFIGURATION.md "IAM permissions" (mountpoint-s3-1.22.3, read 2026-12-07) says a
prefix mount needs; a shared cache adds `s3express:CreateSession` on its directory bucket only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws.iam import RoleBounds
from components.aws.pod_identity import associate, pod_identity_role
from components.aws.s3_bucket import bucket_arn

READ_OBJECT = ("s3:GetObject",)
WRITE_OBJECT = ("s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject")


@dataclass(frozen=True)
class DatasetGrant:
    """What one consumer may do with one dataset."""

    bucket: str
    prefix: str
    write: bool
    # ARN of the KMS key encrypting the bucket, if it has its own.
    kms_key_arn: str | None = None
    # ARN of the shared cache's directory bucket, if the dataset has one.
    directory_bucket_arn: str | None = None


def _sid(*parts: str) -> str:
    return "".join(p.capitalize() for part in parts for p in part.replace(".", "-").replace("/", "-").split("-") if p)


def dataset_access_policy(grants: Mapping[str, DatasetGrant]) -> str:
    """Least-privilege policy for datasets (key -> grant): bucket listing under the prefix, objects under it."""
    statements = []
    for key, grant in sorted(grants.items()):
        arn = bucket_arn(grant.bucket)
        listing: dict = {"Sid": _sid(key, "list"), "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": arn}
        if grant.prefix:
            listing["Condition"] = {"StringLike": {"s3:prefix": [f"{grant.prefix}*"]}}
        statements.append(listing)
        statements.append({"Sid": _sid(key, "objects"), "Effect": "Allow",
                           "Action": list(READ_OBJECT + (WRITE_OBJECT if grant.write else ())),
                           "Resource": f"{arn}/{grant.prefix}*"})
        if grant.kms_key_arn:
            statements.append({"Sid": _sid(key, "key"), "Effect": "Allow", "Resource": grant.kms_key_arn,
                               "Action": ["kms:Decrypt"] + (["kms:GenerateDataKey"] if grant.write else [])})
        if grant.directory_bucket_arn:
            statements.append({"Sid": _sid(key, "cache"), "Effect": "Allow", "Action": ["s3express:CreateSession"],
                               "Resource": grant.directory_bucket_arn})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@dataclass(frozen=True)
class S3DatasetAccessArgs:
    """Inputs of S3DatasetAccess."""

    cluster_name: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    account_id: pulumi.Input[str]
    namespace: str
    service_account: str
    # Dataset key -> grant; key ARNs and directory bucket ARNs may be outputs (resolved before the policy).
    grants: Mapping[str, DatasetGrant]
    kms_key_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    directory_bucket_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    bounds: RoleBounds = field(default_factory=RoleBounds)
    depends_on: Sequence[pulumi.Resource] = ()


class S3DatasetAccess(pulumi.ComponentResource):
    """The consumer's role, its dataset policy and its Pod Identity association."""

    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: S3DatasetAccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:S3DatasetAccess", name, None, opts)
        if not args.grants:
            raise ValueError("a dataset consumer needs at least one dataset")
        child = pulumi.ResourceOptions(parent=self)
        role = pod_identity_role(name, self, account_id=args.account_id, cluster_arn=args.cluster_arn,
                                 namespace=args.namespace, service_account=args.service_account, tags=args.tags,
                                 bounds=args.bounds)
        keys, caches = sorted(args.kms_key_arns), sorted(args.directory_bucket_arns)

        def policy(values: list[str]) -> str:
            key_arns = dict(zip(keys, values[:len(keys)], strict=True))
            cache_arns = dict(zip(caches, values[len(keys):], strict=True))
            return dataset_access_policy({k: DatasetGrant(g.bucket, g.prefix, g.write, key_arns.get(k),
                                                          cache_arns.get(k)) for k, g in args.grants.items()})

        values = [args.kms_key_arns[k] for k in keys] + [args.directory_bucket_arns[k] for k in caches]
        aws.iam.RolePolicy(f"{name}-datasets", role=role.name, policy=pulumi.Output.all(*values).apply(policy),
                           opts=child)
        associate(name, self, role, cluster_name=args.cluster_name, namespace=args.namespace,
                  service_account=args.service_account, tags=args.tags, depends_on=args.depends_on)
        self.role_arn = role.arn
        self.register_outputs({"role_arn": self.role_arn})
