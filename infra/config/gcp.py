"""Google Cloud-only config knobs: the `gcp:` sub-key of clusters, GPU pools and buckets.

Everything cloud-neutral (accelerator, GPU count, node bounds, spot, disk size, labels) stays in
`infra.config.stack`; these models hold only what has no meaning on another cloud. Each is
hooked into the shared models by one optional field, and the rules that involve them live in
`infra.config.rules.gcp`.
"""

from __future__ import annotations

import re
from enum import StrEnum
from ipaddress import IPv4Network
from typing import Annotated

from pydantic import Field, StringConstraints

from infra.config.base import MAX_NODES, BucketAccess, KubeName, Model, Name

ZoneName = Annotated[str, StringConstraints(pattern=r"^[a-z]+-[a-z]+\d-[a-z]$")]
# A user-managed service account's email: `<id>@<project>.iam.gserviceaccount.com`, the id 6-30 chars of
# [a-z0-9-] starting with a letter (CreateServiceAccountRequest.account_id, docs.cloud.google.com/python/
# docs/reference/iam/latest/google.cloud.iam_admin_v1.types.CreateServiceAccountRequest, read 2026-11-29),
# the project id 6-30 chars too. Checked in infra.config.rules.gcp, for a message that says so.
SERVICE_ACCOUNT_EMAIL = re.compile(
    r"^[a-z][-a-z0-9]{4,28}[a-z0-9]@[a-z][-a-z0-9]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$")
KeyName = Annotated[str, StringConstraints(
    pattern=r"^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$")]


class LocationType(StrEnum):
    """Regional clusters survive a zone loss; zonal ones are cheaper (dev and sandbox only)."""

    REGIONAL = "regional"
    ZONAL = "zonal"


class ReleaseChannel(StrEnum):
    """GKE release channel: how soon the cluster gets new Kubernetes versions."""

    RAPID = "RAPID"
    REGULAR = "REGULAR"
    STABLE = "STABLE"


class DriverVersion(StrEnum):
    """Which NVIDIA driver GKE installs: the one tested with the node version, or the newest."""

    DEFAULT = "DEFAULT"
    LATEST = "LATEST"


class SharingStrategy(StrEnum):
    """How several containers share one GPU."""

    TIME_SHARING = "TIME_SHARING"
    MPS = "MPS"


class ReservationAffinity(StrEnum):
    """Which Compute Engine reservations the pool's machines consume."""

    ANY = "ANY_RESERVATION"
    NONE = "NO_RESERVATION"
    SPECIFIC = "SPECIFIC_RESERVATION"


class DiskType(StrEnum):
    """Boot disk type of a node."""

    PD_BALANCED = "pd-balanced"
    PD_SSD = "pd-ssd"
    PD_STANDARD = "pd-standard"
    HYPERDISK_BALANCED = "hyperdisk-balanced"


class ExistingNetwork(Model):
    """A VPC and subnet made elsewhere, with the secondary ranges GKE should use."""

    network: str = Field(min_length=1)
    subnetwork: str = Field(min_length=1)
    pods_range: str = Field(min_length=1)
    services_range: str = Field(min_length=1)
    # The network already has a proxy-only subnet (REGIONAL_MANAGED_PROXY) in the stack's region,
    # which internal gateways need.
    proxy_only_subnet: bool = False


class SystemPoolOptions(Model):
    """The CPU pool for cluster add-ons and other non-GPU work."""

    machine_type: str = "e2-standard-4"
    min_nodes: int = Field(default=1, ge=0, le=MAX_NODES)
    max_nodes: int = Field(default=3, ge=1, le=MAX_NODES)


