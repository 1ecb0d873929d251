"""Reading a file a user named: a regular file of bounded size, or a clear refusal; never a hang.

`open()` on a FIFO that nobody writes to blocks forever, and reading /dev/zero never ends. So the
file is opened without blocking (O_NONBLOCK: a FIFO opens at once), checked with fstat on the open
descriptor (no window between the check and the read) to be a regular file, and read up to a limit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class InputFileError(ValueError):
    """The file cannot be read as a regular file within the limit; the message names it and why."""


def read_regular_file(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of `path`, which must be a regular file of at most `limit` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {_cause(exc)}") from None
    except ValueError as exc:  # a NUL byte in the path
        raise InputFileError(f"cannot read {str(path)!r}: {exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise InputFileError(f"cannot read {path}: it is {kind}; give a {what} (a regular file)")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {_cause(exc)}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise InputFileError(f"cannot read {path}: larger than {_size(limit)}; is it the right {what}?")
    return b"".join(chunks)


def _cause(exc: OSError) -> str:
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"
