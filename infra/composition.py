"""Composition: typed stack config -> components, one short function per area.

Named `composition` rather than `platform` because Pulumi runs `infra/` with that folder first
on sys.path, where a module called `platform` would shadow the standard library's.
"""

from __future__ import annotations

from typing import Any

import pulumi

from infra.catalog import Cloud
from infra.config_models import Environment, StackConfig
from infra.config_sandbox import expiry_epoch

PROTECTED_ENVIRONMENTS = (Environment.STAGING, Environment.PROD)


def base_tags(config: StackConfig, stack: str) -> dict[str, str]:
    """Tags every resource carries: who owns it, who pays, which stack made it (and, in a
    sandbox, when it expires: epoch seconds, valid as both an AWS tag and a GCP label)."""
    tags = {
        **config.tags.extra,
        "environment": config.environment.value,
        "owner": config.tags.owner,
        "cost-center": config.tags.cost_center,
        "stack": stack,
        "managed-by": "mlinfra",
    }
    if config.environment == Environment.SANDBOX and config.sandbox is not None:
        tags["expires-at"] = str(expiry_epoch(config.sandbox))
    return tags


def zones_for(region: str, count: int) -> list[str]:
    """The first `count` zones of a region, computed locally instead of asking the cloud."""
    return [f"{region}{letter}" for letter in "abcdef"[:count]]


def physical_name(stack: str, name: str) -> str:
    """Cloud-side name for a cluster: unique per stack, readable in the console."""
    return f"{stack}-{name}"


def bucket_name(config: StackConfig, stack: str, name: str) -> str:
    """Globally unique bucket name from the organisation's prefix, the stack and the bucket key."""
    return f"{config.name_prefix}-{stack}-{name}"


def build_platform(config: StackConfig) -> dict[str, Any]:
    """Create every component the config describes; return the stack outputs."""
    stack = pulumi.get_stack()
    tags = base_tags(config, stack)
    outputs: dict[str, Any] = {"environment": config.environment.value}
    # Imported per cloud so a stack that uses one cloud never loads the other's SDK.
    if any(c.cloud == Cloud.AWS for c in [*config.clusters.values(), *config.buckets.values()]):
        from infra import compose_aws

        outputs.update(compose_aws.build(config, stack, tags))
    if any(c.cloud == Cloud.GCP for c in [*config.clusters.values(), *config.buckets.values()]):
        from infra import compose_gcp

        outputs.update(compose_gcp.build(config, stack, tags))
    return outputs
