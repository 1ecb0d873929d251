"""Progress on stderr: a spinner on a terminal, plain lines anywhere else (CI logs, pipes, files).

A spinner (rich's status) draws nothing when stderr is not a terminal, so a CI log showed 27 to 67 s
of silence while `diff` planned a revision or `plan --all` planned every stack. Off a terminal each
step is one line, with the seconds since the start, flushed at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console


@contextmanager
def progress(err: Console, first: str) -> Iterator[Callable[[str], None]]:
    """Show `first`, then yield `update(message)` for each later step."""
    if err.is_terminal:
        with err.status(first, spinner="dots") as status:
            yield status.update
        return
    start = time.monotonic()

    def line(message: str) -> None:
        # Printed as given: no markup, no highlighting, no wrapping, so log lines stay greppable.
        err.print(f"[{time.monotonic() - start:5.1f}s] {message}", markup=False, highlight=False, soft_wrap=True)
        err.file.flush()

    line(first)
    yield line
