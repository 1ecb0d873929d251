"""A Cloud KMS key ring and key, shared by components that create their own key."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_gcp as gcp

from components.gcp.iam import rotation_period


def create_key(name: str, *, key_ring: str, location: str, rotation_days: int,
               labels: Mapping[str, str], parent: pulumi.Resource, protect: bool,
               retain_on_delete: bool = False) -> gcp.kms.CryptoKey:
    """Key ring plus a rotating symmetric key, both children of `parent`.

    GCP never deletes key rings, so a destroyed sandbox leaves an empty ring behind (free); the
    key itself is scheduled for destruction after 30 days, the window to undo a mistake. Data
    kept on delete (prod buckets) needs its key kept too: `retain_on_delete` keeps ring and key
    when the stack goes, or the retained data becomes unreadable once the key is destroyed.
    """
    keep = pulumi.ResourceOptions(parent=parent, protect=protect, retain_on_delete=retain_on_delete)
    ring = gcp.kms.KeyRing(f"{name}-keyring", name=key_ring, location=location, opts=keep)
    return crypto_key(f"{name}-key", key_name=key_ring, key_ring_id=ring.id, rotation_days=rotation_days,
                      labels=labels, opts=keep)


def crypto_key(resource_name: str, *, key_name: str, key_ring_id: pulumi.Input[str], rotation_days: int,
               labels: Mapping[str, str], opts: pulumi.ResourceOptions) -> gcp.kms.CryptoKey:
    """A rotating symmetric key in an existing ring, destroyed only 30 days after it is deleted."""
    return gcp.kms.CryptoKey(
        resource_name, name=key_name, key_ring=key_ring_id, purpose="ENCRYPT_DECRYPT",
        rotation_period=rotation_period(rotation_days), destroy_scheduled_duration="2592000s",
        labels=dict(labels), opts=opts)
