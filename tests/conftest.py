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
