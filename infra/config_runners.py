"""Config for CI runners: GitHub Actions runner scale sets per cluster and the GitHub App they use.

Hooked into the shared models with one field each (`ClusterConfig.runners`,
`StackConfig.github_app`) so this area merges cleanly with other work on the config.
Cross-field rules (URL shape, GPU pool match, limits >= requests, pinned image, dind opt-in,
the private key being a Pulumi secret) are in `runner_problems`, each with its path.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlparse

from pydantic import Field, SecretStr, StringConstraints

from infra.catalog import Accelerator, Cloud
from infra.config_base import BucketAccess, Model

if TYPE_CHECKING:  # config_models imports this module; only type hints need it back.
    from infra.config_models import ClusterConfig, StackConfig

# The runner image GitHub publishes for ARC; its `runner` user is uid 1001, group docker (123).
DEFAULT_RUNNER_IMAGE = "ghcr.io/actions/actions-runner:2.338.1"
# Clouds whose composition calls `infra.compose_runners` (aws_runners, gcp_runners). A cloud not
# listed here has its runners refused, because silently deploying nothing is worse than an error.
RUNNERS_DEPLOYED_ON: frozenset[Cloud] = frozenset({Cloud.AWS, Cloud.GCP})
SECRET_HINT = "pulumi config set --secret --path 'mlinfra:github_app.private_key' < key.pem"

CpuQuantity = Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+)?m?$")]
MemoryQuantity = Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$")]
NumericId = Annotated[str, StringConstraints(pattern=r"^\d{1,20}$")]

_MEMORY_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
                 "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


class RunnerKind(StrEnum):
    """Whether a scale set's runners get GPUs."""

    CPU = "cpu"
    GPU = "gpu"


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
    count: int = Field(default=1, ge=1)


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
    runner_group: str = Field(default="default", min_length=1)
    labels: list[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,100}$")]] = Field(
        default_factory=list)
    min_runners: int = Field(default=0, ge=0)
    max_runners: int = Field(ge=1)
    kind: RunnerKind = RunnerKind.CPU
    gpu: RunnerGpu | None = None
    resources: RunnerResources
    image: str = DEFAULT_RUNNER_IMAGE
    container_mode: ContainerMode = ContainerMode.KUBERNETES
    allow_privileged_dind: bool = False
    work_volume_gib: int = Field(default=20, ge=1, le=1024)
    storage_class: str | None = None
    cloud_access: RunnerCloudAccess = Field(default_factory=RunnerCloudAccess)


class GithubAppConfig(Model):
    """The GitHub App ARC authenticates as; the private key must come from a Pulumi secret."""

    app_id: NumericId
    installation_id: NumericId
    # SecretStr keeps the key out of reprs and tracebacks; compose code unwraps it into a secret Output.
    private_key: SecretStr


def runner_problems(config: StackConfig) -> Iterator[tuple[str, str]]:
    """Every problem with runner config, with its path."""
    with_runners = [name for name, c in config.clusters.items() if c.runners]
    if with_runners and config.github_app is None:
        yield ("github_app", f"required because clusters.{with_runners[0]}.runners has scale sets; add "
               "`mlinfra:github_app: {app_id, installation_id, private_key}` (private key as a secret: "
               f"`{SECRET_HINT}`)")
    seen: dict[tuple[str, str, str], str] = {}
    created: dict[tuple[Cloud, str], str] = {}
    for name, cluster in config.clusters.items():
        for set_name, runner in cluster.runners.items():
            # GitHub names a scale set uniquely within its runner group; a second one would take over.
            key = (runner.github_config_url.rstrip("/").lower(), runner.runner_group, set_name)
            path = f"clusters.{name}.runners.{set_name}"
            if key in seen:
                yield (path, f"scale set name '{set_name}' is already used for {runner.github_config_url} "
                       f"(runner group {runner.runner_group}) by {seen[key]}; rename one of them")
            seen.setdefault(key, path)
            registry = runner.cloud_access.registry
            if registry is not None and registry.create:
                other = created.setdefault((cluster.cloud, registry.repository), path)
                if other != path:
                    yield (f"{path}.cloud_access.registry.repository",
                           f"repository '{registry.repository}' is already created by {other}; set "
                           "`create: false` here to share it")
        if cluster.runners and cluster.cloud not in RUNNERS_DEPLOYED_ON:
            yield (f"clusters.{name}.runners",
                   f"runner scale sets are not deployed on {cluster.cloud.value} clusters yet (they need the "
                   "cluster's Kubernetes provider); remove `runners` for now")
        for set_name, runner in cluster.runners.items():
            yield from runner_set_problems(f"clusters.{name}.runners.{set_name}", cluster, runner)
            yield from _access_problems(f"clusters.{name}.runners.{set_name}.cloud_access", config, cluster, runner)


