"""The architecture, checked: imports between the project's own modules flow one way, with no circles.

Walks every module of infra/, components/ and policies/ with `ast` (nothing is imported), counts
every import (inside functions and under TYPE_CHECKING too: a circle of type hints is still a
circle a reader has to untangle), and fails naming the circle or the import that breaks the
layer order written in DESIGN.md and README's layout section.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("infra", "components", "policies")

# Layers from the top down. A module may import its own layer's modules and any layer below it.
# `infra.__main__` and the bootstrap program are engine entry points: they sit with the
# composition, since all they do is load config and build the platform.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("infra.cli",),
    # infra.security (#26's attack-path matrix) reads plan documents, as the plan views do.
    ("infra.plan", "infra.sandbox", "infra.security"),
    ("infra.__main__", "infra.bootstrap", "infra.compose"),
    ("components",),
    ("infra.offline",),
    ("infra.config",),
    ("infra.catalog",),
)
# policies/ runs as its own process under the Pulumi CLI: it may use only the catalog's shared facts.
POLICIES_MAY_IMPORT = ("policies", "infra.catalog")


def module_name(path: Path) -> str:
    """`infra/compose/aws.py` -> `infra.compose.aws`; a package's `__init__.py` is the package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    """Every module of the project's own packages, by dotted name."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            modules[module_name(path)] = path
    return modules


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports, each resolved to the longest known module name."""
    found: set[str] = set()
    is_package = path.name == "__init__.py"
    # The policy pack runs with policies/ as its top level, so its modules import each other by bare name.
    if name.startswith("policies."):
        known = known | {m.removeprefix("policies.") for m in known if m.startswith("policies.")}
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(_longest_known(alias.name, known) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # `from pkg import mod` imports the module pkg.mod when there is one, else pkg itself.
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in known else _longest_known(base, known))
    found.discard(None)
    if name.startswith("policies."):
        found = {m if m.startswith(("infra", "components", "policies")) else f"policies.{m}" for m in found}
    found.discard(name)
    return found


def _longest_known(dotted: str, known: set[str]) -> str | None:
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports."""
    modules = project_modules()
    known = set(modules)
    return {name: imports_of(name, path, known) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target):], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def layer_of(module: str) -> int | None:
    """The index of the module's layer (0 is the top), or None for a module outside every layer."""
    found = _layer_entry(module)
    return found[0] if found else None


def _layer_entry(module: str) -> tuple[int, str] | None:
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                return index, prefix
    return None


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """Each import that points up the layers (or out of what policies may use), as a sentence."""
    problems = []
    for source, targets in sorted(graph.items()):
        for target in sorted(targets):
            if source.startswith("policies"):
                if not any(target == p or target.startswith(p + ".") for p in POLICIES_MAY_IMPORT):
                    problems.append(f"{source} imports {target}: policies/ may import only the catalog")
                continue
            if source.startswith("components") and target.startswith("infra"):
                problems.append(f"{source} imports {target}: components/ never import infra/")
                continue
            here, there = _layer_entry(source), _layer_entry(target)
            if here is None or there is None:
                problems.append(f"{source} imports {target}: a module outside the layers in {__name__}.LAYERS")
            elif there[0] < here[0]:
                problems.append(f"{source} imports {target}: {here[1]} sits below {there[1]}")
    return problems


def test_no_import_circles():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_imports_follow_the_layers():
    assert layer_violations(import_graph()) == []


def test_every_module_has_a_layer():
    # `infra` itself is an empty package: nothing imports it by name.
    outside = [m for m in project_modules()
               if m != "infra" and not m.startswith("policies") and layer_of(m) is None]
    assert outside == []


def test_infra_shows_a_handful_of_packages():
    entries = sorted(p.name for p in (ROOT / "infra").iterdir() if p.name != "__pycache__")
    packages = [e for e in entries if (ROOT / "infra" / e).is_dir()]
    assert [e for e in entries if e not in packages] == ["__init__.py", "__main__.py"]
    # Nine since the attack-path matrix (infra/security) got its own package: it is a reader of plan
    # documents beside infra/plan, and folding it into plan would hide a security tool among the views.
    assert 6 <= len(packages) <= 9, packages


# The checker itself, on small graphs: it must name what it finds, or these tests prove nothing.

def test_a_circle_is_named_in_order():
    graph = {"infra.compose.aws": {"infra.compose.aws_cluster"},
             "infra.compose.aws_cluster": {"infra.compose.gateways"},
             "infra.compose.gateways": {"infra.compose.aws"}}
    assert find_cycle(graph) == ["infra.compose.aws", "infra.compose.aws_cluster", "infra.compose.gateways",
                                 "infra.compose.aws"]


def test_an_upward_import_is_named_with_both_layers():
    graph = {"infra.config.sandbox": {"infra.offline.stackfile"}, "infra.offline.stackfile": set()}
    assert layer_violations(graph) == [
        "infra.config.sandbox imports infra.offline.stackfile: infra.config sits below infra.offline"]


@pytest.mark.parametrize(("source", "target", "reason"), [
    ("components.aws.iam", "infra.config.stack", "components/ never import infra/"),
    ("policies.gcp", "infra.config.stack", "policies/ may import only the catalog"),
    ("infra.offline.engine", "infra.compose.platform", "infra.offline sits below infra.compose"),
    ("infra.compose.aws", "infra.cli.main", "infra.compose sits below infra.cli"),
])
def test_forbidden_directions_are_reported(source, target, reason):
    assert layer_violations({source: {target}, target: set()}) == [f"{source} imports {target}: {reason}"]


def test_policy_modules_import_each_other_by_bare_name():
    graph = import_graph()
    assert "policies.rulekit" in graph["policies.gcp"]
    assert graph["policies.rulekit"] == {"infra.catalog.accelerators", "infra.catalog.cluster_contracts",
                                         "infra.catalog.expiry", "policies.rule_guard"}


def test_imports_are_read_from_the_source(tmp_path, monkeypatch):
    # Relative, function-level and TYPE_CHECKING imports all count.
    package = tmp_path / "infra" / "demo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\nfrom . import b\nif TYPE_CHECKING:\n    from infra.demo.c import X\n"
        "def f():\n    import infra.demo.d\n")
    for name in "bcd":
        (package / f"{name}.py").write_text("X = 1\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    known = {"infra.demo", "infra.demo.a", "infra.demo.b", "infra.demo.c", "infra.demo.d"}
    assert imports_of("infra.demo.a", package / "a.py", known) == {"infra.demo.b", "infra.demo.c", "infra.demo.d"}
