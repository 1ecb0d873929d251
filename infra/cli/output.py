"""Where a command's output goes: standard output that may close early, and `--out` files written whole.

A reader that stops early (`mlinfra plan dev | head -1`) closes the pipe; that is not an error of
the plan, so the command ends quietly with 141 (what a shell reports for a process SIGPIPE ended)
instead of a traceback or exit 1, which means a policy violation. An `--out` file is checked
before anything is planned and replaced in one rename, so a failed or interrupted run never
leaves a half-written plan behind.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console

# The shell convention for a process a signal ended, 128 + its number: 141 for SIGPIPE (13 on Linux).
EXIT_STDOUT_CLOSED = 128 + signal.SIGPIPE


def stdout_closed() -> None:
    """End the command quietly: its reader has gone, and nothing more can be written."""
    # Later flushes (at exit, in process_exit.finish) must not raise again: point stdout at /dev/null.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    sys.exit(EXIT_STDOUT_CLOSED)


@contextmanager
def quiet_when_stdout_closes() -> Iterator[None]:
    """Run a block that writes to standard output; a closed pipe ends the command with 141."""
    try:
        try:
            yield
        finally:  # also when the block exits with a code: what it wrote must reach the pipe now
            sys.stdout.flush()
    except BrokenPipeError:
        stdout_closed()


class StdoutConsole(Console):
    """A rich console on standard output that reports a closed pipe instead of exiting with 1."""

    def on_broken_pipe(self) -> None:
        """Rich's default exits 1; re-raise so `quiet_when_stdout_closes` decides."""
        self.quiet = True
        raise BrokenPipeError


class OutFile:
    """An `--out` file: a temporary file beside it is created up front, renamed over it when written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.exists() and not os.access(path, os.W_OK):
            raise click.BadParameter(f"{path} exists and is not writable", param_hint="'--out'")
        if not path.parent.is_dir():
            raise click.BadParameter(f"cannot write {path}: the folder {path.parent} does not exist",
                                     param_hint="'--out'")
        try:
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        except OSError as exc:
            raise click.BadParameter(f"cannot write {path}: creating a file in {path.parent} failed: "
                                     f"{exc.strerror or exc}", param_hint="'--out'") from None
        os.close(handle)
        # mkstemp makes the file 0600; the plan gets the mode the file it replaces had, else the umask's.
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
        self.temporary: Path | None = Path(temporary)

    def write(self, text: str) -> None:
        """Write `text` to the temporary file and rename it over the target."""
        assert self.temporary is not None, "an OutFile is written once"
        self.temporary.write_text(text)
        os.replace(self.temporary, self.path)
        self.temporary = None

    def discard(self) -> None:
        """Remove the temporary file if nothing was written (the plan failed or was interrupted)."""
        if self.temporary is not None:
            self.temporary.unlink(missing_ok=True)
            self.temporary = None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def plan_and_emit(stack: str, out: Path | None, make: Callable[[], Any],
                  emit: Callable[[Any, OutFile | None], Any]) -> NoReturn:
    """How `plan STACK` and `cost STACK` run: `--out` checked before planning, a spinner while `make`
    plans, `emit` given the outcome (it may return a changed one), the outcome's error on stderr and
    its exit code. The `--out` file is written whole by `emit` or not at all."""
    from infra.cli.process_exit import skip_teardown

    err = Console(stderr=True)
    out_file = OutFile(out) if out is not None else None  # a path that cannot be written fails before planning
    try:
        with err.status(f"Planning stack '{stack}'…", spinner="dots"):
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
