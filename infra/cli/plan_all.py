"""`mlinfra plan --all`: print or write every stack's plan, the index, and what failed where."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from infra.cli.files import prepare_dir, write_file
from infra.cli.output import StdoutConsole, quiet_when_stdout_closes
from infra.cli.views.plan import markdown_view, table_view
from infra.plan.make_all import AllPlans, StackPlan, plan_all

EXTENSIONS = {"json": "json", "markdown": "md", "table": "txt"}
INDEX = "index.json"
# Table files are rendered off-screen at the width `plan STACK --out FILE` uses.
FILE_WIDTH = 160


def run_all(fmt: str, out_dir: Path | None, stacks_dir: Path, err: Console) -> int:
    """Plan everything with a progress display on stderr, emit the result; returns the exit code."""
    from infra.cli.progress import progress

    if out_dir is not None:
        prepare_dir(out_dir)  # a folder that cannot be written fails now, not after every stack is planned
    with progress(err, "Planning every stack…") as update:
        planned = [0]

        def on_stack(project: str, stack: str) -> None:
            planned[0] += 1
            what = stack if not project else f"planning {project} stack '{stack}'"  # "": a later phase
            update(f"plan --all: {what} ({planned[0]})…")

        result = plan_all(stacks_dir, on_stack=on_stack)
    if out_dir is not None:
        write_dir(result, fmt, out_dir)
        err.print(f"{len(result.stacks)} plans and {INDEX} written to {out_dir}", highlight=False)
    else:
        with quiet_when_stdout_closes():
            if fmt == "table":
                print_tables(result, StdoutConsole())
            else:
                click.echo(render(result, fmt), nl=False)
    report_failures(result, err)
    return result.exit_code


def file_name(plan: StackPlan, fmt: str) -> str:
    """`<project>.<stack>.<ext>`, e.g. mlinfra.prod.json or mlinfra-bootstrap.bootstrap.md."""
    return f"{plan.project}.{plan.stack}.{EXTENSIONS[fmt]}"


def index(result: AllPlans, fmt: str) -> dict[str, Any]:
    """What index.json holds: every stack with its file (null when it has no plan) and exit code."""
    return {
        "planVersion": 1,
        "stacks": [{"project": s.project, "stack": s.stack,
                    "file": file_name(s, fmt) if s.outcome.document is not None else None,
                    "exitCode": s.outcome.exit_code, "error": s.outcome.error} for s in result.stacks],
        # Cross-stack checks are not plans: kept apart so a reader of `stacks` meets only plan documents.
        "checks": [{"name": c.name, "file": f"check.{c.name}.json", "exitCode": c.exit_code, "error": c.error}
                   for c in result.checks],
    }


def write_dir(result: AllPlans, fmt: str, out_dir: Path) -> None:
    """One file per planned stack, one per check, and index.json, in `out_dir` (created if missing).

    Each file is written whole (infra/cli/files.py); index.json last, so a reader never finds an index
    naming a file that is not there yet.
    """
    prepare_dir(out_dir)
    for plan in result.stacks:
        if plan.outcome.document is not None:
            write_file(out_dir / file_name(plan, fmt), _text(plan.outcome.document, fmt, FILE_WIDTH))
    for check in result.checks:
        write_file(out_dir / f"check.{check.name}.json", json.dumps(check.report, indent=2) + "\n")
    write_file(out_dir / INDEX, json.dumps(index(result, fmt), indent=2) + "\n")


def render(result: AllPlans, fmt: str, width: int | None = None) -> str:
    """Everything on standard output: one JSON object, or each stack in turn under a heading."""
    documents = [s.outcome.document for s in result.stacks if s.outcome.document is not None]
    if fmt == "json":
        return json.dumps({"stacks": documents, "checks": index(result, fmt)["checks"]}, indent=2) + "\n"
    parts = []
    for plan in result.stacks:
        if plan.outcome.document is None:
            note = f"not planned (exit {plan.outcome.exit_code}): see the error below"
            parts.append(f"## {plan.project} · {plan.stack}\n\n{note}\n" if fmt == "markdown"
                         else f"── {plan.project} · {plan.stack} ──\n{note}\n")
        elif fmt == "markdown":
            parts.append(_text(plan.outcome.document, fmt, width))
        else:
            parts.append(f"── {plan.project} · {plan.stack} ──\n" + _text(plan.outcome.document, fmt, width))
    return "\n".join(parts)


def print_tables(result: AllPlans, console: Console) -> None:
    """Each stack's table under a rule naming it, at the terminal's width and in its colours."""
    for plan in result.stacks:
        console.rule(f"{plan.project} · {plan.stack}", style="bold")
        if plan.outcome.document is None:
            console.print(f"not planned (exit {plan.outcome.exit_code}): see the error below", highlight=False)
        else:
            console.print(table_view(plan.outcome.document))


def _text(document: dict[str, Any], fmt: str, width: int | None) -> str:
    if fmt == "json":
        return json.dumps(document, indent=2, sort_keys=False) + "\n"
    if fmt == "markdown":
        return markdown_view(document)
    console = Console(record=True, width=width, file=io.StringIO())
    console.print(table_view(document))
    return console.export_text()


def report_failures(result: AllPlans, err: Console) -> None:
    """Name each failing stack and check with its message on stderr, then the overall exit code."""
    failed = [(f"{s.project} stack '{s.stack}'", s.outcome.exit_code, s.outcome.error)
              for s in result.stacks if s.outcome.exit_code != 0]
    failed += [(f"cross-stack check '{c.name}'", c.exit_code, c.error) for c in result.checks
               if c.exit_code != 0 or c.error]
    for what, code, message in failed:
        err.print(f"{what}: exit {code}: {message}", style="red" if code else None,
                  highlight=False, markup=False, soft_wrap=True)
    if result.exit_code:
        err.print(f"plan --all: exit {result.exit_code} (the worst of {len(result.stacks)} stacks and "
                  f"{len(result.checks)} check(s); order 2 > 3 > 1 > 0)", highlight=False, markup=False)
