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
        matched = [(urn, output, value)
                   for urn in sorted(set(urns)) for output, value in sorted(stand_ins.get(urn, {}).items())
                   if len(value) >= _MIN_LENGTH and value in text]
        # A key id inside the key's ARN is the ARN's doing: name only the values not part of another.
        origins = [{"urn": urn, "output": output} for urn, output, value in matched
                   if not any(value != other and value in other for _, _, other in matched)]
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


def as_unknown(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The plan's resources with every input value that holds a stand-in written "[unknown]" again.

    For exports that keep the engine's own semantics (the Terraform plan: a value computed from
    one not known yet is unknown as a whole), where a stand-in must not pass for a value.
    """
    provided = {r["urn"]: (r.get("standIns") or {}).get("outputs") or {} for r in resources}
    out = []
    for resource in resources:
        uses = (resource.get("standIns") or {}).get("inputs") or {}
        if not uses:
            out.append(resource)
            continue
        inputs = dict(resource["inputs"])
        for key, origins in uses.items():
            values = [v for o in origins if (v := provided.get(o["urn"], {}).get(o["output"]))]
            if key in inputs:
                inputs[key] = _unknown_where(inputs[key], values)
        out.append({**resource, "inputs": inputs})
    return out


def _unknown_where(value: Any, stand_ins: list[str]) -> Any:
    if isinstance(value, str):
        return "[unknown]" if any(s in value for s in stand_ins) else value
    if isinstance(value, dict):
        return {k: _unknown_where(v, stand_ins) for k, v in value.items()}
    if isinstance(value, list):
        return [_unknown_where(v, stand_ins) for v in value]
    return value
