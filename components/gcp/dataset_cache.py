"""AnywhereCaches: a GCS Anywhere Cache in each zone the GPU pools run in, in front of one bucket.

Reads from a zone with a cache are served from SSD in that zone after the first miss
(`admission_policy` admit-on-first-miss, pulumi-gcp 10.2.0 `gcp.storage.AnywhereCache`, read 2026-12-07);
entries expire after `ttl`. The cache is in front of the bucket for every reader in the zone, which is why
read-write datasets are refused behind it (infra.config.rules.datasets, policies/datasets.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class AnywhereCachesArgs:
    """Inputs of AnywhereCaches."""

    bucket: pulumi.Input[str]
    zones: Sequence[str]
    ttl_days: int


class AnywhereCaches(pulumi.ComponentResource):
    """One Anywhere Cache per zone."""

    def __init__(self, name: str, args: AnywhereCachesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:gcp:AnywhereCaches", name, None, opts)
        if not args.zones:
            raise ValueError("an Anywhere Cache needs at least one zone")
        for zone in args.zones:
            gcp.storage.AnywhereCache(f"{name}-{zone}", bucket=args.bucket, zone=zone,
                                      ttl=f"{args.ttl_days * SECONDS_PER_DAY}s",
                                      admission_policy="admit-on-first-miss",
                                      opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})
