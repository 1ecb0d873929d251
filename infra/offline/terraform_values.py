"""Pulumi inputs (as the plan document records them) -> Terraform attribute values.

Each conversion returns a `Converted`: the value Terraform would show in `planned_values` and
`change.after` (unknowns and secrets left out, as `terraform show -json` leaves out unknowns), plus
the `after_unknown` and `after_sensitive` markers for the same places. Secrets never appear: the
plan document already holds only "[secret]", and here even that becomes a `sensitive: true` marker.

Bridged resources (pulumi-aws, pulumi-gcp) are shaped by the pinned SDK itself: its type hints say
whether a Pulumi object is a Terraform block (a list of one object in Terraform's JSON, since the
bridge flattens MaxItems=1 blocks), a list of blocks or a map (tags, labels). Names are the SDK's
snake_case names, which are the Terraform names apart from the pluralised list blocks in
`PROPERTY_RENAMES`.
"""

from __future__ import annotations

import collections.abc
import importlib
import json
import re
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any

import pulumi._types as pulumi_types

from infra.offline.properties import UNKNOWN_PLACEHOLDER
from infra.offline.stackfile import SECRET_PLACEHOLDER
from infra.offline.terraform_types import PROPERTY_RENAMES, Style

MISSING = object()


@dataclass(frozen=True)
class Converted:
    """A Terraform value with its unknown and sensitive markers (None: nothing to mark)."""

    value: Any
    unknown: Any = None
    sensitive: Any = None


