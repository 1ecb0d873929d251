"""One `create` of a sandbox at a time on this machine: an exclusive, non-blocking flock.

Two `mlinfra sandbox create alice` started together both saw no stack, both created (or
selected) it and the second overwrote the first's expiry. The lock is `flock` on a file in the
stacks directory, where Pulumi writes the very config file (Pulumi.sandbox-*.yaml) two creates
would fight over. flock, not a file made with O_EXCL: the kernel drops it when its holder
ends, however it ends (Ctrl-C, SIGKILL, a crash), so no stale lock ever blocks a sandbox.
Across machines the backend's own refusal to create an existing stack
(`StackBackend.create`) is the guard. POSIX only (fcntl), like the rest of the sandbox tooling.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from infra.sandbox.spec import SandboxRefused


class LockUnavailable(OSError):
    """The lock file cannot be created (read-only checkout, permissions); the message names it and why."""


def lock_path(stacks_dir: Path, stack: str) -> Path:
    """The lock file for creating `stack` (git-ignored, removed when the create ends)."""
    return stacks_dir / f".{stack}.create.lock"


@contextlib.contextmanager
def creation_lock(stacks_dir: Path, stack: str) -> Iterator[None]:
    """Hold the lock for creating `stack`, or refuse at once if another process holds it."""
    path = lock_path(stacks_dir, stack)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:  # a read-only checkout, a stacks folder not ours: the user's to fix, not a bug
            cause = (exc.strerror or str(exc)).lower()
            raise LockUnavailable(f"cannot create {path}: {cause}; sandbox create writes the sandbox's stack "
                                  f"file and this lock in {stacks_dir}, so run it from a writable checkout") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SandboxRefused(f"sandbox '{stack}' is being created by another process; wait for it to "
                                 f"finish, then `mlinfra sandbox list` (lock: {path})") from None
        # The holder before us removes the file on release; a lock on that removed file guards
        # nothing, so lock the file now at the path instead.
        try:
            current = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            current = False
        if current:
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        os.close(fd)
