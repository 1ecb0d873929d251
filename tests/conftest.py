"""Shared helpers: run code under the offline engine and find what it registered."""

from __future__ import annotations

import compileall
import os
import py_compile
import shutil
import sys
import tempfile
from collections.abc import Callable
from typing import Any

import pytest

from infra.offline.engine import ProgramRun, run_program
from infra.offline.monitor import RecordedResource
from tests.helpers import ROOT, SESSION_RUNS_ENV, SHARED_RUNS, run_fingerprint

# Prices depend on the day (EKS versions leave standard support); tests and the commands they run
# price as of one fixed day so expected figures never drift.
os.environ["MLINFRA_PRICE_DATE"] = "2026-11-23"


# Bytecode. Where PYTHONDONTWRITEBYTECODE is set (this team's machines set it) no process keeps what it
# compiles: each xdist worker compiled and assertion-rewrote all ~220 test modules again (collection took
# 7.0 s of CPU instead of 2.7 s), and each of the suite's `mlinfra`, policy-pack and Checkov processes
# compiled the modules it loads again (`mlinfra plan dev`: 3.65 s of CPU, 3.25 s with bytecode). So the
# suite caches bytecode in __pycache__ (in .gitignore) as Python does by default: this process and, through
# the environment, the workers and every command the tests run. The project's own modules are compiled
# first as checked-hash pycs, which Python checks against the source's hash on every import, so an edit
# is never hidden by a pyc of the same size and second.
sys.dont_write_bytecode = False


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    if "PYTHONDONTWRITEBYTECODE" in os.environ:
        for package in ("infra", "components", "policies"):
            compileall.compile_dir(ROOT / package, quiet=1,
                                   invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
        del os.environ["PYTHONDONTWRITEBYTECODE"]
    # Where the workers share the stacks they plan (tests.helpers.stack_run), so each is planned once per
    # session rather than once per worker; the workers inherit the variable.
    if getattr(config.option, "numprocesses", None):
        os.environ[SESSION_RUNS_ENV] = tempfile.mkdtemp(prefix="mlinfra-test-runs-")
        config.add_cleanup(lambda: shutil.rmtree(os.environ.pop(SESSION_RUNS_ENV), ignore_errors=True))


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


@pytest.fixture(scope="session", autouse=True)
def unedited_shared_runs():
    """Fail the session if a test edited a run that tests/helpers.py shares between test modules."""
    yield
    edited = [f"{run.project}/{run.stack}" for run, fingerprint in SHARED_RUNS if run_fingerprint(run) != fingerprint]
    assert not edited, (f"a test edited the shared run of {', '.join(edited)} in place; copy it first "
                        "(tests.helpers.changed, or json.loads(json.dumps(document)))")


# The edit loop's fast subset (`uv run pytest -m "not slow"`) leaves out the tests that pay for a
# whole stack or a process: they plan stacks, start the policy pack or run the command line. A test
# module is slow when it uses one of these; the mark follows the code, so it needs no upkeep.
_SLOW_NAMES = frozenset({
    "mlinfra", "stack_run", "bootstrap_run", "planned_run", "recorded_inputs", "run_stack", "run_stack_file",
    "make_plan", "make_all", "plan_all", "main", "subprocess", "PolicyAnalyzer", "pack", "plan_sandbox", "Sandboxes",
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
