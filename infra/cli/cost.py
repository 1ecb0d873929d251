"""`mlinfra cost STACK`: what a stack costs idle and at peak, from its offline plan."""

from __future__ import annotations

import json
import sys

import click

FORMATS = ("table", "json", "markdown")


@click.command()
@click.argument("stack")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for a terminal, json for tools (the plan document's cost field), markdown for PRs.")
@click.option("--stacks-dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Folder with Pulumi.<stack>.yaml files (default: ./stacks).")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the estimate to this file instead of standard output (a table at 160 columns).")
def cost(stack: str, fmt: str, stacks_dir: str | None, out: str | None) -> None:
    """Estimate STACK's hourly and monthly cost at idle (min sizes) and peak (max sizes).

    Exit codes: 0 estimate made, 1 peak cost over the stack's budget, 2 bad config or unknown stack.
    """
    import io
    from pathlib import Path

    from rich.console import Console

    from infra.cli.process_exit import skip_teardown, tune_gc_for_planning
    from infra.cli.views.cost import cost_markdown, cost_table
    from infra.plan.make import make_plan

    tune_gc_for_planning()

    err = Console(stderr=True)
    with err.status(f"Planning stack '{stack}'…", spinner="dots"):
        outcome = make_plan(stack, Path(stacks_dir) if stacks_dir else None)
    skip_teardown()
    if outcome.document is not None:
        estimate = outcome.document["cost"]
        if fmt == "json":
            text = json.dumps(estimate, indent=2) + "\n"
        elif fmt == "markdown":
            text = cost_markdown(estimate)
        elif out is None:
            Console().print(cost_table(estimate))
        else:
            # Written to a file: rendered off-screen at the width `plan --out` uses.
            console = Console(record=True, width=160, file=io.StringIO())
            console.print(cost_table(estimate))
            text = console.export_text()
        if out is not None:
            Path(out).write_text(text)
            err.print(f"Cost estimate written to {out}", highlight=False)
        elif fmt != "table":
            click.echo(text, nl=False)
    if outcome.error is not None:
        err.print(outcome.error, style="red", highlight=False, markup=False, soft_wrap=True)
    sys.exit(outcome.exit_code)
