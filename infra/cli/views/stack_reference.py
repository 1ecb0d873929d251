"""The stack-file reference page (docs/reference/stack-file.md), written from the stack-file schema.

The schema is generated from the config models (`infra.config.schema`), so the page and the schema
an editor reads cannot disagree. Each key gets its type, default, constraints and an example: the
first value a committed stack file or example sets at that path, else the default, else the first
allowed value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

# How a name-keyed mapping's key is written in a path (`clusters.<cluster>.gpu_pools.<pool>`).
KEY_NAMES = {"clusters": "cluster", "gpu_pools": "pool", "buckets": "bucket", "gateways": "gateway",
             "routes": "route", "backends": "backend", "runners": "set", "access_entries": "entry",
             "workload_access": "grant", "private_subnet_ids": "zone", "public_subnet_ids": "zone",
             "addon_versions": "addon"}
CONSTRAINTS = (("minimum", ">= {}"), ("exclusiveMinimum", "> {}"), ("maximum", "<= {}"),
               ("exclusiveMaximum", "< {}"), ("minLength", "at least {} characters"),
               ("maxLength", "at most {} characters"), ("minItems", "at least {} items"),
               ("maxItems", "at most {} items"), ("pattern", "matches `{}`"), ("format", "format {}"))
MAX_EXAMPLE = 60


def _resolve(node: Mapping[str, Any], defs: Mapping[str, Any]) -> dict[str, Any]:
    """A node with its `$ref` followed (the node's own keys, such as a default, win) and null dropped."""
    node = dict(node)
    if "anyOf" in node:
        kept = [b for b in node["anyOf"] if b != {"type": "null"}]
        if len(kept) == 1:
            rest = {k: v for k, v in node.items() if k != "anyOf"}
            node = {**kept[0], **rest}
    if "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[1]]
        rest = {k: v for k, v in node.items() if k != "$ref"}
        node = {**_resolve(target, defs), **rest, "_def": node["$ref"].rsplit("/", 1)[1]}
    return node


def _type(node: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    node = _resolve(node, defs)
    if node.get("_def") == "Secure":
        return "secret (`{secure: ...}`)"
    if "enum" in node:
        return "string" if all(isinstance(v, str) for v in node["enum"]) else "value"
    if "anyOf" in node:
        return " or ".join(_type(branch, defs) for branch in node["anyOf"])
    kind = node.get("type", "any")
    if kind == "array":
        return f"list of {_type(node.get('items', {}), defs)}"
    if kind == "object" and "properties" not in node:
        values = next(iter(node.get("patternProperties", {}).values()), None) or node.get("additionalProperties")
        inner = _type(values, defs) if isinstance(values, dict) else "any"
        return f"map of {inner}"
    return "object" if kind == "object" else str(kind)


def _constraints(node: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    node = _resolve(node, defs)
    parts = []
    if "enum" in node:
        parts.append("one of " + ", ".join(f"`{v}`" for v in node["enum"]))
    for key, text in CONSTRAINTS:
        if key in node:
            parts.append(text.format(node[key]))
    if "patternProperties" in node:
        parts.append(f"keys match `{next(iter(node['patternProperties']))}`")
    if node.get("type") == "array":
        inner = _constraints(node.get("items", {}), defs)
        if inner:
            parts.append(f"each: {inner}")
    return "; ".join(parts)


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(", ", ": "))
    if isinstance(value, dict) and "secure" in value:
        text = "{secure: ...}"
    text = text if len(text) <= MAX_EXAMPLE else text[: MAX_EXAMPLE - 3] + "..."
    return "`" + text.replace("`", "'") + "`"


def _examples(documents: list[Mapping[str, Any]], path: list[str]) -> Iterator[Any]:
    """Values set at `path` (a `<...>` step matches every key) in the given `mlinfra:` mappings."""
    def walk(node: Any, steps: list[str]) -> Iterator[Any]:
        if not steps:
            yield node
            return
        if not isinstance(node, Mapping):
            return
        head, rest = steps[0], steps[1:]
        keys = list(node) if head.startswith("<") else [head] if head in node else []
        for key in keys:
            yield from walk(node[key], rest)
    for document in documents:
        yield from walk(document, path)


def _example(resolved: Mapping[str, Any], documents: list[Mapping[str, Any]], path: list[str]) -> str:
    """The example cell: a real value from the stack files, else the default, else the first allowed value."""
    if resolved.get("properties") or resolved.get("patternProperties"):
        return "see below" if resolved.get("properties") or _is_model_map(resolved) else \
            _short(next(_examples(documents, path), None))
    value = next(_examples(documents, path), None)
    if value is None and resolved.get("default") not in (None, {}, []):
        value = resolved["default"]
    if value is None and resolved.get("enum"):
        value = resolved["enum"][0]
    return _short(value)


def _short(value: Any) -> str:
    return "—" if value is None else _cell(value)


def _is_model_map(resolved: Mapping[str, Any]) -> bool:
    return any(isinstance(v, dict) and ("$ref" in v or "properties" in v)
               for v in resolved.get("patternProperties", {}).values())


def _rows(node: Mapping[str, Any], defs: Mapping[str, Any], path: list[str], required: bool,
          documents: list[Mapping[str, Any]], own_row: bool = True) -> Iterator[tuple[str, ...]]:
    """One row for the key at `path`, then one per key below it (a name-keyed map's entries as `<name>`)."""
    resolved = _resolve(node, defs)
    if own_row:
        default = resolved.get("default")
        default_text = "required" if required else "none" if default is None else _cell(default)
        yield (f"`{'.'.join(path)}`", _type(node, defs), default_text, _constraints(node, defs),
               _example(resolved, documents, path))
    if resolved.get("_def") == "Secure":
        return  # `{secure: ...}` is the secret's spelling, not a key of its own
    if "properties" in resolved:
        needed = set(resolved.get("required", []))
        for child, child_node in resolved["properties"].items():
            yield from _rows(child_node, defs, [*path, child], child in needed, documents)
    elif _is_model_map(resolved):
        value = next(iter(resolved["patternProperties"].values()))
        step = f"<{KEY_NAMES.get(path[-1], 'name')}>"
        yield from _rows(value, defs, [*path, step], False, documents, own_row=False)


def reference_markdown(schema: Mapping[str, Any], documents: list[Mapping[str, Any]]) -> str:
    """The whole page. `documents`: the `mlinfra:` mappings of the stack files to take examples from."""
    defs = schema["$defs"]
    config = schema["properties"]["config"]
    required = set(config["required"])
    lines = [
        "# Stack-file reference",
        "",
        "<!-- Generated by `uv run mlinfra schema --write` from the config models; do not edit by hand. -->",
        "",
        "Every key of `stacks/Pulumi.<stack>.yaml`, from the config models (`infra/config/`), the same",
        "source as the JSON Schema `schema/stack.schema.json` that editors read. Keys are under `config:`",
        "as `mlinfra:<key>`; a path such as `clusters.<cluster>.gpu_pools.<pool>.accelerator` means",
        "`mlinfra:clusters` → a cluster of your naming → `gpu_pools` → a pool of your naming. Unknown keys",
        "are errors. **required** keys must be set; `none` means unset is allowed. The example is the first",
        "value a committed stack file or example sets there (or schema/reference-examples.yaml, for keys none",
        "of them sets), else the default, else the first allowed value.",
        "What each setting does is explained on the concept pages ([stacks](../concepts/stacks.md),",
        "[AWS](../concepts/aws.md), [GCP](../concepts/gcp.md), [gateways](../concepts/gateways.md),",
        "[CI runners](../concepts/ci-runners.md), [cost](../operations/cost-and-budgets.md),",
        "[monitoring](../operations/monitoring.md)); rules across fields (a pool's `min_nodes` <=",
        "`max_nodes`, a region that sells the accelerator, ...) are checked by `mlinfra plan`, not by the schema.",
        "",
    ]
    for key, node in config["properties"].items():
        name = key.split(":", 1)[1]
        resolved = _resolve(node, defs)
        lines += [f"## `{key}`", ""]
        if resolved.get("description"):
            lines += [resolved["description"], ""]
        lines += ["| key | type | default | constraints | example |", "| --- | --- | --- | --- | --- |"]
        rows = _rows(node, defs, [name], key in required, documents)
        # A `|` inside a cell (a pattern's alternatives) would end the cell: Markdown tables escape it.
        lines += ["| " + " | ".join((cell or "").replace("|", "\\|") for cell in row) + " |" for row in rows]
        lines.append("")
    return "\n".join(lines)
