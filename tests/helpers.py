"""Helpers shared by test modules."""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

from infra.offline.engine import ProgramRun, load_project, run_stack

DELETE = object()
ROOT = Path(__file__).resolve().parents[1]


def config_problems(values: dict[str, Any], stack: str = "dev", secret_keys: Any = None) -> list[str]:
    """`path: message` of every problem `parse_stack_config` refuses `values` with; fails the test if it accepts."""
    import pytest

    from infra.config.load import ConfigError, parse_stack_config

    with pytest.raises(ConfigError) as err:
        parse_stack_config(values, stack, secret_keys)
    return [f"{path}: {message}" for path, message in err.value.problems]


def mlinfra(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the `mlinfra` command as a subprocess, the way people and CI run it."""
    return subprocess.run([sys.executable, "-m", "infra.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env)


def changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `base` with the dotted `path` set to `value` (DELETE removes it)."""
    result = copy.deepcopy(base)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node: Any = result
    for step in parents:
        node = node[step]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return result


@cache
def stack_run(stack: str, stand_ins: bool = True) -> ProgramRun:
    """One run of a stack of stacks/ under the offline engine, shared by the test modules that read it.

    `stand_ins=False` is the run as `pulumi preview` shows a new stack (every computed output unknown).
    Shared means read-only: copy before editing (`changed`, `json.loads(json.dumps(...))`); the session
    fails if a test edited one (`unedited_shared_runs` in tests/conftest.py).
    """
    return _shared(run_stack(stack, stand_ins=stand_ins))


@cache
def bootstrap_run() -> ProgramRun:
    """One run of the bootstrap project's stack (infra/bootstrap), shared like `stack_run`."""
    project = load_project(ROOT / "infra" / "bootstrap")
    return _shared(run_stack("bootstrap", project.stacks_dir, project.program, project.name))


def planned_run(stack: str) -> ProgramRun:
    """The shared run of a stack of stacks/, or of the bootstrap for "bootstrap" (as `plan_all` names it)."""
    return bootstrap_run() if stack == "bootstrap" else stack_run(stack)


# Every shared run with the fingerprint it had when it was made: a test that edits a shared run in
# place would change what every later reader sees, so tests/conftest.py compares them at the end.
SHARED_RUNS: list[tuple[ProgramRun, str]] = []


def _shared(run: ProgramRun) -> ProgramRun:
    SHARED_RUNS.append((run, run_fingerprint(run)))
    return run


def run_fingerprint(run: ProgramRun) -> str:
    """A digest of what a run recorded: every request whole, the inputs read from it, stand-ins, outputs."""
    digest = hashlib.sha256()
    for record in run.resources:
        digest.update(record.urn.encode())
        digest.update(record.request.SerializeToString(deterministic=True))
        digest.update(json.dumps([record.inputs, record.stand_ins], sort_keys=True, default=repr).encode())
    digest.update(json.dumps([run.outputs, run.invokes], sort_keys=True, default=repr).encode())
    return digest.hexdigest()
