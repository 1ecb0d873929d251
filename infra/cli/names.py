"""`mlinfra names check`: no two stacks (or sandboxes) claim one physical name in one scope."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from infra.cli.path_param import SafePath


@click.group()
def names() -> None:
    """Physical names across stacks: what each stack claims in the clouds."""


@names.command()
@click.option("--stacks-dir", type=SafePath(file_okay=False, exists=True, path_type=Path),
              default=None, help="Folder with Pulumi.<stack>.yaml files (default: ./stacks).")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="text for people, json for tools (every claim and finding).")
def check(stacks_dir: Path | None, fmt: str) -> None:
    """Plan every stack, four sample sandboxes and the bootstrap offline; fail on a shared name.

    Exit codes: 0 every name is unique in its scope; 1 two resources claim one name in one scope,
    or a resource sets a name-like input the table in infra/catalog/physical_names.py does not
    classify; 2 a stack's config or file is invalid; 141 standard output closed early.
    """
    from infra.cli.output import quiet_when_stdout_closes
    from infra.cli.process_exit import skip_teardown, tune_gc_for_planning

    tune_gc_for_planning()
    from infra.config.load import ConfigError
    from infra.offline.engine import STACKS_DIR, ProgramError
    from infra.offline.stackfile import StackFileError
    from infra.plan.name_plans import plan_documents, plan_inputs

    try:
        documents = plan_documents(plan_inputs(stacks_dir or STACKS_DIR))
    except StackFileError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except ProgramError as exc:
        if isinstance(exc.cause, ConfigError):
            click.echo(str(exc.cause), err=True)
            sys.exit(2)
        raise
    skip_teardown()
    with quiet_when_stdout_closes():
        _report(documents, fmt)


def _report(documents: list[dict], fmt: str) -> None:
    from infra.plan.names import check_documents, describe

    report = check_documents(documents)
    stacks = [d["stack"] for d in documents]
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(stacks), indent=2))
    else:
        click.echo(f"{len(report.claims)} physical names in {len(stacks)} plans ({', '.join(stacks)}); "
                   f"{len(report.unresolved)} known only after apply, not compared:")
        for item in report.unresolved:
            click.echo(f"  - stack '{item.stack}': {item.type} {item.urn.rsplit('::', 1)[-1]} {item.input}: {item.why}")
    problems = describe(report)
    for line in problems:
        click.echo(f"  - {line}", err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s): give each name the stack (see docs/concepts/physical-names.md).",
                   err=True)
        sys.exit(1)
    click.echo("No two stacks claim the same name in the same scope.")