class GkeClusterOptions(Model):
    """GKE-only settings of a cluster."""

    location: LocationType = LocationType.REGIONAL
    # Zone of a zonal cluster; defaults to `<region>-b`, which every GCP region has.
    zone: ZoneName | None = None
    release_channel: ReleaseChannel = ReleaseChannel.REGULAR
    # Internal CIDRs (VPN, bastion, CI runners) allowed to reach the API; public access is
    # `endpoint.public_access_cidrs`, the same key as on every cloud.
    master_authorized_networks: list[IPv4Network] = Field(default_factory=list)
    master_cidr: IPv4Network = IPv4Network("172.16.0.0/28")
    # An existing Cloud KMS key for secrets encryption instead of creating one.
    kms_key: KeyName | None = None
    kms_rotation_days: int = Field(default=90, ge=1, le=365)
    existing_network: ExistingNetwork | None = None
    # Range of the proxy-only subnet internal gateways need; outside `network.cidr`. Only
    # created when the cluster has an internal gateway.
    proxy_only_cidr: IPv4Network | None = None
    # The control plane's DNS endpoint, every request authorised by Google IAM: how CI outside the VPC
    # (the deployer runners of an AWS cluster, the sandbox reaper) reaches the private control plane.
    dns_endpoint: bool = True
    system_pool: SystemPoolOptions = Field(default_factory=SystemPoolOptions)
    # An existing service account (email) the nodes run as, holding the node roles: the bootstrap creates
    # one per stack (output gcp_node_service_accounts), so the deployer needs no project IAM. Unset, the
    # stack creates one and grants its roles on the project (a deployer with project IAM admin).
    node_service_account: str | None = None
    # An existing service account (email) holding only roles/monitoring.viewer, which the GMP query frontend
    # behind Grafana reads metrics as (Workload Identity): the bootstrap creates one per stack (output
    # gcp_metrics_reader_service_accounts) and lets the deployer bind to it. Unset, a stack with
    # observability on creates one and grants the role on the project (a deployer with project IAM admin).
    metrics_reader_service_account: str | None = None


class GpuSharing(Model):
    """Share each GPU between up to `max_clients` containers."""

    strategy: SharingStrategy
    max_clients: int = Field(ge=2, le=48)


class Provisioning(StrEnum):
    """How GKE obtains the pool's GPUs: on demand, or through Dynamic Workload Scheduler (flex-start, alone or
    with queued provisioning, where a job's nodes all come up together)."""

    STANDARD = "standard"
    FLEX_START = "flex-start"
    QUEUED = "queued-provisioning"


class Reservation(Model):
    """Reservation affinity; `name`, `zone` and `nodes` are required for SPECIFIC_RESERVATION."""

    affinity: ReservationAffinity = ReservationAffinity.ANY
    name: str | None = None
    # The reservation's zone (reservations are zonal): the pool's nodes are pinned to it.
    zone: ZoneName | None = None
    # Machines the reservation holds: billed whether nodes run on them or not.
    nodes: int = Field(default=0, ge=0, le=MAX_NODES)


class GkePoolOptions(Model):
    """GKE-only settings of a GPU pool."""

    driver_version: DriverVersion = DriverVersion.DEFAULT
    gpu_sharing: GpuSharing | None = None
    mig_partition_size: str | None = None
    reservation: Reservation | None = None
    provisioning: Provisioning = Provisioning.STANDARD
    # Machines close together for multi-node training; pins the pool to one zone.
    compact_placement: bool = False
    # Zone of a compact-placement pool in a regional cluster; defaults to `<region>-b`.
    zone: ZoneName | None = None
    max_surge: int = Field(default=1, ge=0, le=20)
    max_unavailable: int = Field(default=0, ge=0, le=20)
    disk_type: DiskType = DiskType.PD_BALANCED


class WorkloadGrant(Model):
    """A Kubernetes service account allowed to read (or read and write) a bucket's objects."""

    namespace: KubeName
    service_account: KubeName
    access: BucketAccess = BucketAccess.READ


class GcsBucketOptions(Model):
    """GCS-only settings of a bucket."""

    # `cmek` encrypts with a Cloud KMS key (`kms_key`, or one created for the bucket).
    encryption: str = Field(default="google-managed", pattern=r"^(google-managed|cmek)$")
    kms_key: KeyName | None = None
    storage_class: str = Field(default="STANDARD", pattern=r"^(STANDARD|NEARLINE|COLDLINE|ARCHIVE)$")
    # 0 turns soft delete off; otherwise GCS accepts 7 to 90 days.
    soft_delete_days: int = Field(default=7, ge=0, le=90)
    workload_access: dict[Name, WorkloadGrant] = Field(default_factory=dict)


class AlertSmtpRelay(Model):
    """The mail relay the GKE managed Alertmanager sends alert email through (it has none of its own).

    No password: a relay that admits the clusters by their NAT address (Google Workspace's SMTP relay
    service, or one inside the VPC), so no mail credential has to live in the cluster.
    """

    # `host:port`, as Alertmanager's `smarthost` takes it.
    smarthost: str = Field(pattern=r"^[A-Za-z0-9.-]+:[0-9]{1,5}$")
    sender: str = Field(pattern=r"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$", max_length=254)

