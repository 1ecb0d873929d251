"""A Cloud KMS key ring and key, shared by components that create their own key."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_gcp as gcp

from components.gcp.iam import rotation_period


def create_key(name: str, *, key_ring: str, location: str, rotation_days: int,
               labels: Mapping[str, str], parent: pulumi.Resource, protect: bool) -> gcp.kms.CryptoKey:
    """Key ring plus a rotating symmetric key, both children of `parent`.

    GCP never deletes key rings, so a destroyed sandbox leaves an empty ring behind (free); the
    key itself is scheduled for destruction after 30 days, the window to undo a mistake.
    """
    keep = pulumi.ResourceOptions(parent=parent, protect=protect)
    ring = gcp.kms.KeyRing(f"{name}-keyring", name=key_ring, location=location, opts=keep)
    return gcp.kms.CryptoKey(
        f"{name}-key", name=key_ring, key_ring=ring.id, purpose="ENCRYPT_DECRYPT",
        rotation_period=rotation_period(rotation_days), destroy_scheduled_duration="2592000s",
        labels=dict(labels), opts=keep)
