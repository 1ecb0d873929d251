"""Tags and labels: one shape, passed explicitly through every component."""

from __future__ import annotations

from collections.abc import Mapping


def with_tags(base: Mapping[str, str], *layers: Mapping[str, str], **extra: str) -> dict[str, str]:
    """`base` overlaid with each mapping in `layers`, then with keyword tags (later wins)."""
    merged = dict(base)
    for layer in layers:
        merged.update(layer)
    merged.update(extra)
    return merged


def gcp_labels(tags: Mapping[str, str]) -> dict[str, str]:
    """Tags as GCP labels: lowercase keys and values of [a-z0-9_-], at most 63 characters."""

    def clean(text: str) -> str:
        out = "".join(c if c.isalnum() or c in "-_" else "_" for c in text.lower())
        return out[:63]

    return {clean(k): clean(v) for k, v in tags.items()}
