"""The deterministic parts of stand-ins: hex, UUIDs and autoname suffixes derived from a URN.

Every random-looking part of a stand-in comes from here, so the same program plans byte for byte
the same document each run, and a value moves only when its resource's URN does.
"""

from __future__ import annotations

import hashlib
import uuid

AUTONAME_SUFFIX = 7


def digest(urn: str, salt: str = "", length: int = 17) -> str:
    """Lowercase hex derived from the URN (and a salt for a second value of the same resource)."""
    return hashlib.sha256(f"{urn}|{salt}".encode()).hexdigest()[:length]


def stand_in_uuid(urn: str, salt: str = "") -> str:
    return str(uuid.UUID(hex=digest(urn, salt, 32)))


def autoname(name: str, urn: str) -> str:
    """`<logical name>-<7 hex>`, as Pulumi autonames a physical name, the suffix from the URN."""
    return f"{name}-{digest(urn, 'autoname', AUTONAME_SUFFIX)}"
