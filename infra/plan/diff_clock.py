"""A change that is only the plan clock moving, folded into one line per stack instead of one per tag.

Two plans of the sandbox template made at different instants differ in every `expires-at`
tag (plan time + TTL). When `mlinfra diff` cannot plan both sides at one instant (two
documents made at different times), such a change is folded, but only when it is exactly that:
each side records its clock in the plan document (`planClock`: the instant and the expiries
derived from it, see infra/config/plan_clock.py), the old value is one of the base's derived
expiries, the new value one of the head's, and both are the same TTL past their own plan time.
A TTL change, an expiry written in config, or a document without `planClock` is never folded.
"""

from __future__ import annotations

import re
from typing import Any

_EPOCH = re.compile(r"[0-9]{1,12}")


def _reading(document: dict[str, Any] | None) -> tuple[int, set[int]] | None:
    """(plan time, derived expiries) of a document, or None when it records no clock."""
    clock = (document or {}).get("planClock")
    if not isinstance(clock, dict):
        return None
    time, expiries = clock.get("time"), clock.get("expiries")
    if not _is_int(time) or not isinstance(expiries, list) or not all(_is_int(e) for e in expiries):
        return None
    return time, set(expiries)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _epoch(value: Any) -> int | None:
    """Epoch seconds written as a tag or label value ("1795982400") or a number."""
    if _is_int(value):
        return value
    if isinstance(value, str) and _EPOCH.fullmatch(value):
        return int(value)
    return None


def _ttl_if_clock_only(change: dict[str, Any], base: tuple[int, set[int]],
                       head: tuple[int, set[int]]) -> int | None:
    """The TTL (seconds) when `change` is a derived expiry moving with the clock alone, else None."""
    if change["in"] != "inputs" or change["kind"] != "change" or change.get("secret"):
        return None
    if type(change["before"]) is not type(change["after"]):
        return None
    before, after = _epoch(change["before"]), _epoch(change["after"])
    if before is None or after is None or before not in base[1] or after not in head[1]:
        return None
    ttl = before - base[0]
    return ttl if after - head[0] == ttl else None


def fold_clock(entries: list[dict[str, Any]], base_document: dict[str, Any] | None,
               head_document: dict[str, Any] | None) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The entries without clock-only changes (a change left with none is dropped), and what was folded."""
    base, head = _reading(base_document), _reading(head_document)
    if base is None or head is None or base[0] == head[0]:
        return entries, None
    folded = 0
    ttls: set[int] = set()
    kept: list[dict[str, Any]] = []
    for entry in entries:
        changes = []
        for change in entry["changes"]:
            ttl = _ttl_if_clock_only(change, base, head)
            if ttl is None:
                changes.append(change)
            else:
                folded += 1
                ttls.add(ttl)
        if entry["action"] == "change" and not changes and entry["changes"]:
            continue
        kept.append({**entry, "changes": changes})
    if not folded:
        return entries, None
    return kept, {"baseTime": base[0], "headTime": head[0], "ttlSeconds": sorted(ttls), "folded": folded}
