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
import gc
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

_skip = False
# Young-generation threshold while planning (CPython's default is 700). A plan allocates millions
# of short-lived objects next to a heap of over a thousand SDK modules; at the default, the
# collector ran 11 full collections during `plan --all` and took about a quarter of its CPU time
# (12.2 s -> 9.4 s measured 2026-11-29 on 2 shared cores). Collections still run, just less often,
# so cyclic garbage is still freed.
PLANNING_GC_THRESHOLD = (10_000, 50, 1_000)


def tune_gc_for_planning() -> None:
    """Collect garbage less often: for commands that run a Pulumi program offline, then exit."""
    gc.set_threshold(*PLANNING_GC_THRESHOLD)


# Set by the console script (`infra.cli.entry.run`): this process is the command and ends with it.
_whole_process = False


def own_process() -> None:
    """Mark this process as one command's own, ended when the command returns (not a test's, not a caller's)."""
    global _whole_process
    _whole_process = True


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off while one stack is planned, in a process that ends right after.

    A plan allocates millions of objects and frees almost all of them by reference counting; the
    collector's young-generation passes over what survives were a fifth of a 500-pool plan's CPU
    (3.2 of 15.3 s, growing faster than the stack: 0.5 of 4.0 s at 100 pools), for about 7% more
    memory when off (552 -> 590 MB), measured 2026-12-07. Only where the process ends with the
    command (`own_process`); anywhere else (tests, a caller planning many stacks) nothing changes,
    as garbage there must still be collected.
    """
    if not _whole_process or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    except BaseException:
        gc.enable()  # the command goes on to report an error: back to normal
        raise
    # Left off: the process ends once the plan is written, and turning the collector back on would
    # make its first pass scan everything the plan still holds.


def skip_teardown() -> None:
    """Mark this process as safe to end with os._exit once its command returned."""
    global _skip
    _skip = True


def finish(exc: SystemExit) -> None:
    """End the process for `exc`: at once when marked and the code is a number, else re-raise it."""
    code = 0 if exc.code is None else exc.code
    if _owed is not None:  # a signal arrived while Pulumi ran: its exit code, now Pulumi is done
        code = _owed
    elif not _skip or not isinstance(code, int):
        flushed = flush_stdout(code) if isinstance(code, int) else code
        if flushed != code:  # the interpreter's own flush at exit would print a traceback and exit 120
            raise SystemExit(flushed) from None
        raise exc
    code = flush_stdout(code)
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    os._exit(code)


def flush_stdout(code: int) -> int:
    """Flush standard output; the exit code to end with (141 or 74 when it could not be written)."""
    from infra.cli.stdout import EXIT_STDOUT_FAILED, StdoutFailed, silence

    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        silence()
        return 128 + signal.SIGPIPE
    except StdoutFailed as exc:
        silence()
        _say(str(exc.strerror or exc))
        return EXIT_STDOUT_FAILED
    return code


# Shell convention: 128 + the signal's number.
_SIGNAL_EXITS = {signal.SIGINT: (130, "interrupted"), signal.SIGTERM: (143, "terminated")}


def exit_on_signals() -> None:
    """Make Ctrl-C (SIGINT) and SIGTERM end the command at once: one line, exit 130 or 143.

    A KeyboardInterrupt raised wherever the main thread happens to be (inside the Pulumi
    runtime's asyncio loop, a gRPC wait, interpreter teardown) printed a misleading traceback,
    exited 1, and once hung for 90 s waiting on threads. Nothing a plan holds needs an orderly
    shutdown: `--out` is written only after the plan is made, and the policy pack is killed
    here (and ends by itself once this process is gone, see infra/offline/analyzer.py). A
    sandbox's creation lock (flock) is released by the kernel with the process.

    The one exception is a Pulumi CLI operation (`up`, `destroy`) of a sandbox command: ending
    at once would close the pipe Pulumi writes its progress to, and Pulumi dies of SIGPIPE at
    its next line (pulumi/pulumi#24278) in the middle of its own clean cancel, leaving pending
    operations in the stack's state. So the first signal then lets Pulumi finish cancelling (it
    got the terminal's Ctrl-C itself; a SIGTERM is passed on to it as the SIGINT it cancels on)
    and the command exits with the signal's code when Pulumi returns; a second signal exits now.
    """
    for signum in _SIGNAL_EXITS:
        signal.signal(signum, _on_signal)


_owed: int | None = None  # the exit code of a signal deferred until Pulumi stopped


def _on_signal(signum: int, _frame: object) -> None:
    global _owed
    code, word = _SIGNAL_EXITS[signal.Signals(signum)]
    # Looked up, never imported, and with getattr: the signal may land while either module is
    # still being imported (then it has run nothing yet).
    pulumi_running = getattr(sys.modules.get("infra.sandbox.backend"), "pulumi_running", None)
    if _owed is None and pulumi_running is not None and pulumi_running():
        _owed = code
        _say(f"{word}: letting pulumi stop cleanly so the stack's state stays whole; "
             f"{'Ctrl-C' if signum == signal.SIGINT else 'signal'} again to exit now")
        if signum == signal.SIGTERM:
            _interrupt_children()
        return
    kill_running_packs = getattr(sys.modules.get("infra.offline.analyzer"), "kill_running_packs", None)
    if kill_running_packs is not None:
        kill_running_packs()
    remove_open_worktrees = getattr(sys.modules.get("infra.plan.revision"), "remove_open_worktrees", None)
    if remove_open_worktrees is not None:  # `mlinfra diff` of a git revision: leave no worktree behind
        with contextlib.suppress(Exception):
            remove_open_worktrees()
    _say(word)
    os._exit(code)


def _say(line: str) -> None:
    # A terminal may show a spinner and have its cursor hidden: clear the line, show the cursor.
    on_tty = sys.stderr.isatty() if sys.stderr else False
    text = f"\r\x1b[2K{line}\n\x1b[?25h" if on_tty else f"{line}\n"
    with contextlib.suppress(OSError, ValueError):
        os.write(2, text.encode())


def _interrupt_children() -> None:
    """Send SIGINT, Pulumi's "cancel cleanly", to this process's children (Linux: found in /proc)."""
    me = str(os.getpid())
    for entry in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if entry.read_text().rsplit(")", 1)[1].split()[1] == me:
                os.kill(int(entry.parent.name), signal.SIGINT)
