"""The plan document as the JSON `terraform show -json PLANFILE` writes, for tools made for Terraform.

Checkov, Trivy, OPA/conftest and the like read Terraform plans. Since pulumi-aws and pulumi-gcp
bridge the Terraform providers one to one, a Pulumi plan maps onto that format faithfully:
every resource under its Terraform type (`terraform_types.py`), attributes under their Terraform
names and shapes (`terraform_values.py`), every action `create` (the offline plan has no prior
state), values the cloud assigns in `after_unknown`, secrets only as `sensitive` markers, and an
input that came from another resource as a `references` expression in `configuration`.

The format, read 2026-11-29: hashicorp/terraform@v1.12.2:website/docs/internals/json-format.mdx
(the last tag that carries the page; later releases moved the docs out of the repository) and
hashicorp/terraform@v1.15.9:internal/command/jsonplan/plan.go (FormatVersion "1.2"),
resource.go and internal/command/jsonconfig/config.go for the field names. The JSON Schema of
what this module writes is terraform_plan.schema.json beside it.

Not carried over: Pulumi component resources (mlinfra:*, not Terraform resources), providers as
resources (they are `provider_config`), stack outputs, and computed attributes other than `id`
(which ones a type computes is in the provider schema, not in the SDK).

Usage: python -m infra.offline.terraform_plan PLAN.json [OUT.json]  (PLAN.json from
`mlinfra plan STACK --format json`).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from infra.offline.standin_marks import as_unknown
from infra.offline.terraform_types import PROPERTY_RENAMES, PROVIDER_SOURCES, UnmappedTypeError, terraform_type
from infra.offline.terraform_values import Converted, convert, snake

FORMAT_VERSION = "1.2"  # hashicorp/terraform@v1.15.9:internal/command/jsonplan/plan.go
# The Terraform release whose plan format this follows (a reader that checks versions sees one
# it knows); `mlinfra.source` says the plan really came from Pulumi.
TERRAFORM_VERSION = "1.15.9"
SCHEMA_PATH = Path(__file__).with_name("terraform_plan.schema.json")


def _local_name(name: str) -> str:
    """A Pulumi resource name as a Terraform resource name (letters, digits, _ and -)."""
    local = re.sub(r"[^A-Za-z0-9_-]", "_", name)
    return local if re.match(r"[A-Za-z_]", local) else f"r_{local}"


def _addresses(resources: list[dict[str, Any]]) -> dict[str, tuple[str, str, Any]]:
    """URN -> (Terraform type, name, TerraformType) for every resource that has one.

    Raises UnmappedTypeError naming every custom type with no Terraform type, all at once.
    """
    addresses: dict[str, tuple[str, str, Any]] = {}
    taken: set[str] = set()
    unmapped: set[str] = set()
    for resource in resources:
        if not resource["custom"] or resource["type"].startswith("pulumi:providers:"):
            continue
        try:
            tf = terraform_type(resource["type"])
        except UnmappedTypeError:
            unmapped.add(resource["type"])
            continue
        # Pulumi names are unique per type and parent; two may still meet under one Terraform type.
        name, n = _local_name(resource["name"]), 1
        while f"{tf.type}.{name}" in taken:
            n += 1
            name = f"{_local_name(resource['name'])}_{n}"
        taken.add(f"{tf.type}.{name}")
        addresses[resource["urn"]] = (tf.type, name, tf)
    if unmapped:
        raise UnmappedTypeError(sorted(unmapped))
    return addresses


def _reference_attribute(attribute: str) -> str:
    """Which attribute of the referenced resource an input most likely reads (ARN, id or name).

    Pulumi records which resources an input depends on, not which of their outputs it read; the
    attribute name tells it for the inputs this project has (role_arn, subnet_ids, bucket, ...).
    """
    if attribute.endswith(("arn", "arns")):
        return "arn"
    if attribute.endswith("name"):
        return "name"
    return "id"


def _references(dependencies: list[str], addresses: dict, attribute: str) -> list[str]:
    refs: list[str] = []
    for urn in sorted(dependencies):
        if urn in addresses:
            tf_type, name, _ = addresses[urn]
            refs += [f"{tf_type}.{name}.{_reference_attribute(attribute)}", f"{tf_type}.{name}"]
    return list(dict.fromkeys(refs))


def _expression(unknown: Any, refs_for: Any, attribute: str) -> Any:
    """Where the unknown parts of an attribute sit, as Terraform's (block) expression shape."""
    if isinstance(unknown, dict):
        return {k: _expression(u, refs_for, k) for k, u in unknown.items()}
    if isinstance(unknown, list) and any(isinstance(u, dict) for u in unknown):
        return [_expression(u, refs_for, attribute) if isinstance(u, dict) else {} for u in unknown]
    return {"references": refs_for(attribute)}


