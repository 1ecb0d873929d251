"""Unexpected exceptions in any `mlinfra` command: one line and exit 70, the traceback only on request.

Exit 1 means "a policy rule is violated" to CI, so a crash must never look like it. 70 is
EX_SOFTWARE, "an internal software error has been detected" (sysexits.h, read in glibc 2.36's
/usr/include/sysexits.h, Debian libc6-dev 2.36-9+deb12u14, on 2026-11-29).
"""

from __future__ import annotations

import os
import sys
import traceback

import click

EXIT_INTERNAL = 70
DEBUG_VARIABLE = "MLINFRA_DEBUG"


class GuardedGroup(click.Group):
    """A click group whose commands end with EXIT_INTERNAL and one line on an unexpected exception."""

    def invoke(self, ctx: click.Context):  # noqa: ANN201 - click's own signature
        """Run the command; click's own exceptions and exits pass through, anything else is a bug."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            from infra.cli.output import stdout_closed

            stdout_closed()
        except OSError as exc:
            from infra.cli.stdout import StdoutFailed

            if not isinstance(exc, StdoutFailed):
                report_internal_error(exc)
            from infra.cli.output import stdout_failed

            stdout_failed(exc)
        except Exception as exc:  # noqa: BLE001 - this is the one place that catches everything
            report_internal_error(exc)


def report_internal_error(exc: BaseException) -> None:
    """Print the one-line report (and the traceback when MLINFRA_DEBUG=1), then exit EXIT_INTERNAL."""
    if os.environ.get(DEBUG_VARIABLE) == "1":
        traceback.print_exception(exc, file=sys.stderr)
    detail = " ".join(str(exc).split())[:300] or "no message"
    click.echo(f"mlinfra: internal error ({type(exc).__name__}: {detail}). This is a bug in mlinfra, not in your "
               f"input: please report it with the command you ran and its output with {DEBUG_VARIABLE}=1.", err=True)
    sys.exit(EXIT_INTERNAL)
