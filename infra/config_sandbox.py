"""Budget and sandbox config: `mlinfra:budget_per_hour` and `mlinfra:sandbox`, with their rules."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import Field

from infra.config_base import Model

if TYPE_CHECKING:
    from infra.config_models import StackConfig
    from infra.offline.stackfile import StackFile


class SandboxConfig(Model):
    """Limits for `mlinfra sandbox create`: what one engineer's stack may cost and how long it lives."""

    budget_per_hour: float = Field(gt=0)
    max_ttl_hours: int = Field(default=24, ge=1, le=24 * 14)
    default_ttl_hours: int = Field(default=8, ge=1)
    # Most GPUs a sandbox may hold at peak (sum over pools of max_nodes x gpus_per_node).
    gpu_cap: int = Field(default=8, ge=1)
    # The cluster in the template that `--gpu` and `--cloud` change.
    cluster: str = "sandbox"
    # When this sandbox expires, in epoch seconds; written by `mlinfra sandbox create` and
    # `extend`, never by hand. Every resource carries it as the `expires-at` tag.
    expires_at: int | None = Field(default=None, gt=0)


def expiry_epoch(sandbox: SandboxConfig, now: float | None = None) -> int:
    """The sandbox's expiry; a template planned on its own shows what a sandbox made now would get."""
    if sandbox.expires_at is not None:
        return sandbox.expires_at
    return int((time.time() if now is None else now) + sandbox.default_ttl_hours * 3600)


def with_expiry(config: Mapping[str, str], expires: datetime) -> dict[str, str]:
    """Stack config (wire form) with `mlinfra:sandbox.expires_at` set to `expires`."""
    sandbox = json.loads(config.get("mlinfra:sandbox") or "{}")
    sandbox["expires_at"] = int(expires.timestamp())
    return {**config, "mlinfra:sandbox": json.dumps(sandbox)}


def budget_for(config: StackConfig) -> float | None:
    """The hourly budget that applies to a stack: its own, else its sandbox budget, else none."""
    if config.budget_per_hour is not None:
        return config.budget_per_hour
    return config.sandbox.budget_per_hour if config.sandbox is not None else None


def sandbox_problems(config: StackConfig) -> Iterator[tuple[str, str]]:
    """Problems with the sandbox section: TTLs that contradict each other, GPUs over the cap."""
    sandbox = config.sandbox
    if sandbox is None:
        return
    if sandbox.default_ttl_hours > sandbox.max_ttl_hours:
        yield ("sandbox.default_ttl_hours", f"must be <= max_ttl_hours (got {sandbox.default_ttl_hours} > "
               f"{sandbox.max_ttl_hours})")
    if sandbox.cluster not in config.clusters:
        known = ", ".join(config.clusters) or "none"
        yield "sandbox.cluster", f"no cluster named '{sandbox.cluster}' (clusters: {known})"
    gpus = sum(p.max_nodes * p.gpus_per_node for c in config.clusters.values() for p in c.gpu_pools.values())
    if gpus > sandbox.gpu_cap:
        yield ("sandbox.gpu_cap", f"GPU pools can reach {gpus} GPUs at peak, over the cap of "
               f"{sandbox.gpu_cap}; lower max_nodes or gpus_per_node")


def config_from_stack_file(stack_file: StackFile) -> StackConfig:
    """Parse a stack file's `mlinfra:*` values, as the program does (raises ConfigError)."""
    from infra.config import namespace_values, parse_stack_config

    return parse_stack_config(namespace_values(stack_file.config), stack_file.name)
