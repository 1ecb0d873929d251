"""Turns the engine's wire-format properties into plain JSON for the plan document.

The wire format marks secrets, unknowns, assets and resource references with signature keys.
The plan document is a public contract read by people and tools, so each becomes a fixed,
documented value: secrets `"[secret]"` (never the value), unknowns `"[unknown]"`, resource
references their URN, assets and archives a short description.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime import rpc

from infra.offline.stackfile import SECRET_PLACEHOLDER

UNKNOWN_PLACEHOLDER = "[unknown]"

_SIG = rpc._special_sig_key
_SECRET = rpc._special_secret_sig
_RESOURCE = rpc._special_resource_sig
_ASSET = rpc._special_asset_sig
_ARCHIVE = rpc._special_archive_sig
_OUTPUT = rpc._special_output_value_sig


def struct_to_json(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A Struct of resource properties as JSON-ready data, secrets and unknowns masked."""
    return {key: value_to_json(value) for key, value in struct.fields.items()}


def value_to_json(value: struct_pb2.Value) -> Any:
    """One wire-format value as JSON-ready data."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return UNKNOWN_PLACEHOLDER if value.string_value == rpc.UNKNOWN else value.string_value
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() else number
    if kind == "bool_value":
        return value.bool_value
    if kind == "list_value":
        return [value_to_json(v) for v in value.list_value.values]
    if kind == "struct_value":
        return _special_or_map(value.struct_value)
    return None


def _special_or_map(struct: struct_pb2.Struct) -> Any:
    fields = struct.fields
    if _SIG not in fields:
        return struct_to_json(struct)
    sig = fields[_SIG].string_value
    if sig == _SECRET:
        return SECRET_PLACEHOLDER
    if sig == _RESOURCE:
        return fields["urn"].string_value
    if sig == _ASSET:
        return {"asset": _describe(fields, ("path", "uri")) or "text"}
    if sig == _ARCHIVE:
        return {"archive": _describe(fields, ("path", "uri")) or "assets"}
    if sig == _OUTPUT:
        if fields["secret"].bool_value if "secret" in fields else False:
            return SECRET_PLACEHOLDER
        return value_to_json(fields["value"]) if "value" in fields else UNKNOWN_PLACEHOLDER
    return struct_to_json(struct)


def _describe(fields, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if key in fields and fields[key].string_value:
            return fields[key].string_value
    return None
