"""The terminal side of `mlinfra plan STACK --watch`: plan, wait for a change, re-plan, say what changed.

The first plan is printed whole (or written to --out), like `mlinfra plan STACK`. After each
re-plan, --out is rewritten and the terminal gets what changed since the previous plan (the same
resource and property lines as `mlinfra diff`), then one status line: the exit code the plan
would have had, its cost and how long the re-plan took. Ctrl-C ends the watch (exit 130, as
every command: infra/cli/process_exit.py); the policy pack goes with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from infra.cli.output import StdoutConsole, quiet_when_stdout_closes
from infra.plan.make import PlanOutcome
from infra.plan.watch import Inputs, StackWatch

# How often the watched files are read for a change. Reading a few small files four times a second
# costs nothing measurable, and a quarter second is below what anyone waits on after saving.
POLL_SECONDS = 0.25


def changes_since(before: dict[str, Any] | None, after: dict[str, Any] | None) -> Any:
    """What changed between two plans, as the diff view renders one stack (None when nothing did)."""
    from infra.cli.views.diff import stack_block
    from infra.plan.diff import diff_stack

    if before is None or after is None:
        return None
    stack = diff_stack(before, after)
    return stack_block(stack) if stack["resources"] else None


def status_line(outcome: PlanOutcome, seconds: float, plans: int) -> str:
    """`plan 3 (0.84 s): exit 0, peak 123.45 USD/month`, or the exit code and its first error line."""
    words = f"plan {plans} ({seconds:.2f} s): exit {outcome.exit_code}"
    cost = ((outcome.document or {}).get("cost") or {}).get("totals") or {}
    if "peak" in cost:
        words += f", peak {cost['peak']['usdPerMonth']:,.2f} USD/month"
    if outcome.error:
        words += f"; {outcome.error.strip().splitlines()[0]}"
    return words


def wait_for_change(watch: StackWatch, seen: Inputs, err: Console, sleep: Callable[[float], None] = time.sleep,
                    ) -> Inputs:
    """Block until the plan's inputs or the pack's rules change; a code change is said once, then waited out."""
    told = False
    while True:
        sleep(POLL_SECONDS)
        now = watch.inputs()
        if now.code != seen.code:
            if not told:
                err.print("the program's code changed (infra/, components/): it cannot be reloaded safely in "
                          "this process; stop the watch (Ctrl-C) and start it again", style="yellow",
                          highlight=False)
                told = True
            continue
        if now.rules != seen.rules:
            watch.restart_pack()  # the rules run in the pack's process: a new one reads them
        if now != seen:
            return now


def watch_stack(watch: StackWatch, emit: Callable[[PlanOutcome, bool], PlanOutcome], err: Console,
                max_plans: int | None = None, sleep: Callable[[float], None] = time.sleep) -> int:
    """Plan, then re-plan on every change, `max_plans` times at most (None: until interrupted).

    `emit(outcome, first)` writes the plan (the whole view the first time, --out every time) and
    returns the outcome it wrote. Returns the last plan's exit code.
    """
    previous: dict[str, Any] | None = None
    code = 0
    while True:
        seen = watch.inputs()
        started = time.monotonic()
        with err.status(f"Planning stack '{watch.stack}'…", spinner="dots"):
            outcome = watch.plan()
        seconds = time.monotonic() - started
        outcome = emit(outcome, previous is None)
        changed = changes_since(previous, outcome.document)
        if previous is not None:
            with quiet_when_stdout_closes():
                StdoutConsole().print(changed if changed is not None else "no resource changed since the last plan")
        if outcome.error and outcome.document is None:
            err.print(outcome.error, style="red", highlight=False, markup=False, soft_wrap=True)
        err.print(status_line(outcome, seconds, watch.plans), highlight=False, markup=False)
        previous = outcome.document or previous
        code = outcome.exit_code
        if max_plans is not None and watch.plans >= max_plans:
            return code
        err.print(f"watching {watch.stack_path()} for changes (Ctrl-C to stop)", style="dim", highlight=False)
        wait_for_change(watch, seen, err, sleep)


def run_watch(stack: str, stacks_dir: Path | None, project_dir: Path | None,
              emit: Callable[[PlanOutcome, bool], PlanOutcome], max_plans: int | None = None) -> int:
    """The watch from start to finish, the pack stopped however it ends."""
    watch = StackWatch(stack, stacks_dir, project_dir)
    try:
        return watch_stack(watch, emit, Console(stderr=True), max_plans)
    finally:
        watch.close()
