"""Checking a document given to `mlinfra diff` before the diff reads it: the plan schema, depth, size.

A document of the wrong shape (`"inputs": null`, a number among the resources, a cost without
totals) used to reach the diff and end in exit 70, "internal error". It is now checked against the
plan document's schema (infra/offline/plan.schema.json) and refused with exit 2 naming the first wrong
path, e.g. `BASE: plan.json: resources[3].inputs: None is not of type 'object'`.

Every shape the schema gives is enforced on what is present. Of its required fields, only those the
diff reads are required (`READ_BY_DIFF`): a planVersion 1 document written before a field was added
(`counts`, `planClock`) stays comparable.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from infra.offline.document import load_schema

# Fields the diff (infra/plan/diff.py, diff_clock.py) and its views read of a plan document.
READ_BY_DIFF = frozenset({"planVersion", "project", "stack", "resources", "urn", "type", "name", "inputs",
                          "totals", "idle", "peak", "usdPerMonth", "time", "expiries"})
# Deeper than any plan mlinfra writes (Helm values nest about 12 levels), far below where Python's
# recursion limit turns a document into a RecursionError.
MAX_DEPTH = 64
# A plan of every stack is a few MB; a side is refused past this rather than read into memory.
MAX_BYTES = 64 * 1024 * 1024


class DocumentShapeError(ValueError):
    """The document is not a plan document; the message names the first wrong path."""


def _prune_required(node: Any) -> Any:
    if isinstance(node, dict):
        pruned = {key: _prune_required(value) for key, value in node.items()}
        if isinstance(node.get("required"), list):
            pruned["required"] = [name for name in node["required"] if name in READ_BY_DIFF]
        return pruned
    if isinstance(node, list):
        return [_prune_required(item) for item in node]
    return node


@cache
def _validator():  # noqa: ANN202 - jsonschema's validator class
    import jsonschema

    schema = _prune_required(copy.deepcopy(load_schema()))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def path_text(parts: Any) -> str:
    """`resources[3].inputs` from a JSON path's parts."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def parse_json(data: bytes) -> Any:
    """JSON text as Python values; DocumentShapeError if it is not JSON or nests deeper than MAX_DEPTH."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise DocumentShapeError(f"nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise DocumentShapeError(f"not JSON ({exc})") from None
    check_depth(value)
    return value


def check_depth(value: Any) -> None:
    """DocumentShapeError naming the first path nested deeper than MAX_DEPTH (walked without recursion)."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if len(path) > MAX_DEPTH:
            where = path_text(path[:MAX_DEPTH])
            where = where if len(where) <= 80 else where[:77] + "..."
            raise DocumentShapeError(f"nested deeper than {MAX_DEPTH} levels (at {where})")
        if isinstance(node, dict):
            stack.extend((child, (*path, key)) for key, child in node.items())
        elif isinstance(node, list):
            stack.extend((child, (*path, index)) for index, child in enumerate(node))


def shape_problem(document: Any) -> str | None:
    """`path: what is wrong` for the first place `document` breaks the plan schema, or None."""
    error = next(iter(_validator().iter_errors(document)), None)
    if error is None:
        return None
    while error.context:  # "not valid under any of the given schemas": the branch that got furthest
        error = max(error.context, key=lambda branch: len(branch.absolute_path))
    return f"{path_text(error.absolute_path)}: {' '.join(error.message.split())[:200]}"
