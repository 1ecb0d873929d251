"""`mlinfra cost STACK`: what a stack costs idle and at peak, from its offline plan."""

from __future__ import annotations

import json

import click

from infra.cli.path_param import SafePath

FORMATS = ("table", "json", "markdown")


@click.command()
@click.argument("stack")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for a terminal, json for tools (the plan document's cost field), markdown for PRs.")
@click.option("--stacks-dir", type=SafePath(file_okay=False, exists=True), default=None,
              help="Folder with Pulumi.<stack>.yaml files (default: ./stacks).")
@click.option("--out", type=SafePath(dir_okay=False, writable=True), default=None,
              help="Write the estimate to this file instead of standard output (a table at 160 columns).")
def cost(stack: str, fmt: str, stacks_dir: str | None, out: str | None) -> None:
    """Estimate STACK's hourly and monthly cost at idle (min sizes) and peak (max sizes).

    Exit codes: 0 estimate made, 1 peak cost over the stack's budget, 2 bad config or unknown stack,
    141 standard output closed early (e.g. piped into `head`).
    """
    from pathlib import Path

    from infra.cli.output import plan_and_emit
    from infra.cli.process_exit import tune_gc_for_planning
    from infra.plan.make import make_plan

    tune_gc_for_planning()
    plan_and_emit(stack, Path(out) if out else None, lambda: make_plan(stack, Path(stacks_dir) if stacks_dir else None),
                  lambda outcome, out_file: _emit_cost(outcome, fmt, out_file))


def _emit_cost(outcome, fmt: str, out_file):
    """The estimate to standard output or, whole, to `out_file`; returns the outcome unchanged."""
    from infra.cli.output import emit_text
    from infra.cli.views.cost import cost_markdown, cost_table

    if outcome.document is not None:
        estimate = outcome.document["cost"]
        if fmt == "json":
            emit_text(json.dumps(estimate, indent=2) + "\n", None, out_file, "Cost estimate")
        elif fmt == "markdown":
            emit_text(cost_markdown(estimate), None, out_file, "Cost estimate")
        else:
            emit_text(None, cost_table(estimate), out_file, "Cost estimate")
    return outcome
