"""Standard output that cannot crash a command: closed, full, a vanished reader or a narrow encoding.

`install()` (called first thing by the console script) replaces `sys.stdout` with a stream whose
every failure is one of two exceptions the CLI knows how to end on:
- `StdoutGone` (a BrokenPipeError): the reader stopped early (`| head`); the command ends quietly
  with 141, as a shell reports a process SIGPIPE ended (infra/cli/output.py).
- `StdoutFailed`: standard output is closed (`>&-`), or the disk behind it is full (`> file` on a full
  disk, `> /dev/full`), or another I/O error: one line naming the cause and exit 74, EX_IOERR ("an
  error occurred while doing I/O on some file", sysexits.h, read in glibc 2.36's
  /usr/include/sysexits.h, Debian libc6-dev 2.36-9+deb12u14, on 2026-11-29). Never exit 0 with a
  partial plan, never 1, which CI reads as a policy violation.

A character the terminal's encoding cannot show (`PYTHONIOENCODING=ascii`) is written as its ASCII
stand-in (`·` as `.`, box lines as `-` and `|`), else `?`: rich draws tables with ASCII boxes when the
stream's encoding is not UTF-8, so a table stays readable. JSON is ASCII already.

Standard library only: it is installed before the CLI's imports.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import stat
import sys

EXIT_STDOUT_FAILED = 74
FALLBACK_ERRORS = "mlinfra-ascii-fallback"
# Stand-ins for the non-ASCII characters mlinfra's own views print; anything else becomes "?".
_ASCII = {"·": ".", "…": "...", "—": "-", "–": "-", "→": "->", "←": "<-", "─": "-", "━": "-", "│": "|",
          "┃": "|", "✓": "ok", "✗": "x", "×": "x", "≥": ">=", "≤": "<=", "±": "+/-", "“": '"', "”": '"',
          "‘": "'", "’": "'", "•": "*", "▶": ">", "⚠": "!", "\u00a0": " "}
# A pipe's capacity is at least one page (pipe(7), F_SETPIPE_SZ; Linux man-pages 6.03, read 2026-12-07).
_PIPE_PAGE = 4096


class StdoutGone(BrokenPipeError):
    """The reader of standard output has gone (a closed pipe)."""


class StdoutFailed(OSError):
    """Standard output cannot be written: closed, full, or another I/O error; str() is one line."""


def _fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = "".join(_ASCII.get(char, "?") for char in error.object[error.start:error.end])
    return text, error.end


codecs.register_error(FALLBACK_ERRORS, _fallback)


def describe(exc: OSError) -> str:
    """An OS error's cause in lower case, as a line reads it: `no space left on device`."""
    text = exc.strerror or (os.strerror(exc.errno) if exc.errno else str(exc)) or type(exc).__name__
    return text[:1].lower() + text[1:]


class _RawStdout(io.RawIOBase):
    """File descriptor 1, written whole or failing with StdoutGone / StdoutFailed."""

    def __init__(self, fd: int, closed_at_start: bool) -> None:
        super().__init__()
        self._fd = fd
        self._closed_at_start = closed_at_start

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return not self._closed_at_start and os.isatty(self._fd)

    def write(self, data) -> int:  # noqa: ANN001 - io's buffer protocol
        view = memoryview(data).cast("B")
        if self._closed_at_start and len(view):
            raise StdoutFailed(errno.EBADF, "cannot write standard output: it is closed (was it run with >&-?)")
        done = 0
        while done < len(view):
            try:
                done += os.write(self._fd, view[done:])
            except BrokenPipeError:
                # No errno: click's own handler of EPIPE (outside any command, e.g. `--help`) would exit 1.
                raise StdoutGone("standard output closed by its reader") from None
            except OSError as exc:
                raise StdoutFailed(exc.errno, f"cannot write standard output: {describe(exc)}") from None
        return done


_installed: list[_RawStdout] = []


def install() -> None:
    """Make file descriptors 0-2 safe to use, and `sys.stdout` the stream described above."""
    closed = _reserve_closed_descriptors()
    if _installed:
        return
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    raw = _RawStdout(1, closed_at_start=1 in closed)
    tty = raw.isatty()
    stream = io.TextIOWrapper(io.BufferedWriter(raw), encoding=encoding, errors=FALLBACK_ERRORS,
                              line_buffering=tty, write_through=False)
    with contextlib.suppress(Exception):
        if sys.stdout is not None:
            sys.stdout.flush()
    sys.stdout = stream
    _installed.append(raw)
    _shrink_pipe(closed)


def _reserve_closed_descriptors() -> set[int]:
    """Open /dev/null on any of 0, 1, 2 that is closed, and say which were.

    Otherwise the next file the process opens (a temporary `--out` file, the policy pack's pipe) gets
    number 1, and "standard output" would be written into it.
    """
    closed = set()
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            closed.add(fd)
            opened = os.open(os.devnull, os.O_RDONLY if fd == 0 else os.O_WRONLY)
            if opened != fd:
                os.dup2(opened, fd)
                os.close(opened)
    return closed


def _shrink_pipe(closed: set[int]) -> None:
    """When standard output is a pipe, shrink it to one page.

    A plan (tens to hundreds of KB) then never fits in the pipe whole, so a reader that stops after
    one read (`mlinfra plan dev | head -c1`) is always noticed as a closed pipe and the command ends
    with the documented 141; in a 64 KiB pipe a table fitted whole and the command exited 0, or not,
    depending on timing. Best effort: another OS may not have F_SETPIPE_SZ.
    """
    if 1 in closed:
        return
    import fcntl

    with contextlib.suppress(OSError, AttributeError, ValueError):
        if stat.S_ISFIFO(os.fstat(1).st_mode):
            fcntl.fcntl(1, fcntl.F_SETPIPE_SZ, _PIPE_PAGE)


def silence() -> None:
    """Point descriptor 1 at /dev/null so later flushes (at exit) cannot fail again."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    for raw in _installed:
        raw._closed_at_start = False  # noqa: SLF001 - descriptor 1 is /dev/null now: writes succeed


def exit_code_for(exc: OSError) -> int:
    """End on a standard-output failure that escaped every command (`--help`, `--version`): the exit code,
    after one line for StdoutFailed; later flushes go to /dev/null."""
    silence()
    if isinstance(exc, StdoutGone):
        return 128 + 13  # SIGPIPE, as infra/cli/output.py's EXIT_STDOUT_CLOSED
    with contextlib.suppress(OSError, ValueError):
        os.write(2, f"{exc.strerror or exc}\n".encode())
    return EXIT_STDOUT_FAILED
