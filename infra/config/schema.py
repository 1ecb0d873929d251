"""The JSON Schema of a stack file (`stacks/Pulumi.<stack>.yaml`), generated from the config models.

Editors read it through the YAML language server (`# yaml-language-server: $schema=...` on each
stack file's first line), so a wrong type, an unknown key or a value outside its range is flagged as
it is typed. It is the models' own schema (pydantic, validation mode, by alias) placed under the
`config:` mapping as `mlinfra:<key>`, with three changes that make it say what the loader accepts:
a credential (a `SecretStr` field) is written `{secure: ...}`, a top-level key may not be null (the
loader refuses `mlinfra:name_prefix:` with nothing after it), and a mapping keyed by name refuses a
key its name pattern does not match. Cross-field rules (`infra/config/rules/`) are not in a schema;
the loader still checks them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.config.stack import StackConfig

NAMESPACE = "mlinfra"
# Pulumi's own and the providers' namespaces, which a stack file may also set (infra.config.load).
OTHER_NAMESPACES = ("aws", "gcp", "kubernetes", "pulumi")
SCHEMA_PATH = Path("schema") / "stack.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
SECURE = {
    "type": "object",
    "description": "A Pulumi secret: set it with `pulumi config set --secret --path 'mlinfra:<path>'`.",
    "properties": {"secure": {"type": "string", "minLength": 1}},
    "required": ["secure"],
    "additionalProperties": False,
}


def _is_secret(node: dict[str, Any]) -> bool:
    return node.get("format") == "password" and node.get("writeOnly") is True


def _tighten(node: Any) -> Any:
    """Secrets as `{secure: ...}`, name-keyed mappings closed to other keys; everything else as is."""
    if isinstance(node, list):
        return [_tighten(item) for item in node]
    if not isinstance(node, dict):
        return node
    if _is_secret(node):
        return {"$ref": "#/$defs/Secure", **({"title": node["title"]} if "title" in node else {})}
    out = {key: _tighten(value) for key, value in node.items()}
    if "patternProperties" in out and "additionalProperties" not in out and "properties" not in out:
        out["additionalProperties"] = False
    return out


def _not_null(node: dict[str, Any]) -> dict[str, Any]:
    """A top-level key's schema without its `null` branch (and so without its null default)."""
    branches = node.get("anyOf")
    if not branches:
        return node
    kept = [b for b in branches if b != {"type": "null"}]
    out = {k: v for k, v in node.items() if k not in ("anyOf", "default")}
    return {**(kept[0] if len(kept) == 1 else {"anyOf": kept}), **out}


def stack_file_schema() -> dict[str, Any]:
    """The schema of a whole stack file, deterministic (sorted keys when written)."""
    models = _tighten(StackConfig.model_json_schema(by_alias=True, mode="validation"))
    defs = models.pop("$defs", {})
    defs["Secure"] = SECURE
    config_properties = {f"{NAMESPACE}:{key}": _not_null(value) for key, value in models["properties"].items()}
    return {
        "$schema": DRAFT,
        "title": "mlinfra stack file (stacks/Pulumi.<stack>.yaml)",
        "description": "Generated from the config models by `mlinfra schema`; do not edit by hand. "
                       "Every key: docs/reference/stack-file.md.",
        "type": "object",
        "properties": {
            "config": {
                "type": "object",
                "description": models.get("description", ""),
                "properties": config_properties,
                "required": [f"{NAMESPACE}:{key}" for key in models.get("required", [])],
                "patternProperties": {f"^({'|'.join(OTHER_NAMESPACES)}):": {}},
                "additionalProperties": False,
            },
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
            "encryptionsalt": {"type": "string"},
        },
        "required": ["config"],
        "$defs": defs,
    }


def schema_text() -> str:
    """The schema as committed in schema/stack.schema.json."""
    return json.dumps(stack_file_schema(), indent=2, sort_keys=True) + "\n"
