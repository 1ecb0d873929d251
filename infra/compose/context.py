"""What every composition module shares: tags, names, zones, and the AWS builders' context.

At the bottom of the composition: it imports config only, and every module of `infra.compose`
may import it (the cloud modules import each other's builders, never this one's callers).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.aws.iam import RoleBounds
from infra.config.sandbox import expiry_epoch
from infra.config.stack import Environment, StackConfig

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


@dataclass(frozen=True)
class AwsContext:
    """What every AWS builder needs: config, stack, tags, provider options and the account id."""

    config: StackConfig
    stack: str
    tags: dict[str, str]
    opts: pulumi.ResourceOptions
    region: str
    account_id: pulumi.Output[str]

    @property
    def bounds(self) -> RoleBounds:
        """The permissions boundary and IAM path of every role this stack creates."""
        aws = self.config.aws
        return RoleBounds(aws.permissions_boundary_arn if aws is not None else None)
