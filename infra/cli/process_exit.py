"""Ending an `mlinfra` process that ran a Pulumi program offline, without the interpreter's teardown.

A plan leaves the Pulumi SDKs (over a thousand modules on a two-cloud stack) and the runtime's
objects in memory. Tearing all of that down at interpreter exit took about 2 s of a 10-11 s prod
plan and does nothing useful: by then the output is flushed, `--out` files are closed and the
policy pack process has been stopped. Commands that ran a program say so with `skip_teardown()`;
every other command (help, sandboxes driving the real Pulumi CLI) exits the normal way.

Ctrl-C and SIGTERM end every command through the same door, at once (`exit_on_signals`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

_skip = False


def skip_teardown() -> None:
    """Mark this process as safe to end with os._exit once its command returned."""
    global _skip
    _skip = True


def finish(exc: SystemExit) -> None:
    """End the process for `exc`: at once when marked and the code is a number, else re-raise it."""
    code = 0 if exc.code is None else exc.code
    if not _skip or not isinstance(code, int):
        raise exc
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


# Shell convention: 128 + the signal's number.
_SIGNAL_EXITS = {signal.SIGINT: (130, "interrupted"), signal.SIGTERM: (143, "terminated")}


def exit_on_signals() -> None:
    """Make Ctrl-C (SIGINT) and SIGTERM end the command at once: one line, exit 130 or 143.

    A KeyboardInterrupt raised wherever the main thread happens to be (inside the Pulumi
    runtime's asyncio loop, a gRPC wait, interpreter teardown) printed a misleading traceback,
    exited 1, and once hung for 90 s waiting on threads. Nothing a plan holds needs an orderly
    shutdown: `--out` is written only after the plan is made, and the policy pack is killed
    here (and ends by itself once this process is gone, see infra/offline/analyzer.py). A
    sandbox's creation lock (flock) is released by the kernel with the process; a Pulumi CLI
    run by a sandbox command got the terminal's Ctrl-C itself and cancels in its own way.
    """
    for signum in _SIGNAL_EXITS:
        signal.signal(signum, _on_signal)


def _on_signal(signum: int, _frame: object) -> None:
    code, word = _SIGNAL_EXITS[signal.Signals(signum)]
    analyzer = sys.modules.get("infra.offline.analyzer")  # not imported: no pack was started
    if analyzer is not None:
        analyzer.kill_running_packs()
    # A terminal may show a spinner and have its cursor hidden: clear the line, show the cursor.
    on_tty = sys.stderr.isatty() if sys.stderr else False
    line = f"\r\x1b[2K{word}\n\x1b[?25h" if on_tty else f"{word}\n"
    with contextlib.suppress(OSError, ValueError):
        os.write(2, line.encode())
    os._exit(code)
