"""Shared helpers: run code under the offline engine and find what it registered."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from infra.offline.engine import ProgramRun, run_program
from infra.offline.monitor import RecordedResource

# Prices depend on the day (EKS versions leave standard support); tests and the commands they run
# price as of one fixed day so expected figures never drift.
os.environ["MLINFRA_PRICE_DATE"] = "2026-11-23"


class Registered:
    """The resources one program run registered, with lookups that fail loudly."""

    def __init__(self, run: ProgramRun) -> None:
        self.run = run
        self.resources = run.resources

    def of_type(self, resource_type: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == resource_type]

    def one(self, resource_type: str, name: str | None = None) -> RecordedResource:
        found = [r for r in self.of_type(resource_type) if name is None or r.name == name]
        names = [r.name for r in self.of_type(resource_type)]
        assert len(found) == 1, f"expected one {resource_type} named {name}, have {names}"
        return found[0]


@pytest.fixture
def register() -> Callable[..., Registered]:
    """Run a program (a function creating resources) offline and return what it registered."""

    def _run(program: Callable[[], Any], **kwargs: Any) -> Registered:
        return Registered(run_program(program, **kwargs))

    return _run


# The edit loop's fast subset (`uv run pytest -m "not slow"`) leaves out the tests that pay for a
# whole stack or a process: they plan stacks, start the policy pack or run the command line. A test
# module is slow when it uses one of these; the mark follows the code, so it needs no upkeep.
_SLOW_NAMES = frozenset({
    "mlinfra", "stack_run", "run_stack", "run_stack_file", "make_plan", "make_all", "plan_all",
    "main", "subprocess", "PolicyAnalyzer", "pack", "plan_sandbox", "Sandboxes",
})


def _is_slow(item: pytest.Item) -> bool:
    module = getattr(item, "module", None)
    if module is not None and _SLOW_NAMES & vars(module).keys():
        return True
    return bool(_SLOW_NAMES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _is_slow(item):
            item.add_marker(pytest.mark.slow)
