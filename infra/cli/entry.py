"""The `mlinfra` console script: Ctrl-C and SIGTERM are handled before the CLI's imports begin.

Importing the CLI (click, rich, pydantic and the plan code) takes a moment; a signal landing in
it raised a KeyboardInterrupt with a traceback instead of the one line and exit code every
command ends with. `infra.cli.process_exit` imports only the standard library, so its handlers
are in place within milliseconds of the interpreter's start.
"""

import os

from infra.cli.process_exit import exit_on_signals, own_process


def run() -> None:
    """Install the signal handlers, then import and run the CLI."""
    exit_on_signals()
    own_process()
    # gRPC's C core logs transport events on standard error (a stream reset while the process ends after a
    # closed stdout, seen under load: "RST_STREAM received; Error code: 2"). The CLI reports every gRPC
    # failure itself, as one line and an exit code, so those lines are noise; read before grpc is imported
    # (the pinned grpcio 1.85.1's C core reads GRPC_VERBOSITY and takes NONE: an unknown value logs "Unknown log
    # verbosity", NONE does not; checked 2026-12-07. Newer gRPC documents the variable as deprecated in favour of
    # absl's log level, so recheck on an upgrade). A user's own setting wins, for debugging.
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")
    from infra.cli.main import run as run_cli

    run_cli()
