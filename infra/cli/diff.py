"""`mlinfra diff BASE HEAD`: what changes between two plans, per stack, resource by resource."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import click

from infra.cli.path_param import SafePath

FORMATS = ("table", "markdown", "json")


def _sides(values: list[tuple[str, str]], repo: Path) -> list:
    """Each side from a file or directory if one exists at its value, else from a git revision.

    Files and directories are read first: a revision is planned at the plan clock of the
    documents beside it (see plan_instant), so one instant holds for both sides.
    """
    from infra.plan.diff_inputs import read_path

    read = {argument: read_path(Path(value), argument) for value, argument in values if _names_a_path(value)}
    instant = None
    for value, argument in values:
        if argument in read:
            continue
        if instant is None:
            instant = plan_instant(list(read.values()))
        read[argument] = _planned(value, argument, repo, instant)
    return [read[argument] for _, argument in values]


def _names_a_path(value: str) -> bool:
    """Whether `value` is a file or folder (and not a revision); a name the OS cannot even look up (too long,
    a NUL byte) counts as a path, so reading it says why instead of git being asked for it."""
    if "\x00" in value:  # pathlib's exists() answers False for it (Python 3.8+), which sent it to git
        return True
    try:
        return Path(value).exists()
    except (OSError, ValueError):
        return True


def plan_instant(given: list) -> int:
    """One "now" for every revision a diff plans: MLINFRA_PLAN_TIME, else the plan clock of a given
    document (so a revision is planned at the instant the other side was), else the real time."""
    import time

    from infra.config.plan_clock import pinned_time

    pinned = pinned_time()
    if pinned is not None:
        return pinned
    for side in given:
        for document in side.documents.values():
            clock = document.get("planClock")
            if isinstance(clock, dict) and isinstance(clock.get("time"), int):
                return clock["time"]
    return int(time.time())


def _planned(value: str, argument: str, repo: Path, instant: int):
    from rich.console import Console

    from infra.cli.progress import progress
    from infra.plan.revision import plan_revision

    with progress(Console(stderr=True), f"Planning {argument} ({value}) in a temporary worktree…") as update:
        side = plan_revision(value, repo, argument, plan_time=instant)
        update(f"Planned {argument} ({value}): {len(side.documents)} stacks")
        return side


def _on_sigterm(signum, frame):  # pragma: no cover - exercised through a subprocess
    raise KeyboardInterrupt  # so the temporary worktree is removed as on Ctrl-C


@click.command()
@click.argument("base")
@click.argument("head")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for a terminal, markdown for pull requests, json for tools "
                   "(schema: infra/plan/diff.schema.json).")
@click.option("--max-chars", type=click.IntRange(min=1000), default=None,
              help="markdown only: stay under this many characters, dropping the details of the largest "
                   "stacks first (summary lines always stay) and saying what was left out.")
@click.option("--rest-at", default=None,
              help="markdown with --max-chars: where a reader finds what was left out "
                   "(e.g. 'the job summary').")
@click.option("--out", type=SafePath(dir_okay=False, writable=True, path_type=Path),
              help="Write the diff to this file instead of standard output.")
@click.option("--full-out", type=SafePath(dir_okay=False, writable=True, path_type=Path),
              help="markdown only: also write the whole diff, without the --max-chars limit, to this file "
                   "(one planning of BASE and HEAD for both, e.g. a PR comment and the job summary).")
@click.option("--repo", type=SafePath(file_okay=False, exists=True, path_type=Path), default=Path("."),
              show_default=True, help="The git checkout whose revisions BASE and HEAD name.")
def diff(base: str, head: str, fmt: str, max_chars: int | None, rest_at: str | None, out: Path | None,
         full_out: Path | None, repo: Path) -> None:
    """Compare two plans: BASE and HEAD are each a plan document, a plan directory, or a git revision.

    A plan directory is what `mlinfra plan --all --format json --out-dir DIR` writes. A git
    revision (a branch, tag or commit of the repository in the current folder) is checked out in a
    temporary worktree and planned offline by its own code; the worktree is removed afterwards.
    Revisions are planned at one instant (MLINFRA_PLAN_TIME, else the plan clock of the other
    side's documents, else now), so a sandbox template's expiry does not show as a change; when
    two documents were planned at different instants, expiries that only moved with the clock
    (same TTL) are folded into one line per stack.

    Exit codes: 0 diff made, whether or not anything changes (read the summary or the JSON
    `summary` counts to tell); 2 an argument cannot be read (the message names it and why).
    """
    from rich.console import Console

    err = Console(stderr=True)
    if (max_chars is not None or rest_at is not None or full_out is not None) and fmt != "markdown":
        err.print("--max-chars, --rest-at and --full-out apply to --format markdown only", style="red")
        sys.exit(2)
    from infra.cli.files import AtomicFile

    # Paths that cannot be written fail now, before any revision is planned.
    out_file = full_out_file = None
    try:
        out_file = AtomicFile(out) if out is not None else None
        full_out_file = AtomicFile(full_out) if full_out is not None else None
        _run(base, head, fmt, max_chars, rest_at, out_file, full_out_file, repo, err)
    finally:
        for file in (out_file, full_out_file):
            if file is not None:
                file.discard()
    sys.exit(0)


def _run(base, head, fmt, max_chars, rest_at, out_file, full_out_file, repo, err) -> None:  # noqa: ANN001
    from infra.plan.diff import diff_plans
    from infra.plan.diff_inputs import DiffInputError

    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        sides = _sides([(base, "BASE"), (head, "HEAD")], repo)
    except DiffInputError as exc:
        err.print(str(exc), style="red", highlight=False, markup=False, soft_wrap=True)
        sys.exit(2)
    finally:
        signal.signal(signal.SIGTERM, previous)
    old, new = sides
    if len(old.documents) == len(new.documents) == 1 and not old.errors and not new.errors:
        # Two single documents are compared with each other, whatever stacks they are of.
        [key] = new.documents
        old.documents = {key: next(iter(old.documents.values()))}
    else:
        _only_the_documents_stack(old, new, [Path(base).is_file(), Path(head).is_file()])
    errors = {**old.errors, **new.errors}
    result = diff_plans(old.documents, new.documents, old.label, new.label, errors)
    _emit(result, fmt, max_chars, rest_at, out_file)
    if full_out_file is not None:
        from infra.cli.views.diff_markdown import diff_markdown

        full_out_file.write(diff_markdown(result))


def _only_the_documents_stack(old, new, is_document: list[bool]) -> None:
    """`diff HEAD dev.json`: one side is a single plan document, so only its stack is compared.

    The other side (a revision or a plan folder) holds every stack; without this, each of them
    would show as removed (or added), with warnings about protected resources being deleted.
    """
    for single, other in ((old, new), (new, old)):
        if is_document[0 if single is old else 1] and len(single.documents) == 1:
            [key] = single.documents
            other.documents = {k: v for k, v in other.documents.items() if k == key}
            other.errors = {k: v for k, v in other.errors.items() if k == key}
            return


def _emit(result: dict, fmt: str, max_chars: int | None, rest_at: str | None, out) -> None:  # noqa: ANN001
    import io

    from rich.console import Console

    from infra.cli.output import StdoutConsole, quiet_when_stdout_closes

    if fmt == "json":
        text = json.dumps(result, indent=2) + "\n"
    elif fmt == "markdown":
        from infra.cli.views.diff_markdown import DEFAULT_REST_AT, diff_markdown

        text = diff_markdown(result, max_chars, rest_at or DEFAULT_REST_AT)
    else:
        from infra.cli.views.diff import diff_table

        if out is None:
            with quiet_when_stdout_closes():
                StdoutConsole().print(diff_table(result))
            return
        console = Console(record=True, width=100, file=io.StringIO())
        console.print(diff_table(result))
        text = console.export_text()
    if out is None:
        with quiet_when_stdout_closes():
            click.echo(text, nl=False)
    else:
        out.write(text)
        Console(stderr=True).print(f"Diff written to {out.path}", highlight=False, markup=False)
