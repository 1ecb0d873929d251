"""Config for CI runners: GitHub Actions runner scale sets per cluster and the GitHub App they use.

Hooked into the shared models with one field each (`ClusterConfig.runners`,
`StackConfig.github_app`) so this area merges cleanly with other work on the config.
Cross-field rules (URL shape, GPU pool match, limits >= requests, pinned image, dind opt-in) are in
`infra.config.rules.runners`, each with its path. The App's private key is not config at all: it lives in
the environment's cloud secret (infra/compose/app_secret.py), see PRIVATE_KEY_MOVED.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated
from urllib.parse import urlparse

from pydantic import Field, StringConstraints

from infra.catalog.accelerators import Accelerator, Cloud
from infra.config.base import MAX_NODES, BucketAccess, Model

# The runner image GitHub publishes for ARC; its `runner` user is uid 1001, group docker (123).
DEFAULT_RUNNER_IMAGE = "ghcr.io/actions/actions-runner:2.338.1"
# Clouds whose composition calls `infra.compose.runners` (aws_runners, gcp_runners). A cloud not
# listed here has its runners refused, because silently deploying nothing is worse than an error.
RUNNERS_DEPLOYED_ON: frozenset[Cloud] = frozenset({Cloud.AWS, Cloud.GCP})
# Where the App key goes instead of the stack file, and how it gets there: the stack creates the secret empty
# and an administrator puts the PEM once. CLI forms: `aws secretsmanager put-secret-value --secret-id ...
# --secret-string ...` (https://docs.aws.amazon.com/cli/v1/reference/secretsmanager/put-secret-value.html;
# `file://` loads a parameter from a file) and `gcloud secrets versions add SECRET --data-file=PATH`
# (https://cloud.google.com/sdk/gcloud/reference/secrets/versions/add), both read 2026-12-07.
PUT_KEY_AWS = ("aws secretsmanager put-secret-value --secret-id <name_prefix>-<stack>-github-app "
               "--secret-string file://key.pem")
PUT_KEY_GCP = "gcloud secrets versions add <name_prefix>-<stack>-github-app --project <gcp.project> --data-file=key.pem"
PRIVATE_KEY_MOVED = (
    "the App's private key is no longer config: previews decrypt a previewed stack's secrets, so a key here is "
    "readable by every pull request. Remove it (`pulumi config rm --path 'mlinfra:github_app.private_key'`); "
    "after `pulumi up` the stack's cloud secret `<name_prefix>-<stack>-github-app` exists empty, and an "
    f"administrator puts the key once: `{PUT_KEY_AWS}` (EKS) or `{PUT_KEY_GCP}` (GKE)")

CpuQuantity = Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+)?m?$")]
MemoryQuantity = Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$")]
NumericId = Annotated[str, StringConstraints(pattern=r"^\d{1,20}$")]

_MEMORY_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
                 "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


class RunnerKind(StrEnum):
    """Whether a scale set's runners get GPUs, or deploy the stack (steps in the runner pod, next to the
    cluster's private API endpoint; cloud credentials only through the workflow's OIDC token)."""

    CPU = "cpu"
    GPU = "gpu"
    DEPLOY = "deploy"


# `ORG/REPO`, as GitHub spells a repository.
RepoSlug = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")]


class ContainerMode(StrEnum):
    """How jobs run: `kubernetes` (job pods via container hooks) or privileged Docker-in-Docker."""

    KUBERNETES = "kubernetes"
    DIND = "dind"


class ResourceAmounts(Model):
    """CPU and memory in Kubernetes quantities, e.g. `cpu: "2"`, `memory: 8Gi`."""

    cpu: CpuQuantity
    memory: MemoryQuantity


class RunnerResources(Model):
    """Requests and limits of the runner container; both required so no runner is unbounded."""

    requests: ResourceAmounts
    limits: ResourceAmounts


class RunnerGpu(Model):
    """The GPUs one runner gets, and the cluster GPU pool it runs on."""

    pool: str
    accelerator: Accelerator
    count: int = Field(default=1, ge=1, le=MAX_NODES)


class RunnerRegistry(Model):
    """The one container registry repository jobs may push to: ECR on AWS, Artifact Registry on GCP."""

    # Lowercase so it is a valid ECR name and Artifact Registry id alike.
    repository: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,62}$")]
    # true: mlinfra creates it; false: it exists already and only the push grant is added.
    create: bool = True


class RunnerCloudAccess(Model):
    """Cloud access for a scale set's jobs, via EKS Pod Identity or GKE Workload Identity."""

    registry: RunnerRegistry | None = None
    # Keys of this stack's `buckets`, on the cluster's cloud.
    buckets: dict[str, BucketAccess] = Field(default_factory=dict)


