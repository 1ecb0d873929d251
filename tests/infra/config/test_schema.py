"""The stack-file JSON Schema: generated from the config models, committed, and in step with the loader."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from infra.cli.schema import generated_files
from infra.config.load import NAMESPACE, ConfigError, namespace_values, parse_stack_config, stack_file_problems
from infra.config.schema import stack_file_schema
from infra.offline.stackfile import SECRET_PLACEHOLDER, load_stack_file
from infra.offline.strict_yaml import read_yaml
from tests.helpers import ROOT

STACK_FILES = sorted((ROOT / "stacks").glob("Pulumi.*.yaml")) + sorted((ROOT / "examples").glob("*.yaml")) + [
    ROOT / "schema" / "reference-examples.yaml"]
COMMITTED = [p for p in STACK_FILES if not p.name.startswith("Pulumi.sandbox-")]
LANGUAGE_SERVER = "# yaml-language-server: $schema=../schema/stack.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / "schema" / "stack.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_committed_schema_and_reference_page_are_what_the_models_generate():
    stale = [str(path) for path, text in generated_files(ROOT).items() if (ROOT / path).read_text() != text]
    assert stale == [], "run `uv run mlinfra schema --write` and commit the result"
    assert json.loads((ROOT / "schema" / "stack.schema.json").read_text()) == stack_file_schema()


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_every_stack_file_names_the_schema_and_validates_against_it(path: Path, validator):
    assert path.read_text().splitlines()[0] == LANGUAGE_SERVER
    assert (path.parent / "../schema/stack.schema.json").resolve() == (ROOT / "schema" / "stack.schema.json")
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(read_yaml(path))]
    assert errors == []


def _set(document: dict[str, Any], path: list[str], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    node = changed["config"]
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return changed


# One broken field each: (where, the value, what the loader's message names).
MUTATIONS = [
    (["mlinfra:environment"], "qa", "environment"),
    (["mlinfra:clusters", "dev", "gpu_pools", "l4", "capacity"], "reserved", "clusters.dev.gpu_pools.l4.capacity"),
    (["mlinfra:clusters", "dev", "gpu_pools", "l4", "min_nodes"], -1, "clusters.dev.gpu_pools.l4.min_nodes"),
    (["mlinfra:clusters", "dev", "gpu_pools", "l4", "acelerator"], "nvidia-l4", "clusters.dev.gpu_pools.l4.acelerator"),
    (["mlinfra:clusters", "dev", "network", "zones"], 9, "clusters.dev.network.zones"),
    (["mlinfra:clusters", "dev", "kubernetes_version"], "latest", "clusters.dev.kubernetes_version"),
    (["mlinfra:github_app", "private_key"], "-----BEGIN RSA PRIVATE KEY-----", "github_app.private_key"),
    (["mlinfra:budget_per_hour"], 0, "budget_per_hour"),
    (["mlinfra:nmae_prefix"], "acme", "nmae_prefix"),
]


@pytest.mark.parametrize("path, value, named", MUTATIONS, ids=lambda m: ".".join(m) if isinstance(m, list) else None)
def test_a_broken_field_fails_both_the_schema_and_the_loader(path, value, named, validator, tmp_path):
    document = _set(read_yaml(ROOT / "stacks" / "Pulumi.dev.yaml"), path, value)
    assert list(validator.iter_errors(read_yaml(ROOT / "stacks" / "Pulumi.dev.yaml"))) == []
    assert list(validator.iter_errors(document)) != [], f"the schema accepts {path} = {value!r}"
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    stack_file = load_stack_file(tmp_path, "dev")
    problems = stack_file_problems(stack_file, SECRET_PLACEHOLDER)
    if not problems:
        with pytest.raises(ConfigError) as err:
            # As the program does: the keys the engine marks secret are known, so plain credentials are refused.
            secret = [key.removeprefix(f"{NAMESPACE}:") for key in stack_file.secret_keys]
            parse_stack_config(namespace_values(stack_file.config), "dev", secret)
        problems = err.value.problems
    assert any(problem_path.startswith(named) for problem_path, _ in problems), problems


def test_mlinfra_schema_prints_the_committed_schema():
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([sys.executable, "-m", "infra.cli", "schema"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "schema" / "stack.schema.json").read_text()
    check = subprocess.run([sys.executable, "-m", "infra.cli", "schema", "--check"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr


def test_the_reference_page_has_every_key_with_type_default_and_constraints():
    page = (ROOT / "docs" / "reference" / "stack-file.md").read_text()
    assert ("| `clusters.<cluster>.gpu_pools.<pool>.min_nodes` | integer | `0` | >= 0; <= 1000 | `0` |") in page
    assert "| `environment` | string | required | one of `dev`, `staging`, `prod`, `sandbox` | `dev` |" in page
    assert "| `observability.notify.webhook_url` | secret (`{secure: ...}`) | none |" in page
    assert "github_app.private_key" not in page
    # Every key shows an example (none is left as "—"), and a secret's `secure` is not a key of its own.
    assert [line for line in page.splitlines() if line.endswith("| — |")] == []
    assert "webhook_url.secure" not in page
