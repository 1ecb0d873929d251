"""Components never pin a chart or image version themselves: the chart catalog is the one table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

COMPONENTS = Path(__file__).resolve().parents[2] / "components"
VERSION = re.compile(r"v?\d+\.\d+\.\d+")


def test_no_component_source_holds_a_version_literal():
    found = [f"{path.relative_to(COMPONENTS.parent)}:{node.lineno}: {node.value!r}"
             for path in sorted(COMPONENTS.rglob("*.py"))
             for node in ast.walk(ast.parse(path.read_text()))
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and VERSION.fullmatch(node.value)]
    assert found == []


def test_the_check_sees_a_pinned_version():
    sample = 'CHART = ("cluster-autoscaler", "https://kubernetes.github.io/autoscaler", "9.46.6")\n'
    constants = [n.value for n in ast.walk(ast.parse(sample)) if isinstance(n, ast.Constant)]
    assert [c for c in constants if VERSION.fullmatch(c)] == ["9.46.6"]
