"""AWS-only stack config, hooked into the cloud-neutral models as one `aws:` sub-key each.

The cloud-neutral parts (accelerator, GPU count, node bounds, capacity) stay in
`infra.config.stack`; what only makes sense on EKS and S3 lives here. Cross-field rules over
these models are in `infra.config.rules.aws`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from infra.config.base import MAX_DAYS, MAX_NODES, BucketAccess, KubeName, Model, Name

IamPrincipalArn = Annotated[str, StringConstraints(
    pattern=r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")]
KmsKeyArn = Annotated[str, StringConstraints(pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[\w-]+$")]
BucketArn = Annotated[str, StringConstraints(pattern=r"^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
ReservationId = Annotated[str, StringConstraints(pattern=r"^cr-[0-9a-f]{8,17}$")]
AvailabilityZone = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$")]


class ClusterAccess(StrEnum):
    """What an access entry may do: EKS's cluster-wide admin or view access policy."""

    ADMIN = "admin"
    READ_ONLY = "read-only"


class EksAddon(StrEnum):
    """The EKS managed add-ons every cluster gets."""

    VPC_CNI = "vpc-cni"
    KUBE_PROXY = "kube-proxy"
    POD_IDENTITY_AGENT = "eks-pod-identity-agent"
    COREDNS = "coredns"
    EBS_CSI = "aws-ebs-csi-driver"
    S3_CSI = "aws-mountpoint-s3-csi-driver"


class StorageClass(StrEnum):
    """S3 storage classes a lifecycle transition may move objects to."""

    STANDARD_IA = "STANDARD_IA"
    INTELLIGENT_TIERING = "INTELLIGENT_TIERING"
    GLACIER_IR = "GLACIER_IR"
    GLACIER = "GLACIER"
    DEEP_ARCHIVE = "DEEP_ARCHIVE"


class AccessEntryConfig(Model):
    """An IAM principal allowed into the cluster through an EKS access entry."""

    principal_arn: IamPrincipalArn
    access: ClusterAccess = ClusterAccess.READ_ONLY


class SystemPoolConfig(Model):
    """The small CPU pool that runs CoreDNS, the autoscaler and other cluster add-ons."""

    instance_type: str = Field(default="m7i.large", pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
    min_nodes: int = Field(default=2, ge=1, le=MAX_NODES)
    max_nodes: int = Field(default=3, ge=1, le=MAX_NODES)
    disk_gib: int = Field(default=50, ge=20, le=1024)


class ExistingNetworkConfig(Model):
    """A VPC someone else owns; its subnets are keyed by availability zone."""

    vpc_id: str = Field(pattern=r"^vpc-[0-9a-f]{8,17}$")
    private_subnet_ids: dict[str, Annotated[str, StringConstraints(pattern=r"^subnet-[0-9a-f]{8,17}$")]]
    # Public subnets by zone, for internet-facing gateways; internal ones use the private subnets.
    public_subnet_ids: dict[str, Annotated[str, StringConstraints(pattern=r"^subnet-[0-9a-f]{8,17}$")]] = Field(
        default_factory=dict)


class WorkloadAccessConfig(Model):
    """A Kubernetes service account granted access to named buckets through EKS Pod Identity."""

    namespace: KubeName
    service_account: KubeName
    buckets: dict[Name, BucketAccess] = Field(min_length=1)


class AwsClusterOptions(Model):
    """EKS-only settings of one cluster (`clusters.<name>.aws`)."""

    access_entries: dict[Name, AccessEntryConfig] = Field(default_factory=dict)
    addon_versions: dict[EksAddon, str] = Field(default_factory=dict)
    # None: on in prod, off elsewhere.
    deletion_protection: bool | None = None
    secrets_kms_key_arn: KmsKeyArn | None = None
    system_pool: SystemPoolConfig = Field(default_factory=SystemPoolConfig)
    existing_network: ExistingNetworkConfig | None = None
    interface_endpoints: bool = False
    flow_log_retention_days: int = Field(default=90, ge=1, le=3653)
    cluster_autoscaler: bool = True
    gpu_addons: bool = True
    workload_access: dict[Name, WorkloadAccessConfig] = Field(default_factory=dict)
    # The stack's bucket (with `aws.log_target: true`) that the gateways' load balancers log to.
    gateway_logs_to: Name | None = None


class AwsPoolOptions(Model):
    """EKS-only settings of one GPU pool (`...gpu_pools.<pool>.aws`)."""

    efa: bool = False
    # None: follow `efa` (EFA traffic wants the nodes close together).
    placement_group: bool | None = None
    capacity_reservation_id: ReservationId | None = None
    capacity_block_id: ReservationId | None = None
    # The one zone the pool's nodes run in: required with a reservation (the reservation's zone); a placed
    # (EFA) pool without one takes the cluster's first zone.
    zone: AvailabilityZone | None = None
    # Instances the capacity reservation or block holds: billed whether nodes run in them or not.
    reserved_nodes: int = Field(default=0, ge=0, le=MAX_NODES)
    # A second, on-demand pool of this size the autoscaler falls back to when spot runs dry.
    on_demand_fallback_max_nodes: int = Field(default=0, ge=0, le=MAX_NODES)
    node_repair: bool = True


class TransitionConfig(Model):
    """Move current objects to a cheaper storage class after some days."""

    days: int = Field(ge=1, le=MAX_DAYS)
    storage_class: StorageClass


class ReplicationConfig(Model):
    """Cross-region replication of every object to a bucket that already exists."""

    destination_bucket_arn: BucketArn
    destination_kms_key_arn: KmsKeyArn


class AwsBucketOptions(Model):
    """S3-only settings of one bucket (`buckets.<name>.aws`)."""

    kms_key_arn: KmsKeyArn | None = None
    # Another bucket of this stack that receives this one's server access logs.
    access_logs_to: Name | None = None
    # This bucket receives access logs: S3 requires SSE-S3 on it and needs a write grant.
    log_target: bool = False
    transitions: list[TransitionConfig] = Field(default_factory=list)
    replication: ReplicationConfig | None = None
