"""Which values in a plan are stand-ins: the document's `standIns` fields.

Each resource whose outputs got stand-ins lists them (`standIns.outputs`, path -> value), and each
resource whose inputs hold another resource's stand-in names where (`standIns.inputs`, top-level
input -> [{urn, output}]). Stand-ins travel from one resource to another only through outputs, and
the engine records those flows as property dependencies, so only those inputs are searched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

# Shorter values could match by accident inside unrelated text ("1", "us").
_MIN_LENGTH = 6


def input_stand_ins(inputs: Mapping[str, Any], property_dependencies: Mapping[str, list[str]],
                    stand_ins: Mapping[str, Mapping[str, str]]) -> dict[str, list[dict[str, str]]]:
    """Top-level inputs that hold a stand-in of a resource they depend on, with its origin."""
    found: dict[str, list[dict[str, str]]] = {}
    for key, urns in sorted(property_dependencies.items()):
        if key not in inputs:
            continue
        text = json.dumps(inputs[key], ensure_ascii=False)
        origins = [{"urn": urn, "output": output}
                   for urn in sorted(set(urns)) for output, value in sorted(stand_ins.get(urn, {}).items())
                   if len(value) >= _MIN_LENGTH and value in text]
        if origins:
            found[key] = origins
    return found


def resource_stand_ins(record, stand_ins: Mapping[str, Mapping[str, str]]) -> dict[str, Any] | None:
    """The `standIns` field of one resource entry, or None when it has no stand-ins at all."""
    deps = {key: list(value.urns) for key, value in record.request.propertyDependencies.items()}
    inputs = input_stand_ins(record.inputs, deps, stand_ins)
    if not record.stand_ins and not inputs:
        return None
    return {"outputs": dict(sorted(record.stand_ins.items())), "inputs": inputs}


def output_stand_ins(outputs: Any, stand_ins: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Paths of the stack outputs that are (or embed) a stand-in."""
    values = {v for provided in stand_ins.values() for v in provided.values() if len(v) >= _MIN_LENGTH}
    paths: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else key)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")
        elif isinstance(value, str) and (value in values or any(v in value for v in values if len(v) < len(value))):
            paths.append(path)

    walk(outputs, "")
    return paths
