"""A diff never reports a change that is only a stand-in moving.

Stand-ins (docs/stand-ins.md) are made up from a resource's URN in the format its service
documents; a newer mlinfra, or another account placeholder, may make a different one. Before two
plans are compared, every stand-in inside an input is replaced by what it stands for, the output
of the resource it comes from (`[stand-in arn of <urn>]`), so a change shows only when an input
refers to another resource's output, never when the made-up value alone changes.
"""

from __future__ import annotations

from typing import Any


def stand_in_token(urn: str, output: str) -> str:
    """What a stand-in is compared as, and shown as in a diff."""
    return f"[stand-in {output} of {urn}]"


def provided_stand_ins(*sides: list[dict[str, Any]]) -> dict[str, dict[str, set[str]]]:
    """URN -> output -> the stand-in values it has on any side (a resource gone from one side still
    explains the stand-ins its dependents there kept; one that moved has a value per side)."""
    provided: dict[str, dict[str, set[str]]] = {}
    for resources in sides:
        for r in resources:
            for output, value in ((r.get("standIns") or {}).get("outputs") or {}).items():
                provided.setdefault(r["urn"], {}).setdefault(output, set()).add(value)
    return provided


def mask_stand_ins(resources: list[dict[str, Any]],
                   provided: dict[str, dict[str, set[str]]] | None = None) -> list[dict[str, Any]]:
    """The resources with every stand-in in their inputs replaced by its token (others unchanged)."""
    provided = provided if provided is not None else provided_stand_ins(resources)
    out = []
    for resource in resources:
        uses = (resource.get("standIns") or {}).get("inputs") or {}
        if not uses:
            out.append(resource)
            continue
        inputs = dict(resource.get("inputs") or {})
        for key, origins in uses.items():
            pairs = [(value, stand_in_token(o["urn"], o["output"]))
                     for o in origins for value in provided.get(o["urn"], {}).get(o["output"], ())]
            # Longest first, so a value that contains another is replaced whole.
            pairs = sorted(((v, t) for v, t in pairs if v), key=lambda p: (-len(p[0]), p[0]))
            if key in inputs:
                inputs[key] = _replace(inputs[key], pairs)
        out.append({**resource, "inputs": inputs})
    return out


def _replace(value: Any, pairs: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        for stand_in, token in pairs:
            value = value.replace(stand_in, token)
        return value
    if isinstance(value, dict):
        return {k: _replace(v, pairs) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, pairs) for v in value]
    return value
