"""One real pack process for all the rule tests, and builders for the resources sent to it."""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime import rpc

from infra.offline.analyzer import PolicyAnalyzer
from infra.offline.analyzer_inputs import PolicyInput, inputs_from_records
from infra.offline.engine import REPO_ROOT
from infra.offline.policy_check import PACK_DIR
from tests.helpers import DELETE, changed, stack_run  # noqa: F401 - shared with the rule tests


def pack_without(root: Path, install_line: str) -> Path:
    """A copy of the pack under `root` whose __main__ skips `install_line` (one of its speed-ups), with the
    catalog it imports: the pack as it would run without that module, to compare findings against."""
    shutil.copytree(PACK_DIR, root / "policies", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO_ROOT / "infra" / "catalog", root / "infra" / "catalog",
                    ignore=shutil.ignore_patterns("__pycache__"))
    main = root / "policies" / "__main__.py"
    text = main.read_text()
    assert text.count(install_line) == 1
    main.write_text(text.replace(install_line, "pass"))
    return root / "policies"


UNKNOWN = rpc.UNKNOWN  # what the engine sends for a value known only after apply
TAGS = {"environment": "dev", "owner": "ml-platform", "cost-center": "cc-1", "stack": "dev"}


@pytest.fixture(scope="session")
def pack():
    """The policy pack, started once for the session and configured with its defaults.

    Tests that configure it differently put the defaults back before they finish.
    """
    with PolicyAnalyzer(PACK_DIR) as analyzer:
        analyzer.configure({})
        yield analyzer


def resource(type_: str, name: str, props: dict[str, Any], *, protect: bool = False,
             deps: dict[str, list[PolicyInput]] | None = None) -> PolicyInput:
    """A resource as the engine would send it, with property dependencies on other resources."""
    struct = struct_pb2.Struct()
    struct.update(props)
    return PolicyInput(type=type_, name=name, urn=f"urn:pulumi:test::mlinfra::{type_}::{name}",
                       properties=struct, protect=protect,
                       property_dependencies={k: [d.urn for d in v] for k, v in (deps or {}).items()})


def triples(findings) -> list[tuple[str, str, str]]:
    """Findings as (rule, level, message), the way the tests compare them."""
    return [(f.policy, f.level, f.message) for f in findings]


@cache
def recorded_inputs(stack: str, stand_ins: bool = True) -> tuple[PolicyInput, ...]:
    """What the pack receives for a stack's recorded plan, made once per test session.

    `stand_ins=False`: as a first `pulumi preview` sends it, every computed value unknown.
    """
    return tuple(inputs_from_records(stack_run(stack, stand_ins).resources))
