"""What a sandbox is, as plain data and pure functions: its name, TTL, GPU, expiry and config.

Below `lifecycle` (which drives Pulumi) and `plan` (which plans a sandbox offline): both import
this module and neither imports the other's callers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from infra.catalog.accelerators import Accelerator, Cloud
from infra.catalog.expiry import parse_expiry  # noqa: F401 - the policy pack's own reading, for lifecycle

PREFIX = "sandbox-"
TEMPLATE = "sandbox"
MAX_STACK_NAME = 100  # Pulumi's limit on a stack name
PART = re.compile(r"[a-z0-9][a-z0-9-]*")
TTL = re.compile(r"^(\d+)([mhd])$")
TAG_OWNER, TAG_EXPIRES, TAG_CREATOR = "mlinfra-owner", "mlinfra-expires", "mlinfra-creator"
TAG_CLOUD, TAG_PEAK, TAG_RESOURCES = "mlinfra-cloud", "mlinfra-peak-usd-per-hour", "mlinfra-resources"


class SandboxRefused(Exception):
    """The request breaks a rule (name, TTL, budget, existence); nothing was changed."""


class SandboxFailed(Exception):
    """Pulumi failed part-way; the message says what state the sandbox is left in."""


@dataclass(frozen=True)
class Estimate:
    """What a sandbox would be: its plan document (cost included) and its budget verdict."""

    document: dict[str, Any]
    breach_message: str | None
    # The sandbox's full `namespace:key -> value` config, as handed to Pulumi.
    config: dict[str, str]

    @property
    def peak_per_hour(self) -> float:
        """Peak cost per hour."""
        return self.document["cost"]["totals"]["peak"]["usdPerHour"]


Planner = Callable[[Any], Estimate]  # StackFile -> Estimate


# ASCII digits only: `\d` and str.isdigit() also accept '²' and '٣', which int() then rejects or reads.
GPU_COUNT = re.compile(r"[0-9]{1,4}")
# No template allows more; the bound keeps timedelta() and datetime arithmetic from overflowing.
MAX_TTL_PARSED = timedelta(days=365)
TTL_FORM = "a positive number of minutes, hours or days of at most 365d, e.g. 90m, 8h, 2d"


def parse_ttl(text: str) -> timedelta:
    """`90m`, `8h` or `2d` as a duration."""
    found = TTL.match(text.strip())
    if found and not (found.group(1).isascii() and len(found.group(1)) <= 9):
        found = None
    number = int(found.group(1)) if found else 0
    minutes = number * {"m": 1, "h": 60, "d": 24 * 60}[found.group(2)] if found else 0
    if not 0 < minutes <= MAX_TTL_PARSED.total_seconds() // 60:
        raise SandboxRefused(f"--ttl '{text}' must be {TTL_FORM}")
    return timedelta(minutes=minutes)


def parse_gpu(text: str) -> tuple[Accelerator, int]:
    """`nvidia-l4` or `nvidia-l4:4` as (accelerator, GPUs per node)."""
    name, _, count = text.partition(":")
    try:
        accelerator = Accelerator(name)
    except ValueError:
        known = ", ".join(a.value for a in Accelerator)
        raise SandboxRefused(f"--gpu '{text}': unknown accelerator '{name}'; one of: {known}") from None
    if count and not (GPU_COUNT.fullmatch(count) and int(count) > 0):
        raise SandboxRefused(f"--gpu '{text}': the count after ':' must be a positive whole number "
                             "(digits 0-9, at most 9999)")
    return accelerator, int(count or 1)


def stack_name(owner: str, name: str) -> str:
    """`sandbox-<owner>-<name>`, checked against Pulumi's stack-name rules and cloud naming."""
    for label, part in (("owner", owner), ("--name", name)):
        # fullmatch: `$` in re.match also matches before a trailing newline ("bob\n" passed).
        if not PART.fullmatch(part):
            raise SandboxRefused(f"{label} {part!r} must be lower-case letters, digits and hyphens, "
                                 "starting with a letter or digit")
    stack = f"{PREFIX}{owner}-{name}"
    if len(stack) > MAX_STACK_NAME:
        raise SandboxRefused(f"stack name '{stack}' is {len(stack)} characters; Pulumi allows at most "
                             f"{MAX_STACK_NAME}: use a shorter owner or --name")
    return stack


def hours(delta: timedelta) -> str:
    """A duration as `5h 30m` (or `expired`)."""
    minutes = int(delta.total_seconds() // 60)
    if minutes <= 0:
        return "expired"
    return f"{minutes // 60}h {minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def iso(moment: datetime) -> str:
    """UTC ISO-8601 to the second, as stored in the expiry tag."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Cluster keys that mean the same on every cloud; the rest belong to the template's cloud and
# would be refused (or silently meaningless) on the other.
CLOUD_NEUTRAL_CLUSTER_KEYS = ("kubernetes_version", "endpoint", "gpu_pools")


def cloud_neutral(cluster: dict[str, Any]) -> dict[str, Any]:
    """A cluster's config with only the keys every cloud understands (the network range kept)."""
    neutral = {k: v for k, v in cluster.items() if k in CLOUD_NEUTRAL_CLUSTER_KEYS}
    if "cidr" in (cluster.get("network") or {}):
        neutral["network"] = {"cidr": cluster["network"]["cidr"]}
    return neutral


def sandbox_stack_file(template: Any, stack: str, owner: str, cluster: str, cloud: Cloud | None,
                       gpu: tuple[Accelerator, int] | None) -> Any:
    """The template's config with this sandbox's owner, cloud and GPU pool."""
    config = dict(template.config)
    tags = json.loads(config["mlinfra:tags"])
    config["mlinfra:tags"] = json.dumps({**tags, "owner": owner})
    clusters = json.loads(config.get("mlinfra:clusters", "{}"))
    if cluster in clusters:
        if cloud is not None and clusters[cluster].get("cloud") != cloud.value:
            clusters[cluster] = cloud_neutral(clusters[cluster])
            clusters[cluster]["cloud"] = cloud.value
        if gpu is not None:
            pools = clusters[cluster].get("gpu_pools") or {}
            base = pools.get("gpu") or {"min_nodes": 0, "max_nodes": 1, "capacity": "spot"}
            clusters[cluster]["gpu_pools"] = {"gpu": {**base, "accelerator": gpu[0].value,
                                                      "gpus_per_node": gpu[1]}}
    config["mlinfra:clusters"] = json.dumps(clusters)
    return replace(template, name=stack, config=config)
