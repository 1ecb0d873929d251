"""The offline engine: runs the unchanged program under Pulumi's mock runtime and records it.

`run_program` is the core and also what component tests use, so the tests and `mlinfra plan`
exercise one code path. `run_stack` adds the stack file and the program entry point.
"""

from __future__ import annotations

import json
import runpy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings
from pulumi.runtime.mocks import set_mocks
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from infra.config.plan_clock import ClockReading, clock_run
from infra.offline.invokes import InvokeAnswers, OfflineContext
from infra.offline.monitor import OfflineMocks, RecordedResource, RecordingMonitor
from infra.offline.properties import struct_to_json
from infra.offline.sdk_hooks import (
    mock_monitor_settles_at_once,
    monitor_calls_in_one_worker,
    type_unwraps_remembered,
    without_stack_traces,
)
from infra.offline.stackfile import StackFile, StackFileError, load_stack_file
from infra.offline.strict_yaml import StrictYamlError, read_yaml

PROJECT = "mlinfra"
REPO_ROOT = Path(__file__).resolve().parents[2]
PROGRAM = REPO_ROOT / "infra" / "__main__.py"
STACKS_DIR = REPO_ROOT / "stacks"


class ProgramError(Exception):
    """The program raised; carries the cause and what had been registered before it did."""

    def __init__(self, cause: BaseException, resources: list[RecordedResource]) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.resources = resources


@dataclass
class ProgramRun:
    """What one run of a program registered, in registration order, and what it exported."""

    project: str
    stack: str
    resources: list[RecordedResource]
    outputs: dict[str, Any]
    invokes: list[str] = field(default_factory=list)
    stack_file: StackFile | None = None
    # The plan clock's instant for this run and the expiries the program derived from it.
    clock: ClockReading | None = None


def run_program(
    program: Callable[[], Any],
    *,
    stack: str = "test",
    project: str = PROJECT,
    config: dict[str, str] | None = None,
    secret_keys: list[str] | None = None,
    context: OfflineContext | None = None,
    on_register: Callable[[RecordedResource], None] | None = None,
    stand_ins: bool = True,
) -> ProgramRun:
    """Run `program` under the recording mock runtime as a preview; `on_register` sees each resource.

    `stand_ins=False` leaves every computed output unknown, exactly as `pulumi preview` shows a new
    stack (what the rules must also handle); by default they get stand-ins (infra/offline/standins.py).

    Raises ProgramError wrapping whatever the program raised, with the resources registered
    before it failed (so callers can prove a bad config created nothing).
    """
    invokes = InvokeAnswers(context or OfflineContext())
    mocks = OfflineMocks(invokes, stand_ins)
    monitor = RecordingMonitor(mocks, on_register)
    # The runtime keeps global state; start each run from a clean slate so runs never mix.
    settings.reset_options(project=project, stack=stack, preview=True)
    set_mocks(mocks, project=project, stack=stack, preview=True, monitor=monitor)
    settings.SETTINGS.outputs.clear()
    # set_mocks installs and finishes a root stack; run_in_stack must own a fresh one so the
    # program's exports are registered as the stack's outputs, as under the real engine.
    settings.set_root_resource(None)
    pulumi.runtime.set_all_config(dict(config or {}), list(secret_keys or []))
    try:
        # One "now" for the whole run (sandbox expiries), recorded for the plan document.
        with without_stack_traces(), monitor_calls_in_one_worker(), mock_monitor_settles_at_once(), \
                type_unwraps_remembered(), clock_run() as clock:
            _sync_await(run_in_stack(program))
    except Exception as exc:
        raise ProgramError(monitor.duplicate or exc, list(monitor.records)) from exc
    finally:
        settings.set_root_resource(None)
    if monitor.duplicate is not None:  # refused even where the SDK swallowed the failed registration
        raise ProgramError(monitor.duplicate, list(monitor.records))
    outputs = struct_to_json(monitor.stack_outputs) if monitor.stack_outputs is not None else {}
    return ProgramRun(project, stack, monitor.records, outputs, invokes.asked, clock=clock)


def context_for(stack_file: StackFile) -> OfflineContext:
    """Offline answers that match the stack's own region, account and project.

    Any namespace's `aws` and `gcp` objects count (`mlinfra:aws`, `bootstrap:aws`).
    """

    def _obj(suffix: str) -> dict:
        for key, raw in sorted(stack_file.config.items()):
            if not key.endswith(f":{suffix}"):
                continue
            try:
                value = json.loads(raw) if raw else {}
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
        return {}

    aws, gcp = _obj("aws"), _obj("gcp")
    defaults = OfflineContext()
    return OfflineContext(
        aws_region=str(aws.get("region") or defaults.aws_region),
        gcp_project=str(gcp.get("project") or defaults.gcp_project),
        gcp_region=str(gcp.get("region") or defaults.gcp_region),
        aws_account_id=str(aws.get("account_id") or defaults.aws_account_id),
        gcp_project_number=str(gcp.get("project_number") or defaults.gcp_project_number),
    )


@dataclass(frozen=True)
class Project:
    """What `Pulumi.yaml` says about a program: its name, entry point and stack-file folder."""

    name: str
    program: Path
    stacks_dir: Path


def load_project(project_dir: Path) -> Project:
    """Read `project_dir/Pulumi.yaml` (name, main, stackConfigDir) the way the CLI resolves them."""
    path = project_dir / "Pulumi.yaml"
    if not path.is_file():
        raise StackFileError(f"no Pulumi project here: {path} does not exist")
    try:
        document = read_yaml(path) or {}
    except StrictYamlError as exc:
        raise StackFileError(str(exc)) from None
    if not isinstance(document, dict) or not isinstance(document.get("name"), str):
        raise StackFileError(f"{path}: expected a mapping with a 'name'")
    main = project_dir / str(document.get("main") or ".")
    program = main / "__main__.py" if main.is_dir() else main
    if not program.is_file():
        raise StackFileError(f"{path}: main: the program {program} does not exist; point 'main' at the "
                             "program's folder or file")
    return Project(document["name"], program, project_dir / str(document.get("stackConfigDir") or "."))


def run_stack(stack: str, stacks_dir: Path = STACKS_DIR, program_path: Path = PROGRAM,
              project: str = PROJECT, stand_ins: bool = True) -> ProgramRun:
    """Plan one stack from its file by running the program entry point, as `pulumi` would."""
    return run_stack_file(load_stack_file(stacks_dir, stack), program_path, project, stand_ins=stand_ins)


def run_stack_file(stack_file: StackFile, program_path: Path = PROGRAM, project: str = PROJECT,
                   on_register: Callable[[RecordedResource], None] | None = None,
                   stand_ins: bool = True) -> ProgramRun:
    """Plan from an in-memory stack file (a sandbox is a template plus overrides, never on disk)."""
    stack = stack_file.name
    run = run_program(
        lambda: runpy.run_path(str(program_path), run_name="__main__"),
        stack=stack,
        project=project,
        config=stack_file.config,
        secret_keys=stack_file.secret_keys,
        context=context_for(stack_file),
        on_register=on_register,
        stand_ins=stand_ins,
    )
    run.stack_file = stack_file
    return run
