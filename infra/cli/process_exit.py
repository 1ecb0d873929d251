"""Ending an `mlinfra` process that ran a Pulumi program offline, without the interpreter's teardown.

A plan leaves the Pulumi SDKs (over a thousand modules on a two-cloud stack) and the runtime's
objects in memory. Tearing all of that down at interpreter exit took about 2 s of a 10-11 s prod
plan and does nothing useful: by then the output is flushed, `--out` files are closed and the
policy pack process has been stopped. Commands that ran a program say so with `skip_teardown()`;
every other command (help, sandboxes driving the real Pulumi CLI) exits the normal way.
"""

from __future__ import annotations

import os
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
