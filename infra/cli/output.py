"""Where a command's output goes: standard output that may close early, and `--out` files written whole.

A reader that stops early (`mlinfra plan dev | head -1`) closes the pipe; that is not an error of
the plan, so the command ends quietly with 141 (what a shell reports for a process SIGPIPE ended)
instead of a traceback or exit 1, which means a policy violation; standard output that is closed or
full ends it with one line and 74 (infra/cli/stdout.py). An `--out` file is checked before anything
is planned and replaced in one rename (infra/cli/files.py), so a failed or interrupted run never
leaves a half-written plan behind.
"""

from __future__ import annotations

import io
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console

from infra.cli.files import AtomicFile
from infra.cli.stdout import EXIT_STDOUT_FAILED, StdoutFailed, silence

# Every `--out` file is an AtomicFile (infra/cli/files.py): the one writer of the CLI's files.
OutFile = AtomicFile

# The shell convention for a process a signal ended, 128 + its number: 141 for SIGPIPE (13 on Linux).
EXIT_STDOUT_CLOSED = 128 + signal.SIGPIPE


def stdout_closed() -> None:
    """End the command quietly: its reader has gone, and nothing more can be written."""
    # Later flushes (at exit, in process_exit.finish) must not raise again: point stdout at /dev/null.
    silence()
    sys.exit(EXIT_STDOUT_CLOSED)


def stdout_failed(exc: StdoutFailed) -> None:
    """End the command with one line and EXIT_STDOUT_FAILED: standard output is closed or full."""
    silence()
    click.echo(str(exc.strerror or exc), err=True)
    sys.exit(EXIT_STDOUT_FAILED)


@contextmanager
def quiet_when_stdout_closes() -> Iterator[None]:
    """Run a block that writes to standard output; a closed pipe ends the command with 141."""
    try:
        try:
            yield
        finally:  # also when the block exits with a code: what it wrote must reach the pipe now
            if sys.stdout is not None:
                sys.stdout.flush()
    except BrokenPipeError:
        stdout_closed()
    except StdoutFailed as exc:
        stdout_failed(exc)


class StdoutConsole(Console):
    """A rich console on standard output that reports a closed pipe instead of exiting with 1."""

    def on_broken_pipe(self) -> None:
        """Rich's default exits 1; re-raise so `quiet_when_stdout_closes` decides."""
        self.quiet = True
        raise BrokenPipeError


def plan_and_emit(stack: str, out: Path | None, make: Callable[[], Any],
                  emit: Callable[[Any, OutFile | None], Any]) -> NoReturn:
    """How `plan STACK` and `cost STACK` run: `--out` checked before planning, a spinner while `make`
    plans, `emit` given the outcome (it may return a changed one), the outcome's error on stderr and
    its exit code. The `--out` file is written whole by `emit` or not at all."""
    from infra.cli.process_exit import collector_paused, skip_teardown

    err = Console(stderr=True)
    out_file = OutFile(out) if out is not None else None  # a path that cannot be written fails before planning
    try:
        with err.status(f"Planning stack '{stack}'…", spinner="dots"), collector_paused():
            outcome = make()
        skip_teardown()
        outcome = emit(outcome, out_file)
    finally:
        if out_file is not None:
            out_file.discard()
    if outcome.error is not None:
        err.print(outcome.error, style="red", highlight=False, markup=False, soft_wrap=True)
    sys.exit(outcome.exit_code)


def emit_text(text: str | None, renderable: Any, out_file: OutFile | None, written: str) -> None:
    """`text` (or, when None, `renderable` as a rich table) to standard output or, whole, to `out_file`.

    A table written to a file is rendered off-screen at a fixed 160 columns, then exported as text.
    """
    if text is None and out_file is None:
        with quiet_when_stdout_closes():
            StdoutConsole().print(renderable)
        return
    if text is None:
        console = Console(record=True, width=160, file=io.StringIO())
        console.print(renderable)
        text = console.export_text()
    if out_file is None:
        with quiet_when_stdout_closes():
            click.echo(text, nl=False)
    else:
        out_file.write(text)
        Console(stderr=True).print(f"{written} written to {out_file.path}", highlight=False)
