"""A click path parameter that answers a path the OS cannot even look at with a usage error (exit 2).

click.Path stats the value to check exists/writable/file_okay; Python's os.stat raises ValueError
for a NUL byte ("embedded null byte"), which click does not catch, so `--out 'a\\0b'` was exit 70
(an internal error) instead of a usage error naming the option.
"""

from __future__ import annotations

from typing import Any

import click


class SafePath(click.Path):
    """click.Path, with the paths os.stat refuses (a NUL byte, a name too long) reported as bad parameters."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and "\x00" in value:
            self.fail(f"{value!r}: the path holds a NUL byte", param, ctx)
        try:
            return super().convert(value, param, ctx)
        except (ValueError, OSError) as exc:
            self.fail(f"{value!r}: {exc}", param, ctx)