class RunnerSetConfig(Model):
    """One runner scale set; its key is the scale set name that `runs-on:` uses."""

    github_config_url: str
    # The GitHub runner group the set registers in. At an organisation URL it must not be `default`,
    # which every repository of the organisation may use; the group admits only `repositories`.
    runner_group: str = Field(default="default", min_length=1)
    # Repositories the runner group admits (created in GitHub, README: runner groups); default: the
    # platform's own repository (`github_app.platform_repository`).
    repositories: list[RepoSlug] = Field(default_factory=list)
    labels: list[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,100}$")]] = Field(
        default_factory=list)
    min_runners: int = Field(default=0, ge=0, le=MAX_NODES)
    max_runners: int = Field(ge=1, le=MAX_NODES)
    kind: RunnerKind = RunnerKind.CPU
    gpu: RunnerGpu | None = None
    resources: RunnerResources
    image: str = DEFAULT_RUNNER_IMAGE
    container_mode: ContainerMode = ContainerMode.KUBERNETES
    allow_privileged_dind: bool = False
    work_volume_gib: int = Field(default=20, ge=1, le=1024)
    storage_class: str | None = None
    cloud_access: RunnerCloudAccess = Field(default_factory=RunnerCloudAccess)
    # A deploy set on EKS whose environment's deploy role trusts only these runner pods (bootstrap
    # `aws.deploy_clusters`): that role's ARN (bootstrap output aws_deploy_<env>_role_arn). The stack associates
    # it with the runners' service account through EKS Pod Identity; jobs then need no OIDC exchange.
    deploy_role_arn: str | None = Field(default=None, pattern=r"^arn:aws:iam::\d{12}:role/[A-Za-z0-9+=,.@_-]{1,64}$")


class GithubAppConfig(Model):
    """The GitHub App ARC authenticates as; its private key is in the environment's cloud secret, not here."""

    app_id: NumericId
    installation_id: NumericId
    # The repository of this platform: the default of every runner group's allowed repositories.
    platform_repository: RepoSlug | None = None


def github_url_ok(url: str) -> bool:
    """True for https://<host>/<org> or https://<host>/<org>/<repo> (and enterprises/<name>)."""
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.hostname or parsed.query or parsed.fragment:
        return False
    parts = [p for p in parsed.path.split("/") if p]
    if parsed.path.endswith("//") or not 1 <= len(parts) <= 2:
        return False
    return all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", p) for p in parts)


def image_pin_problem(image: str) -> str | None:
    """Why an image reference is not pinned (no tag, or `latest`), or None when it is."""
    if "@sha256:" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    if not tag:
        return f"needs a pinned tag or digest, e.g. {DEFAULT_RUNNER_IMAGE} (got {image!r})"
    if tag == "latest":
        return f"`latest` is not a pin; use a version tag or digest, e.g. {DEFAULT_RUNNER_IMAGE} (got {image!r})"
    return None


def parse_quantity(quantity: str) -> Decimal:
    """A Kubernetes CPU or memory quantity as a number (cores or bytes), for comparing."""
    if quantity.endswith("m"):
        return Decimal(quantity[:-1]) / 1000
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([A-Za-z]*)", quantity)
    if not match or match.group(2) not in _MEMORY_UNITS:
        raise ValueError(f"not a Kubernetes quantity: {quantity!r}")
    return Decimal(match.group(1)) * _MEMORY_UNITS[match.group(2)]

