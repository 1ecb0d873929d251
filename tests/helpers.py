"""Helpers shared by test modules."""

from __future__ import annotations

import copy
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

from infra.offline.engine import ProgramRun, run_stack

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
def stack_run(stack: str) -> ProgramRun:
    """One run of a stack under the offline engine, shared by the test modules that read it."""
    return run_stack(stack)