def _expressions(resource: dict[str, Any], converted: Converted, addresses: dict) -> dict[str, Any]:
    """configuration...expressions: references for inputs from other resources, else constants."""
    expressions: dict[str, Any] = {}
    for key, deps in sorted(resource["propertyDependencies"].items()):
        tf_key = _tf_key(resource["type"], key)
        if not _references(deps, addresses, tf_key):
            continue
        unknown = (converted.unknown or {}).get(tf_key)
        expressions[tf_key] = _expression(unknown if unknown else True,
                                          lambda attribute, d=deps: _references(d, addresses, attribute), tf_key)
    unknown = converted.unknown or {}
    for tf_key, value in converted.value.items():
        # A constant is what the configuration says outright: no blocks (their own expressions),
        # nothing partly unknown.
        if tf_key not in expressions and tf_key not in unknown and not _is_block(value):
            expressions[tf_key] = {"constant_value": value}
    return expressions


# Top-level inputs that the Kubernetes and Helm conversions move to another attribute.
_MOVED = {"repositoryOpts": "repository", "stringData": "data"}


def _tf_key(resource_type: str, key: str) -> str:
    """The Terraform attribute a top-level Pulumi input became (renamed, moved or snake_cased)."""
    return PROPERTY_RENAMES.get(resource_type, {}).get(key) or _MOVED.get(key) or snake(key)


def _is_block(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(v, dict) for v in value)


def terraform_plan(document: dict[str, Any]) -> dict[str, Any]:
    """The Terraform plan JSON (format 1.2) of an mlinfra plan document.

    Stand-ins go back to unknown: Terraform shows what the cloud computes as unknown, and Checkov
    must not judge a made-up value (docs/stand-ins.md).
    """
    resources = as_unknown(document["resources"])
    addresses = _addresses(resources)
    planned, changes, configured = [], [], []
    providers: dict[str, dict[str, str]] = {}
    for resource in resources:
        if resource["urn"] not in addresses:
            continue
        tf_type, name, tf = addresses[resource["urn"]]
        converted = convert(resource["type"], tf.style, resource["inputs"])
        address, provider = f"{tf_type}.{name}", PROVIDER_SOURCES[tf.provider]
        providers[tf.provider] = {"name": tf.provider, "full_name": provider}
        head = {"address": address, "mode": "managed", "type": tf_type, "name": name, "provider_name": provider}
        planned.append({**head, "schema_version": 0, "values": converted.value,
                        "sensitive_values": converted.sensitive or {}})
        changes.append({**head, "change": {
            "actions": ["create"], "before": None, "after": converted.value,
            # Every object gets its id from the cloud; Pulumi's URN is not a Terraform id.
            "after_unknown": {"id": True, **(converted.unknown or {})},
            "before_sensitive": False, "after_sensitive": converted.sensitive or {}}})
        config = {"address": address, "mode": "managed", "type": tf_type, "name": name,
                  "provider_config_key": tf.provider, "schema_version": 0,
                  "expressions": _expressions(resource, converted, addresses)}
        explicit = _explicit_dependencies(resource, addresses)
        if explicit:
            config["depends_on"] = explicit
        configured.append(config)
    return {
        "format_version": FORMAT_VERSION,
        "terraform_version": TERRAFORM_VERSION,
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {"provider_config": dict(sorted(providers.items())),
                          "root_module": {"resources": configured}},
        "applyable": True,
        "complete": True,
        "errored": False,
        # Readers ignore properties they do not know (json-format.mdx, "format_version").
        "mlinfra": {"source": "pulumi", "planVersion": document["planVersion"],
                    "project": document["project"], "stack": document["stack"]},
    }


def _explicit_dependencies(resource: dict[str, Any], addresses: dict) -> list[str]:
    """dependsOn that no input explains: Terraform's depends_on."""
    via_inputs = {urn for deps in resource["propertyDependencies"].values() for urn in deps}
    return sorted({f"{addresses[u][0]}.{addresses[u][1]}" for u in resource["dependencies"]
                   if u not in via_inputs and u in addresses})


def load_schema() -> dict[str, Any]:
    """The JSON Schema every Terraform plan this module writes satisfies."""
    return json.loads(SCHEMA_PATH.read_text())


def main(argv: list[str]) -> int:
    """Convert a plan document file; exit 2 with the types named when one has no mapping."""
    if len(argv) not in (1, 2):
        print("usage: python -m infra.offline.terraform_plan PLAN.json [OUT.json]", file=sys.stderr)
        return 2
    try:
        text = json.dumps(terraform_plan(json.loads(Path(argv[0]).read_text())), indent=2) + "\n"
    except UnmappedTypeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if len(argv) == 2:
        Path(argv[1]).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
