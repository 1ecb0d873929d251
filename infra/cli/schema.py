"""`mlinfra schema`: the JSON Schema of stack files and the stack-file reference page, from the config models."""

from __future__ import annotations

import sys
from pathlib import Path

import click

REFERENCE_PAGE = Path("docs") / "reference" / "stack-file.md"
# Stack files whose values the reference page shows as examples: the committed stacks, then examples/,
# then schema/reference-examples.yaml for the keys none of them sets.
EXAMPLE_GLOBS = (("stacks", "Pulumi.*.yaml"), ("examples", "*.yaml"), ("schema", "reference-examples.yaml"))


def example_documents(root: Path) -> list[dict]:
    """The `mlinfra:` keys of every committed stack file and example, as {key: value} without the prefix."""
    from infra.offline.strict_yaml import read_yaml

    documents = []
    for folder, pattern in EXAMPLE_GLOBS:
        for path in sorted((root / folder).glob(pattern)):
            if path.name.startswith("Pulumi.sandbox-"):  # a live sandbox's file, not part of the repository
                continue
            config = (read_yaml(path) or {}).get("config") or {}
            documents.append({k.split(":", 1)[1]: v for k, v in config.items() if k.startswith("mlinfra:")})
    return documents


def generated_files(root: Path) -> dict[Path, str]:
    """What `--write` writes: the schema and the reference page, each as its whole text."""
    from infra.cli.views.stack_reference import reference_markdown
    from infra.config.schema import SCHEMA_PATH, schema_text, stack_file_schema

    return {SCHEMA_PATH: schema_text(),
            REFERENCE_PAGE: reference_markdown(stack_file_schema(), example_documents(root))}


@click.command()
@click.option("--write", is_flag=True,
              help=f"Write schema/stack.schema.json and {REFERENCE_PAGE} instead of printing the schema.")
@click.option("--check", is_flag=True, help="Exit 1 naming each committed file that differs from the models.")
def schema(write: bool, check: bool) -> None:
    """Print the JSON Schema of stack files, generated from the config models.

    Editors read the committed copy (schema/stack.schema.json) through the YAML language server: each
    stack file's first line is `# yaml-language-server: $schema=../schema/stack.schema.json`.
    Exit codes: 0 done (or, with --check, everything up to date); 1 (--check) a file is out of date.
    """
    from infra.cli.files import prepare_dir, write_file
    from infra.config.schema import schema_text

    root = Path.cwd()
    if not write and not check:
        click.echo(schema_text(), nl=False)
        return
    stale = []
    for relative, text in generated_files(root).items():
        path = root / relative
        if path.is_file() and path.read_bytes() == text.encode("utf-8"):
            continue
        if write:
            # Through the one writer: whole or not at all, and a read-only checkout is exit 2 naming the file.
            prepare_dir(path.parent)
            write_file(path, text)
            click.echo(f"wrote {relative}", err=True)
        else:
            stale.append(str(relative))
    if stale:
        click.echo(f"out of date with the config models: {', '.join(stale)}; run `mlinfra schema --write`", err=True)
        sys.exit(1)