def _access_problems(path: str, config: StackConfig, cluster: ClusterConfig,
                     runner: RunnerSetConfig) -> Iterator[tuple[str, str]]:
    for bucket in runner.cloud_access.buckets:
        found = config.buckets.get(bucket)
        if found is None:
            yield (f"{path}.buckets.{bucket}",
                   f"not a bucket of this stack; buckets: {', '.join(config.buckets) or 'none'}")
        elif found.cloud != cluster.cloud:
            yield (f"{path}.buckets.{bucket}",
                   f"bucket is on {found.cloud.value} but the cluster is on {cluster.cloud.value}; jobs get "
                   "access through the cluster's own cloud identity")


def secret_problems(config: StackConfig, secret_keys: Collection[str]) -> Iterator[tuple[str, str]]:
    """Config that must arrive as a Pulumi secret but came in plain text (keys without `mlinfra:`)."""
    if config.github_app is not None and "github_app" not in secret_keys:
        yield ("github_app.private_key",
               f"must be a Pulumi secret, never plain text in the stack file; set it with `{SECRET_HINT}`")


def runner_set_problems(path: str, cluster: ClusterConfig, runner: RunnerSetConfig) -> Iterator[tuple[str, str]]:
    """Problems with one scale set, checked against its cluster's GPU pools."""
    if not github_url_ok(runner.github_config_url):
        yield (f"{path}.github_config_url",
               "must be the https URL of a GitHub organisation or repository, e.g. https://github.com/acme "
               f"or https://github.com/acme/ml (got {runner.github_config_url!r})")
    if runner.max_runners < runner.min_runners:
        yield f"{path}.max_runners", f"must be >= min_runners (got {runner.max_runners} < {runner.min_runners})"
    yield from _gpu_problems(path, cluster, runner)
    for field in ("cpu", "memory"):
        request = getattr(runner.resources.requests, field)
        limit = getattr(runner.resources.limits, field)
        if parse_quantity(limit) < parse_quantity(request):
            yield (f"{path}.resources.limits.{field}",
                   f"must be >= resources.requests.{field} (got {limit} < {request})")
    image_problem = image_pin_problem(runner.image)
    if image_problem:
        yield f"{path}.image", image_problem
    if runner.container_mode == ContainerMode.DIND and not runner.allow_privileged_dind:
        yield (f"{path}.container_mode",
               "dind runs a privileged Docker daemon next to every runner; use `kubernetes`, or set "
               "`allow_privileged_dind: true` to accept that risk explicitly")


def _gpu_problems(path: str, cluster: ClusterConfig, runner: RunnerSetConfig) -> Iterator[tuple[str, str]]:
    if runner.kind == RunnerKind.CPU:
        if runner.gpu is not None:
            yield f"{path}.gpu", "only allowed with `kind: gpu`; remove it or set kind to gpu"
        return
    if runner.gpu is None:
        yield f"{path}.gpu", "required with `kind: gpu`; add `gpu: {pool: ..., accelerator: ..., count: ...}`"
        return
    gpu = runner.gpu
    pool = cluster.gpu_pools.get(gpu.pool)
    if pool is None:
        pools = ", ".join(cluster.gpu_pools) or "none"
        yield (f"{path}.gpu.pool",
               f"not a GPU pool of this cluster; pools: {pools} (got {gpu.pool!r})")
        return
    if pool.accelerator != gpu.accelerator:
        yield (f"{path}.gpu.accelerator",
               f"GPU pool '{gpu.pool}' has {pool.accelerator.value}, so runners there cannot get "
               f"{gpu.accelerator.value}; use {pool.accelerator.value} or another pool")
    if gpu.count > pool.gpus_per_node:
        yield (f"{path}.gpu.count",
               f"GPU pool '{gpu.pool}' nodes have {pool.gpus_per_node} GPU(s), so a runner cannot get "
               f"{gpu.count} (got {gpu.count})")


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

