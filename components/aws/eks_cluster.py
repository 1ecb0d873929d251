"""EksCluster: a private EKS control plane with envelope-encrypted secrets and full audit logs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws.eks_addons import cluster_provider
from components.aws.iam import RoleBounds, account_id_or_lookup, assume_role_policy, managed_policy_arn
from components.aws.kms_policy import key_policy
from components.aws.network import log_group_arn
from components.tags import with_tags

ALL_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly",
                 "AmazonEKS_CNI_Policy")


def endpoint_access(public_access_cidrs: Sequence[str]) -> dict:
    """VPC config for the API endpoint: always private, public only for an explicit allowlist."""
    if "0.0.0.0/0" in public_access_cidrs:
        raise ValueError("public_access_cidrs must not contain 0.0.0.0/0")
    access = {"endpoint_private_access": True, "endpoint_public_access": bool(public_access_cidrs)}
    if public_access_cidrs:
        access["public_access_cidrs"] = list(public_access_cidrs)
    return access


ACCESS_POLICIES = {
    "admin": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
    "read-only": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
}


@dataclass(frozen=True)
class AccessEntry:
    """An IAM principal let into the cluster with a cluster-wide EKS access policy."""

    principal_arn: str
    # "admin" or "read-only".
    access: str = "read-only"


def secrets_key_policy(key_arn: str) -> str:
    """What the control plane needs on its secrets key for envelope encryption, and nothing else."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Resource": key_arn,
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
    }]})


def cluster_arn(region: str, account_id: str, cluster_name: str) -> str:
    """A cluster's ARN, known before it exists, so trust policies can name it in a plan."""
    return f"arn:aws:eks:{region}:{account_id}:cluster/{cluster_name}"


def control_plane_log_group(cluster_name: str) -> str:
    """The log group EKS writes to; created up front so retention is ours, not 'never expire'."""
    return f"/aws/eks/{cluster_name}/cluster"


@dataclass(frozen=True)
class EksClusterArgs:
    """Inputs of EksCluster."""

    cluster_name: str
    kubernetes_version: str
    subnet_ids: pulumi.Input[Sequence[str]]
    # Region the cluster is in; the Kubernetes provider's token command names it.
    region: str = "us-east-1"
    public_access_cidrs: Sequence[str] = ()
    log_retention_days: int = 90
    # Use an existing KMS key for secrets encryption instead of creating one.
    kms_key_arn: pulumi.Input[str] | None = None
    # The account: names the key policies' administrator and the trust's source; looked up if unset.
    account_id: pulumi.Input[str] | None = None
    protect: bool = False
    # EKS refuses to delete the cluster until this is turned off again.
    deletion_protection: bool = False
    # Keyed by a stable name so reordering never replaces an entry.
    access_entries: Mapping[str, AccessEntry] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    # Boundary and IAM path of the roles created here: the deploy role creates roles only with them.
    bounds: RoleBounds = field(default_factory=RoleBounds)


