"""The `mlinfra` command."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from infra.cli.internal_error import GuardedGroup

if TYPE_CHECKING:
    from infra.cli.output import OutFile

FORMATS = ("table", "json", "markdown", "terraform-plan")


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from infra.catalog.version import mlinfra_version

    click.echo(f"mlinfra {mlinfra_version()}")
    ctx.exit()


@click.group(cls=GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Print mlinfra's version (the installed package's) and exit.")
def main() -> None:
    """mlinfra: ML platforms on AWS and Google Cloud, planned offline or applied with Pulumi."""
    # Checked before any command plans (imported only when set): the plan clock, then the price day.
    if os.environ.get("MLINFRA_PRICE_DATE") or os.environ.get("MLINFRA_PLAN_TIME"):
        from infra.config.plan_clock import PlanTimeError, pinned_time
        from infra.plan.cost import PriceDateError, price_date

        try:
            pinned_time()
            price_date()
        except (PlanTimeError, PriceDateError) as exc:
            raise click.UsageError(str(exc)) from None


@main.command()
@click.argument("stack", required=False)
@click.option("--all", "all_stacks", is_flag=True,
              help="Plan every stack in --stacks-dir (live sandbox-* files excepted) and every stack of "
                   "infra/bootstrap in one process, and check physical names across them.")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="With --all: write <project>.<stack>.<json|md|txt> per stack and index.json here.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for a terminal, json for tools (the plan document), markdown for PRs, "
                   "terraform-plan for scanners of Terraform plans (Checkov, Trivy, conftest).")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the plan to this file instead of standard output.")
@click.option("--stacks-dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="Folder with Pulumi.<stack>.yaml files (default: ./stacks).")
@click.option("--project", "project_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="Plan the Pulumi project in this folder instead, e.g. infra/bootstrap.")
@click.option("--watch", is_flag=True,
              help="Keep planning STACK: re-plan whenever its stack file or policy config changes, with the "
                   "SDKs loaded and the policy pack kept running, and print what changed. Ctrl-C stops.")
def plan(stack: str | None, all_stacks: bool, out_dir: Path | None, fmt: str, out: Path | None,
         stacks_dir: Path | None, project_dir: Path | None, watch: bool) -> None:
    """Plan STACK (or, with --all, every stack) offline: no cloud credentials and no Pulumi CLI needed.

    Exit codes: 0 plan made; 1 plan made, but a mandatory policy rule is violated or peak cost
    is over budget (the plan is still printed); 2 bad config or unknown stack, or (terraform-plan)
    a resource type with no Terraform type; 3 the policy pack could not run; 130 Ctrl-C; 143 SIGTERM.
    With --all, the worst of every stack's and of the cross-stack name check's, in the order 2, 3,
    1, 0: a config error anywhere is never hidden by a failure elsewhere.
    """
    # Imported here so `mlinfra --help` stays instant: the Pulumi SDKs take a second to load,
    # rich another 50-75 ms.
    from rich.console import Console

    from infra.cli.process_exit import skip_teardown, tune_gc_for_planning

    tune_gc_for_planning()
    _check_plan_args(stack, all_stacks, out_dir, fmt, out, project_dir)
    if watch and all_stacks:
        raise click.UsageError("--watch follows one STACK; it cannot go with --all")
    err = Console(stderr=True)
    if all_stacks:
        from infra.cli.plan_all import run_all
        from infra.offline.engine import STACKS_DIR

        code = run_all(fmt, out_dir, stacks_dir or STACKS_DIR, err)
        skip_teardown()
        sys.exit(code)
    if watch:
        from infra.cli.watch import run_watch

        code = run_watch(stack, stacks_dir, project_dir, _watch_emitter(fmt, out))
        skip_teardown()
        sys.exit(code)
    from infra.cli.output import plan_and_emit
    from infra.plan.make import make_plan

    plan_and_emit(stack, out, lambda: make_plan(stack, stacks_dir, project_dir),
                  lambda outcome, out_file: _emit(outcome, fmt, out_file))


def _check_plan_args(stack: str | None, all_stacks: bool, out_dir: Path | None, fmt: str, out: Path | None,
                     project_dir: Path | None) -> None:
    """Usage errors (exit 2) for options that only make sense with, or without, --all."""
    if all_stacks:
        clash = [name for name, given in (("STACK", stack), ("--out (use --out-dir)", out),
                                          ("--project (--all plans infra/bootstrap too)", project_dir)) if given]
        if clash:
            raise click.UsageError(f"--all plans every stack; it cannot take {', '.join(clash)}")
        if fmt == "terraform-plan":
            raise click.UsageError("--all writes json, markdown or table; plan one STACK for terraform-plan")
    elif stack is None:
        raise click.UsageError("give a STACK to plan, or --all for every stack")
    elif out_dir is not None:
        raise click.UsageError("--out-dir goes with --all; for one stack use --out FILE")


def _watch_emitter(fmt: str, out: Path | None):
    """How a watch writes each plan: --out every time; standard output only the first time (then the
    watch prints what changed). The outcome handed back keeps the plan document, which the watch compares."""
    from infra.cli.output import OutFile

    if out is not None:
        OutFile(out).discard()  # a path that cannot be written fails now, before the first plan

    def emit(outcome, first: bool):
        if out is None and not first:
            return outcome
        out_file = OutFile(out) if out is not None else None
        try:
            written = _emit(outcome, fmt, out_file)
        finally:
            if out_file is not None:
                out_file.discard()
        return type(outcome)(written.exit_code, document=outcome.document, error=written.error)

    return emit


def _as_terraform_plan(outcome):
    """The outcome with its document converted; exit 2 naming the types that have no Terraform type."""
    from infra.offline.terraform_plan import terraform_plan
    from infra.offline.terraform_types import UnmappedTypeError
    from infra.plan.make import EXIT_CONFIG, PlanOutcome

    try:
        return PlanOutcome(outcome.exit_code, document=terraform_plan(outcome.document), error=outcome.error)
    except UnmappedTypeError as exc:
        return PlanOutcome(EXIT_CONFIG, error=f"cannot write a Terraform plan: {exc}")


def _emit(outcome, fmt: str, out_file: OutFile | None):
    """The plan in `fmt` to standard output or `out_file`; returns the outcome (terraform-plan converts it)."""
    from infra.cli.output import emit_text
    from infra.cli.views.plan import markdown_view, table_view

    if outcome.document is not None and fmt == "terraform-plan":
        outcome = _as_terraform_plan(outcome)
    document = outcome.document
    if document is None:
        return outcome
    if fmt in ("json", "terraform-plan"):
        emit_text(json.dumps(document, indent=2, sort_keys=False) + "\n", None, out_file, "Plan")
    elif fmt == "markdown":
        emit_text(markdown_view(document), None, out_file, "Plan")
    else:
        emit_text(None, table_view(document), out_file, "Plan")
    return outcome


# Registered here so each command group lives in its own module.
from infra.cli.cost import cost  # noqa: E402
from infra.cli.diff import diff  # noqa: E402
from infra.cli.names import names  # noqa: E402
from infra.cli.sandbox import sandbox  # noqa: E402

main.add_command(cost)
main.add_command(diff)
main.add_command(names)
main.add_command(sandbox)


def run() -> None:
    """The console script: `main`, then the fast exit `infra.cli.process_exit` explains."""
    from infra.cli.process_exit import exit_on_signals, finish

    exit_on_signals()
    try:
        main()
    except SystemExit as exc:
        finish(exc)


if __name__ == "__main__":
    run()
