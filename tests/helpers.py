"""Helpers shared by test modules."""

from __future__ import annotations

import copy
import copyreg
import fcntl
import hashlib
import json
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pulumi.runtime.proto.resource_pb2 import RegisterResourceRequest

from infra.offline.engine import ProgramRun, load_project, run_stack

DELETE = object()
ROOT = Path(__file__).resolve().parents[1]
# Results of slow, deterministic external tools, kept between test sessions (see `kept_on_disk`).
DISK_CACHE = Path.home() / ".cache" / "mlinfra" / "tests"
KEEP_PER_KIND = 8
T = TypeVar("T")


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
    return _shared(_once_per_session(f"{stack}-{stand_ins}", lambda: run_stack(stack, stand_ins=stand_ins)))


@cache
def bootstrap_run() -> ProgramRun:
    """One run of the bootstrap project's stack (infra/bootstrap), shared like `stack_run`."""
    project = load_project(ROOT / "infra" / "bootstrap")
    return _shared(_once_per_session("bootstrap", lambda: run_stack("bootstrap", project.stacks_dir,
                                                                      project.program, project.name)))


# The folder in which the xdist workers of one session share their runs (tests/conftest.py makes it).
SESSION_RUNS_ENV = "MLINFRA_TEST_SESSION_RUNS"
copyreg.pickle(RegisterResourceRequest, lambda m: (_request, (m.SerializeToString(deterministic=True),)))


def _request(data: bytes) -> RegisterResourceRequest:
    request = RegisterResourceRequest()
    request.ParseFromString(data)
    return request


def _once_per_session(key: str, plan: Callable[[], ProgramRun]) -> ProgramRun:
    """`plan()` once per test session: the first worker to need it plans it, the others read its pickle."""
    folder = os.environ.get(SESSION_RUNS_ENV)
    if not folder or not Path(folder).is_dir():
        return plan()
    path = Path(folder) / f"{key}.pickle"
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a worker that needs it meanwhile waits instead of planning too
        if path.is_file():
            return pickle.loads(path.read_bytes())
        run = plan()
        for record in run.resources:
            record.inputs  # noqa: B018 - computed once here, and pickled with the run
        path.write_bytes(pickle.dumps(run))
        return run


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


def kept_on_disk(kind: str, inputs: Any, compute: Callable[[], T], dump: Callable[[T], Any],
                 load: Callable[[Any], T]) -> T:
    """`compute()`, or what it returned in an earlier session for the very same `inputs`.

    Only for a real tool whose answer depends on nothing but `inputs` (put the tool's version and our
    invocation of it in them): the answer is the tool's own, read back instead of asked again. The key
    is a SHA-256 of `inputs` as canonical JSON; MLINFRA_TEST_DISK_CACHE=off always computes.
    """
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    path = DISK_CACHE / f"{kind}-{key}.json"
    use_cache = os.environ.get("MLINFRA_TEST_DISK_CACHE", "on") != "off"
    if use_cache and path.is_file():
        return load(json.loads(path.read_text()))
    value = compute()
    if use_cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(dump(value)))
        partial.replace(path)  # whole or not at all, even with two workers writing
        # Keep the newest few per kind, so the folder does not grow with every edit of the inputs.
        others = sorted((p for p in DISK_CACHE.glob(f"{kind}-*.json") if p != path), key=_mtime)
        for old in others[:max(0, len(others) - (KEEP_PER_KIND - 1))]:
            old.unlink(missing_ok=True)
    return value


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # another worker pruned it first
        return 0.0
