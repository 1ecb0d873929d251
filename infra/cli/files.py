"""The one writer of every file the CLI writes: whole or not at all, and exit 2 naming the path on failure.

`plan --out`, `plan --all --out-dir`, `cost --out`, `diff --out` and `--full-out` all write through
`AtomicFile`: a temporary file is created beside the target before any work starts (so a path that
cannot be written fails at once, not after a minute of planning), filled, flushed to disk and renamed
over the target in one step. A full disk, a read-only file system, a folder that is missing or is a
file, a target that is a folder: each ends the command with exit 2 and one line,
`cannot write plans/plan.json: read-only file system`, and no partial or temporary file is left.

A target that exists but is not a regular file (a device such as /dev/full, a FIFO, a socket) is
refused, never replaced: run as root, a rename over /dev/full used to turn the device into a plain file.
A symbolic link is followed: the file it points at is replaced, the link stays.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

import click

from infra.cli.stdout import describe

EXIT_OUTPUT = 2
_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


class OutputError(click.ClickException):
    """A file the command was asked to write cannot be written: one line on stderr, exit 2."""

    exit_code = EXIT_OUTPUT

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        """The message alone, on one line: no "Usage:" block, the path and cause are all there is to say."""
        click.echo(" ".join(self.message.split()), err=True)


def _kind(mode: int) -> str | None:
    return next((name for test, name in _KINDS if test(mode)), None)


def checked_target(path: Path) -> Path:
    """The regular file `path` names (a link followed), in an existing folder; OutputError otherwise."""
    try:
        return _checked_target(path)
    except OSError as exc:  # a name too long, a loop of links, a folder we may not search
        raise OutputError(f"cannot write {path}: {describe(exc)}") from None
    except ValueError as exc:  # a NUL byte in the path
        raise OutputError(f"cannot write {path!r}: {exc}") from None


def _checked_target(path: Path) -> Path:
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        raise OutputError(f"cannot write {path}: it is {_kind(mode) or 'not a regular file'}, not a regular "
                          "file; mlinfra replaces only regular files, give a file path")
    if mode is not None and not os.access(target, os.W_OK):
        raise OutputError(f"cannot write {path}: it exists and is not writable")
    parent = target.parent
    if not parent.exists():
        raise OutputError(f"cannot write {path}: the folder {parent} does not exist")
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: {parent} is not a folder")
    return target


class AtomicFile:
    """A file written whole: a temporary file beside the target is created now, renamed over it by `write`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.target = checked_target(path)
        try:
            handle, temporary = tempfile.mkstemp(dir=self.target.parent, prefix=f".{self.target.name}.",
                                                 suffix=".tmp")
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {describe(exc)}") from None
        os.close(handle)
        self.temporary: Path | None = Path(temporary)
        try:  # mkstemp makes the file 0600; keep the mode of the file replaced, else the umask's
            os.chmod(temporary, self.target.stat().st_mode & 0o777 if self.target.exists() else 0o666 & ~_umask())
        except OSError as exc:
            self.discard()
            raise OutputError(f"cannot write {path}: {describe(exc)}") from None

    def write(self, text: str | bytes) -> None:
        """Write `text` to the temporary file, flush it to disk and rename it over the target."""
        assert self.temporary is not None, "an AtomicFile is written once"
        data = text.encode("utf-8") if isinstance(text, str) else text
        try:
            fd = os.open(self.temporary, os.O_WRONLY | os.O_TRUNC | os.O_CLOEXEC)
            try:
                view, done = memoryview(data), 0
                while done < len(view):
                    done += os.write(fd, view[done:])
                os.fsync(fd)  # a full disk may only say so here (delayed allocation)
            finally:
                os.close(fd)
            checked_target(self.path)  # still a regular file (or nothing) the moment before the rename
            os.replace(self.temporary, self.target)
        except OSError as exc:
            self.discard()
            raise OutputError(f"cannot write {self.path}: {describe(exc)}") from None
        except OutputError:
            self.discard()
            raise
        self.temporary = None

    def discard(self) -> None:
        """Remove the temporary file if it was not renamed (nothing written, a failure, an interruption)."""
        if self.temporary is not None:
            with contextlib.suppress(OSError):
                self.temporary.unlink(missing_ok=True)
            self.temporary = None


def write_file(path: Path, text: str | bytes) -> None:
    """Write one file whole through AtomicFile (OutputError, exit 2, when it cannot be)."""
    out = AtomicFile(path)
    try:
        out.write(text)
    finally:
        out.discard()


def prepare_dir(directory: Path) -> None:
    """Create `directory` (and its parents) and check a file can be created in it; OutputError otherwise."""
    shown = f"{directory}/"
    if "\0" in str(directory):
        raise OutputError(f"cannot write {shown!r}: the path holds a NUL byte")
    try:
        if directory.exists() and not directory.is_dir():
            raise OutputError(f"cannot write {shown}: it is a file, not a folder")
        directory.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=directory, prefix=".mlinfra-probe.", suffix=".tmp")
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"cannot write {shown}: {describe(exc)}") from None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
