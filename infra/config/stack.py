"""The shape of a stack's `mlinfra:*` config, as pydantic models.

Every model forbids unknown keys, so a typo is an error instead of a silently ignored setting.
Collections are dicts keyed by name: reordering them never renames (and so never replaces) a
resource. Cross-field rules live in `infra.config.rules.stack`, where every problem is collected.
"""

from __future__ import annotations

from enum import StrEnum
from ipaddress import IPv4Network
from typing import Annotated

from pydantic import Field, StringConstraints

from infra.catalog.accelerators import Accelerator, Cloud
from infra.config.aws import AwsBucketOptions, AwsClusterOptions, AwsPoolOptions
from infra.config.base import MAX_BUDGET_PER_HOUR, MAX_DAYS, MAX_NODES, Model, Name
from infra.config.datasets import DatasetConfig
from infra.config.gateways import GatewayConfig
from infra.config.gcp import AlertSmtpRelay, GcsBucketOptions, GkeClusterOptions, GkePoolOptions
from infra.config.observability import ObservabilityConfig
from infra.config.runners import GithubAppConfig, RunnerSetConfig
from infra.config.sandbox import SandboxConfig

KubernetesVersion = Annotated[str, StringConstraints(pattern=r"^1\.\d{2}$")]


class Environment(StrEnum):
    """The kind of stack; it drives protection, sizing and what may be opted out of."""

    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"
    SANDBOX = "sandbox"


class CapacityType(StrEnum):
    """How a pool's machines are bought."""

    ON_DEMAND = "on-demand"
    SPOT = "spot"


class NatMode(StrEnum):
    """How many NAT gateways a network gets: one to save cost, or one per zone to survive a zone loss."""

    SINGLE = "single"
    PER_ZONE = "per-zone"


class Tags(Model):
    """Ownership tags put on every taggable resource."""

    owner: str = Field(min_length=1)
    cost_center: str = Field(alias="cost-center", min_length=1)
    extra: dict[str, str] = Field(default_factory=dict)


class AwsSettings(Model):
    """Where AWS resources go."""

    region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
    # The bootstrap output aws_permissions_boundary_arn: every role the stack creates carries it and lives
    # under its path, the only roles the CI deploy role may create.
    permissions_boundary_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:iam::\d{12}:policy/.+$")


class GcpSettings(Model):
    """Where Google Cloud resources go."""

    project: str = Field(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
    region: str = Field(pattern=r"^[a-z]+-[a-z]+\d$")
    # Where GKE's managed Alertmanager sends observability.notify.emails (see README "Observability on GKE").
    alert_smtp: AlertSmtpRelay | None = None


class NetworkConfig(Model):
    """A cluster's network: address range, zones and NAT."""

    cidr: IPv4Network = IPv4Network("10.0.0.0/16")
    zones: int = Field(default=2, ge=2, le=6)
    nat: NatMode = NatMode.SINGLE


class EndpointConfig(Model):
    """Who may reach the Kubernetes API. Private by default; public only for listed CIDRs."""

    public_access_cidrs: list[IPv4Network] = Field(default_factory=list)


class GpuPoolConfig(Model):
    """One GPU node pool, written the same way for every cloud."""

    accelerator: Accelerator
    gpus_per_node: int = Field(default=1, ge=1)
    min_nodes: int = Field(default=0, ge=0, le=MAX_NODES)
    max_nodes: int = Field(default=1, ge=0, le=MAX_NODES)
    capacity: CapacityType = CapacityType.ON_DEMAND
    disk_gib: int = Field(default=200, ge=50, le=16384)
    labels: dict[str, str] = Field(default_factory=dict)
    gcp: GkePoolOptions = Field(default_factory=GkePoolOptions)
    aws: AwsPoolOptions = Field(default_factory=AwsPoolOptions)


class ClusterConfig(Model):
    """One Kubernetes cluster and its node pools."""

    cloud: Cloud
    kubernetes_version: KubernetesVersion = "1.35"
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    endpoint: EndpointConfig = Field(default_factory=EndpointConfig)
    log_retention_days: int = Field(default=90, ge=1, le=3653)
    gpu_pools: dict[Name, GpuPoolConfig] = Field(default_factory=dict)
    gateways: dict[Name, GatewayConfig] = Field(default_factory=dict)
    runners: dict[Name, RunnerSetConfig] = Field(default_factory=dict)
    gcp: GkeClusterOptions = Field(default_factory=GkeClusterOptions)
    aws: AwsClusterOptions = Field(default_factory=AwsClusterOptions)


class LifecycleConfig(Model):
    """Object lifecycle: what to expire and when."""

    noncurrent_version_expiration_days: int = Field(default=30, ge=1, le=MAX_DAYS)
    abort_incomplete_multipart_days: int = Field(default=7, ge=1, le=MAX_DAYS)


class BucketConfig(Model):
    """One object-storage bucket for datasets, checkpoints or artifacts."""

    cloud: Cloud
    versioning: bool = True
    lifecycle: LifecycleConfig = Field(default_factory=LifecycleConfig)
    gcp: GcsBucketOptions = Field(default_factory=GcsBucketOptions)
    aws: AwsBucketOptions = Field(default_factory=AwsBucketOptions)


class StackConfig(Model):
    """Everything under `mlinfra:` in one stack file."""

    environment: Environment
    tags: Tags
    # Prefix for globally unique names (buckets); an organisation sets it once per company.
    name_prefix: Name = "mlinfra"
    aws: AwsSettings | None = None
    gcp: GcpSettings | None = None
    clusters: dict[Name, ClusterConfig] = Field(default_factory=dict)
    buckets: dict[Name, BucketConfig] = Field(default_factory=dict)
    # Training data declared once, mounted and cached on the clusters that read it (docs/datasets.md).
    datasets: dict[Name, DatasetConfig] = Field(default_factory=dict)
    # Peak cost above this fails the plan; sandbox stacks use sandbox.budget_per_hour.
    budget_per_hour: float | None = Field(default=None, gt=0, le=MAX_BUDGET_PER_HOUR, allow_inf_nan=False)
    sandbox: SandboxConfig | None = None
    github_app: GithubAppConfig | None = None
    observability: ObservabilityConfig = Field(default_factory=ObservabilityConfig)


def budget_for(config: StackConfig) -> float | None:
    """The hourly budget that applies to a stack: its own, else its sandbox budget, else none."""
    if config.budget_per_hour is not None:
        return config.budget_per_hour
    return config.sandbox.budget_per_hour if config.sandbox is not None else None
