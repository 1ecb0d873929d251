"""EKS Pod Identity: IAM roles a single Kubernetes service account of a single cluster can assume.

Trust is limited by the session tags Pod Identity sets (cluster ARN, namespace, service
account) and by aws:SourceAccount / aws:SourceArn, so no other cluster or pod can use the role.
`WorkloadBucketAccess` grants one service account read or read-write on named buckets only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws.iam import RoleBounds
from components.aws.s3_bucket import bucket_arn

POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com"
READ_OBJECT = ("s3:GetObject", "s3:GetObjectVersion")
WRITE_OBJECT = ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts")
READ_BUCKET = ("s3:ListBucket", "s3:GetBucketLocation")
WRITE_BUCKET = ("s3:ListBucketMultipartUploads",)
ACCESS_LEVELS = ("read", "read-write")


def pod_identity_trust_policy(account_id: str, cluster_arn: str, namespace: str, service_account: str) -> str:
    """Trust policy: only Pod Identity, for this cluster, namespace and service account."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": POD_IDENTITY_PRINCIPAL},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {
                "StringEquals": {
                    "aws:SourceAccount": account_id,
                    "aws:RequestTag/kubernetes-namespace": namespace,
                    "aws:RequestTag/kubernetes-service-account": service_account,
                },
                "ArnEquals": {"aws:SourceArn": cluster_arn},
            },
        }],
    })


def pod_identity_role(name: str, parent: pulumi.Resource, *, account_id: pulumi.Input[str],
                      cluster_arn: pulumi.Input[str], namespace: str, service_account: str,
                      tags: Mapping[str, str], bounds: RoleBounds) -> aws.iam.Role:
    """`<name>-role`: a role only this cluster's service account may assume through Pod Identity."""
    trust = pulumi.Output.all(account_id, cluster_arn).apply(
        lambda v: pod_identity_trust_policy(v[0], v[1], namespace, service_account))
    return aws.iam.Role(f"{name}-role", assume_role_policy=trust, tags=tags,
                        opts=pulumi.ResourceOptions(parent=parent), **bounds.role())


def associate(name: str, parent: pulumi.Resource, role: aws.iam.Role, *, cluster_name: pulumi.Input[str],
              namespace: str, service_account: str, tags: Mapping[str, str],
              depends_on: Sequence[pulumi.Resource] = ()) -> aws.eks.PodIdentityAssociation:
    """`<name>-association`: the service account gets `role` on the cluster."""
    return aws.eks.PodIdentityAssociation(
        f"{name}-association", cluster_name=cluster_name, namespace=namespace, service_account=service_account,
        role_arn=role.arn, tags=tags, opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)))


def bucket_access_policy(grants: Mapping[str, str], key_arns: Mapping[str, str]) -> str:
    """Least-privilege S3 + KMS policy for `grants` (bucket name -> read | read-write).

    Names each bucket and its key by ARN, and each action by name: no `*` action or resource.
    """
    statements = []
    for bucket, access in sorted(grants.items()):
        if access not in ACCESS_LEVELS:
            raise ValueError(f"access must be one of {ACCESS_LEVELS} (got {access!r})")
        write = access == "read-write"
        arn = bucket_arn(bucket)
        sid = "".join(part.capitalize() for part in bucket.replace(".", "-").split("-"))
        statements.append({"Sid": f"{sid}Bucket", "Effect": "Allow", "Resource": arn,
                           "Action": list(READ_BUCKET + (WRITE_BUCKET if write else ()))})
        statements.append({"Sid": f"{sid}Objects", "Effect": "Allow", "Resource": f"{arn}/*",
                           "Action": list(READ_OBJECT + (WRITE_OBJECT if write else ()))})
        if bucket in key_arns:
            statements.append({"Sid": f"{sid}Key", "Effect": "Allow", "Resource": key_arns[bucket],
                               "Action": ["kms:Decrypt"] + (["kms:GenerateDataKey"] if write else [])})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@dataclass(frozen=True)
class WorkloadBucketAccessArgs:
    """Inputs of WorkloadBucketAccess."""

    cluster_name: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    account_id: pulumi.Input[str]
    namespace: str
    service_account: str
    # Bucket name -> "read" or "read-write".
    buckets: Mapping[str, str]
    # Bucket name -> ARN of the KMS key that encrypts it.
    bucket_key_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # More inline policies (name -> JSON document), e.g. pushing to one ECR repository.
    extra_policies: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    # Boundary and IAM path of the roles created here: the deploy role creates roles only with them.
    bounds: RoleBounds = field(default_factory=RoleBounds)


class WorkloadBucketAccess(pulumi.ComponentResource):
    """An IAM role for one service account, its bucket policy, and the Pod Identity association."""

    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: WorkloadBucketAccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:WorkloadBucketAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = pod_identity_role(name, self, account_id=args.account_id, cluster_arn=args.cluster_arn,
                                 namespace=args.namespace, service_account=args.service_account, tags=args.tags,
                                 bounds=args.bounds)
        keys = sorted(args.bucket_key_arns)
        policy = pulumi.Output.all(*[args.bucket_key_arns[k] for k in keys]).apply(
            lambda arns: bucket_access_policy(args.buckets, dict(zip(keys, arns, strict=True))))
        if args.buckets:  # IAM refuses a policy without statements
            aws.iam.RolePolicy(f"{name}-buckets", role=role.name, policy=policy, opts=child)
        for key, document in args.extra_policies.items():
            aws.iam.RolePolicy(f"{name}-{key}", role=role.name, policy=document, opts=child)
        associate(name, self, role, cluster_name=args.cluster_name, namespace=args.namespace,
                  service_account=args.service_account, tags=args.tags)
        self.role_arn = role.arn
        self.register_outputs({"role_arn": self.role_arn})
