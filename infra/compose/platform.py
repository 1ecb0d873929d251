"""The platform: typed stack config -> every component, one module per cloud.

A module of the `infra.compose` package, so the name `platform` cannot shadow the standard
library's (Pulumi runs `infra/` with that folder first on sys.path; `infra/compose/` is not).
"""

from __future__ import annotations

from typing import Any

import pulumi

from infra.catalog.accelerators import Cloud
from infra.compose.context import base_tags
from infra.config.stack import StackConfig


def build_platform(config: StackConfig) -> dict[str, Any]:
    """Create every component the config describes; return the stack outputs."""
    stack = pulumi.get_stack()
    tags = base_tags(config, stack)
    outputs: dict[str, Any] = {"environment": config.environment.value}
    # Imported per cloud so a stack that uses one cloud never loads the other's SDK.
    if any(c.cloud == Cloud.AWS for c in [*config.clusters.values(), *config.buckets.values()]):
        from infra.compose import aws

        outputs.update(aws.build(config, stack, tags))
    if any(c.cloud == Cloud.GCP for c in [*config.clusters.values(), *config.buckets.values()]):
        from infra.compose import gcp

        outputs.update(gcp.build(config, stack, tags, outputs))
    return outputs