class EksCluster(pulumi.ComponentResource):
    """EKS control plane, its IAM roles, KMS key and log group."""

    cluster_name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    certificate_authority: pulumi.Output[str]
    node_role_arn: pulumi.Output[str]
    kms_key_arn: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    cluster: aws.eks.Cluster

    def __init__(self, name: str, args: EksClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:EksCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        keep = pulumi.ResourceOptions(parent=self, protect=args.protect)

        account = account_id_or_lookup(args.account_id, self)
        # EKS assumes the cluster role only while acting for this account's cluster of this name
        # (Amazon EKS User Guide, "Cross-service confused deputy prevention in Amazon EKS",
        # docs.aws.amazon.com/eks/latest/userguide/cross-service-confused-deputy-prevention.html, read
        # 2026-11-29: aws:SourceArn with the cluster ARN, aws:SourceAccount with the account).
        role = aws.iam.Role(
            f"{name}-cluster-role",
            assume_role_policy=account.apply(lambda acct: assume_role_policy(
                "eks.amazonaws.com", ("sts:AssumeRole", "sts:TagSession"), source_account=acct,
                source_arn=cluster_arn(args.region, acct, args.cluster_name))),
            tags=args.tags, opts=child, **args.bounds.role())
        attachments = [
            aws.iam.RolePolicyAttachment(f"{name}-cluster-{policy}", role=role.name,
                                         policy_arn=managed_policy_arn(policy), opts=child)
            for policy in CLUSTER_POLICIES
        ]
        node_role = aws.iam.Role(
            f"{name}-node-role", assume_role_policy=assume_role_policy("ec2.amazonaws.com"),
            tags=args.tags, opts=child, **args.bounds.role())
        for policy in NODE_POLICIES:
            aws.iam.RolePolicyAttachment(f"{name}-node-{policy}", role=node_role.name,
                                         policy_arn=managed_policy_arn(policy), opts=child)

        key_arn = args.kms_key_arn
        if key_arn is None:
            key = aws.kms.Key(
                f"{name}-secrets", description=f"EKS secrets encryption for {args.cluster_name}",
                enable_key_rotation=True, deletion_window_in_days=30, policy=account.apply(key_policy),
                tags=with_tags(args.tags, Name=f"{args.cluster_name}-secrets"), opts=keep)
            key_arn = key.arn
        # The key policy delegates to IAM, so the cluster role needs these, on this key only.
        attachments.append(aws.iam.RolePolicy(
            f"{name}-cluster-kms", role=role.name,
            policy=pulumi.Output.from_input(key_arn).apply(secrets_key_policy), opts=child))

        # Audit logs name every caller of the API: encrypted with a key of our own (CKV_AWS_158)
        # that CloudWatch Logs may use for this log group only.
        group_name = control_plane_log_group(args.cluster_name)
        logs_key = aws.kms.Key(
            f"{name}-logs-key", description=f"EKS control plane logs of {args.cluster_name}",
            enable_key_rotation=True, deletion_window_in_days=30,
            policy=account.apply(lambda acct: key_policy(
                acct, logs_region=args.region, log_group_arns=[log_group_arn(args.region, acct, group_name)])),
            tags=with_tags(args.tags, Name=f"{args.cluster_name}-logs"), opts=keep)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=group_name, kms_key_id=logs_key.arn,
            retention_in_days=args.log_retention_days, tags=args.tags, opts=child)

        cluster = aws.eks.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            version=args.kubernetes_version,
            role_arn=role.arn,
            vpc_config={"subnet_ids": args.subnet_ids, **endpoint_access(args.public_access_cidrs)},
            access_config={"authentication_mode": "API",
                           "bootstrap_cluster_creator_admin_permissions": False},
            encryption_config={"resources": ["secrets"], "provider": {"key_arn": key_arn}},
            enabled_cluster_log_types=list(ALL_LOG_TYPES),
            deletion_protection=args.deletion_protection,
            tags=with_tags(args.tags, Name=args.cluster_name),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect,
                                        depends_on=[log_group, *attachments]))

        for key, entry in args.access_entries.items():
            if entry.access not in ACCESS_POLICIES:
                raise ValueError(f"access must be one of {sorted(ACCESS_POLICIES)} (got {entry.access})")
            access = aws.eks.AccessEntry(f"{name}-access-{key}", cluster_name=cluster.name,
                                         principal_arn=entry.principal_arn, type="STANDARD",
                                         tags=args.tags, opts=child)
            aws.eks.AccessPolicyAssociation(
                f"{name}-access-{key}", cluster_name=cluster.name, principal_arn=access.principal_arn,
                policy_arn=ACCESS_POLICIES[entry.access], access_scope={"type": "cluster"}, opts=child)

        self.cluster = cluster
        self.cluster_arn = cluster.arn
        self.security_group_id = cluster.vpc_config.apply(lambda v: v.cluster_security_group_id)
        self.cluster_name = cluster.name
        # Built from outputs, so a preview of a stack whose cluster does not exist yet still works.
        self.provider = cluster_provider(name, cluster.name, cluster.endpoint,
                                         cluster.certificate_authority.apply(lambda ca: ca.data),
                                         args.region, parent=self)
        self.endpoint = cluster.endpoint
        self.certificate_authority = cluster.certificate_authority.apply(lambda ca: ca.data)
        self.node_role_arn = node_role.arn
        self.kms_key_arn = pulumi.Output.from_input(key_arn)
        self.register_outputs({
            "cluster_name": self.cluster_name,
            "endpoint": self.endpoint,
            "certificate_authority": self.certificate_authority,
            "node_role_arn": self.node_role_arn,
            "kms_key_arn": self.kms_key_arn,
        })