def snake(name: str) -> str:
    """Pulumi's camelCase name as the snake_case name the Python SDK and Terraform use."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _leaf(value: Any) -> Converted:
    if value == UNKNOWN_PLACEHOLDER:
        return Converted(MISSING, unknown=True)
    if value == SECRET_PLACEHOLDER:
        return Converted(MISSING, sensitive=True)
    return Converted(value)


def _object(items: dict[str, Converted]) -> Converted:
    return Converted(
        {k: c.value for k, c in items.items() if c.value is not MISSING},
        {k: c.unknown for k, c in items.items() if c.unknown} or None,
        {k: c.sensitive for k, c in items.items() if c.sensitive} or None)


def _list(items: list[Converted]) -> Converted:
    # Terraform keeps list positions: an unknown element is null in the value, true in the marker.
    return Converted(
        [None if c.value is MISSING else c.value for c in items],
        [c.unknown or False for c in items] if any(c.unknown for c in items) else None,
        [c.sensitive or False for c in items] if any(c.sensitive for c in items) else None)


def raw(value: Any) -> Converted:
    """A value kept exactly as written (maps, manifests), only its unknowns and secrets marked."""
    if isinstance(value, dict):
        return _object({k: raw(v) for k, v in value.items()})
    if isinstance(value, list):
        return _list([raw(v) for v in value])
    return _leaf(value)


# --- bridged providers: shaped by the SDK's type hints --------------------------------------------

@cache
def resource_hints(token: str) -> dict[str, Any]:
    """Pulumi property name -> type hint of a pulumi-aws / pulumi-gcp resource, from the SDK."""
    package, module_path, class_name = token.split(":")
    submodule = module_path.split("/")[0]
    # Providers without modules (pulumi-github) put every resource in `index`, the package's top level.
    module = importlib.import_module(f"pulumi_{package}" if submodule == "index" else f"pulumi_{package}.{submodule}")
    return pulumi_types.resource_types(getattr(module, class_name))


@cache
def _object_hints(cls: type) -> dict[str, Any]:
    return pulumi_types.output_type_types(cls)


def _unwrap(hint: Any) -> Any:
    while typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        hint = args[0] if args else None
    return hint


def _is_object(hint: Any) -> bool:
    return isinstance(hint, type) and pulumi_types.is_output_type(hint)


def _element(hint: Any) -> Any | None:
    """The element hint of a Sequence hint, else None."""
    if typing.get_origin(hint) in (list, collections.abc.Sequence):
        args = typing.get_args(hint)
        return _unwrap(args[0]) if args else None
    return None


def bridged(token: str, inputs: dict[str, Any]) -> Converted:
    """The inputs of a pulumi-aws / pulumi-gcp resource as Terraform attributes."""
    return _bridged_object(token, inputs, resource_hints(token), "")


def _bridged_object(token: str, obj: dict[str, Any], hints: dict[str, Any], path: str) -> Converted:
    renames = PROPERTY_RENAMES.get(token, {})
    items = {}
    for key, value in obj.items():
        sub = f"{path}.{key}" if path else key
        items[renames.get(sub) or snake(key)] = _bridged_value(token, value, _unwrap(hints.get(key)), sub)
    return _object(items)


def _bridged_value(token: str, value: Any, hint: Any, path: str) -> Converted:
    if value in (UNKNOWN_PLACEHOLDER, SECRET_PLACEHOLDER):
        return _leaf(value)
    if isinstance(value, dict):
        if _is_object(hint):  # a block: Terraform's JSON holds it as a list of one object
            return _list([_bridged_object(token, value, _object_hints(hint), path)])
        return raw(value)  # a map (tags, labels): keys are data, never renamed
    if isinstance(value, list):
        element = _element(hint)
        if _is_object(element):
            return _list([_bridged_object(token, v, _object_hints(element), path) if isinstance(v, dict)
                          else _leaf(v) for v in value])
        return raw(value)
    return _leaf(value)


# --- Kubernetes and Helm --------------------------------------------------------------------------

# Kubernetes fields whose keys are data (label keys, secret keys), kept verbatim as Terraform maps.
_K8S_MAPS = frozenset({"labels", "annotations", "matchLabels", "data", "stringData", "binaryData", "nodeSelector",
                       "parameters"})
# Where a typed resource's attribute is not the field's snake_case name. kubernetes_secret_v1 takes
# plain text in `data` (Pulumi's stringData) and base64 in `binary_data` (Pulumi's data):
# hashicorp/terraform-provider-kubernetes@v3.2.1:docs/resources/secret_v1.md. kubernetes_storage_class_v1
# calls the provisioner `storage_provisioner`: the same provider's docs/resources/storage_class_v1.md
# (read 2026-11-29 at 39246047).
_K8S_RENAMES = {
    "kubernetes:core/v1:Secret": {"stringData": "data", "data": "binary_data"},
    "kubernetes:storage.k8s.io/v1:StorageClass": {"provisioner": "storage_provisioner"},
}


def k8s_typed(token: str, inputs: dict[str, Any]) -> Converted:
    """A core Kubernetes object as a typed kubernetes_*_v1 resource: nested objects are blocks."""
    renames = _K8S_RENAMES.get(token, {})
    return _object({renames.get(k) or snake(k): _k8s_value(k, v)
                    for k, v in inputs.items() if k not in ("apiVersion", "kind")})


def _k8s_value(key: str, value: Any) -> Converted:
    if key in _K8S_MAPS or value in (UNKNOWN_PLACEHOLDER, SECRET_PLACEHOLDER):
        return raw(value)
    if isinstance(value, dict):
        return _list([_object({snake(k): _k8s_value(k, v) for k, v in value.items()})])
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        return _list([_object({snake(k): _k8s_value(k, v) for k, v in v.items()}) if isinstance(v, dict)
                      else _leaf(v) for v in value])
    return raw(value)


def k8s_manifest(inputs: dict[str, Any]) -> Converted:
    """A custom resource as kubernetes_manifest: the whole object under `manifest`, as written."""
    return _object({"manifest": raw(inputs)})


def _contains(value: Any, placeholder: str) -> bool:
    if isinstance(value, dict):
        return any(_contains(v, placeholder) for v in value.values())
    if isinstance(value, list):
        return any(_contains(v, placeholder) for v in value)
    return value == placeholder


def helm_release(inputs: dict[str, Any]) -> Converted:
    """A Helm release as helm_release: `repository` from repositoryOpts, values as one YAML document.

    helm_release takes `values` as a list of YAML strings (hashicorp/terraform-provider-helm@v3.1.2:
    docs/resources/release.md); JSON is YAML, so the values go in as one JSON document. Values
    with an unknown or secret part are unknown or sensitive as a whole, as Terraform would show a
    string built from them.
    """
    items: dict[str, Converted] = {}
    for key, value in inputs.items():
        if key == "compat":  # Pulumi's own marker, not a Helm setting
            continue
        if key == "repositoryOpts" and isinstance(value, dict):
            if "repo" in value:
                items["repository"] = _leaf(value["repo"])
        elif key == "values":
            if _contains(value, SECRET_PLACEHOLDER):
                items["values"] = Converted(MISSING, sensitive=True)
            elif _contains(value, UNKNOWN_PLACEHOLDER):
                items["values"] = Converted(MISSING, unknown=True)
            else:
                items["values"] = Converted([json.dumps(value, indent=2, sort_keys=True)])
        else:
            items[snake(key)] = raw(value)
    return _object(items)


def convert(token: str, style: Style, inputs: dict[str, Any]) -> Converted:
    """The inputs of one resource as Terraform attributes, by the style of its Terraform type."""
    if style is Style.BRIDGED:
        return bridged(token, inputs)
    if style is Style.K8S_TYPED:
        return k8s_typed(token, inputs)
    if style is Style.K8S_MANIFEST:
        return k8s_manifest(inputs)
    return helm_release(inputs)
