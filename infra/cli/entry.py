"""The `mlinfra` console script: Ctrl-C and SIGTERM are handled before the CLI's imports begin.

Importing the CLI (click, rich, pydantic and the plan code) takes a moment; a signal landing in
it raised a KeyboardInterrupt with a traceback instead of the one line and exit code every
command ends with. `infra.cli.process_exit` imports only the standard library, so its handlers
are in place within milliseconds of the interpreter's start.
"""

from infra.cli.process_exit import exit_on_signals, own_process


def run() -> None:
    """Install the signal handlers, then import and run the CLI."""
    exit_on_signals()
    own_process()
    from infra.cli.main import run as run_cli

    run_cli()
