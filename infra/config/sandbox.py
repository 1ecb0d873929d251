"""Sandbox config: `mlinfra:sandbox` (budget, TTLs, GPU cap) and the expiry every sandbox resource carries."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from infra.catalog.expiry import LATEST_EPOCH
from infra.config.base import MAX_BUDGET_PER_HOUR, MAX_NODES, Model
from infra.config.plan_clock import expiry_from_clock

EXPIRY_RANGE_MESSAGE = (f"must be epoch seconds from 1 to {LATEST_EPOCH} (9999-12-31T23:59:59Z); "
                        "set by `mlinfra sandbox create` and `extend`, not by hand")


class SandboxConfig(Model):
    """Limits for `mlinfra sandbox create`: what one engineer's stack may cost and how long it lives."""

    budget_per_hour: float = Field(gt=0, le=MAX_BUDGET_PER_HOUR, allow_inf_nan=False)
    max_ttl_hours: int = Field(default=24, ge=1, le=24 * 14)
    default_ttl_hours: int = Field(default=8, ge=1, le=24 * 14)
    # Most GPUs a sandbox may hold at peak (sum over pools of max_nodes x gpus_per_node).
    gpu_cap: int = Field(default=8, ge=1, le=MAX_NODES)
    # The cluster in the template that `--gpu` and `--cloud` change.
    cluster: str = "sandbox"
    # When this sandbox expires, in epoch seconds; written by `mlinfra sandbox create` and
    # `extend`, never by hand. Every resource carries it as the `expires-at` tag. Bounded so that
    # every accepted value is a moment the policy pack and the reaper can read (year 9999 at most).
    expires_at: int | None = None

    @field_validator("expires_at")
    @classmethod
    def _expiry_in_range(cls, value: int | None) -> int | None:
        if value is not None and not 0 < value <= LATEST_EPOCH:
            # A custom error type, so the message reads without pydantic's "Value error, " prefix.
            raise PydanticCustomError("expiry_range", EXPIRY_RANGE_MESSAGE)
        return value


def expiry_epoch(sandbox: SandboxConfig, now: float | None = None) -> int:
    """The sandbox's expiry; a template planned on its own shows what a sandbox made now would get.

    "Now" is the plan clock (infra/config/plan_clock.py) unless `now` is given; a real sandbox
    has `expires_at` in its config, written by `mlinfra sandbox create` from the real clock.
    """
    if sandbox.expires_at is not None:
        return sandbox.expires_at
    ttl = sandbox.default_ttl_hours * 3600
    return int(now) + ttl if now is not None else expiry_from_clock(ttl)


def with_expiry(config: Mapping[str, str], expires: datetime) -> dict[str, str]:
    """Stack config (wire form) with `mlinfra:sandbox.expires_at` set to `expires`."""
    sandbox = json.loads(config.get("mlinfra:sandbox") or "{}")
    sandbox["expires_at"] = int(expires.timestamp())
    return {**config, "mlinfra:sandbox": json.dumps(sandbox)}
