"""`mlinfra sandbox ...`: personal GPU stacks that expire by themselves and stay within budget.

Exit codes: 0 done, 1 refused (a rule was broken; nothing changed) or a reap failure,
2 a malformed option (`--ttl`, `--gpu`, ...), the Pulumi CLI is missing or the stacks folder cannot
be written (a read-only checkout), 3 Pulumi failed part-way
(the message says what is left); 70 an internal error; 130 Ctrl-C and 143 SIGTERM
(infra/cli/process_exit.py).
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console

EXIT_REFUSED, EXIT_NO_CLI, EXIT_PULUMI = 1, 2, 3


def make_backend() -> Any:
    """The real backend; tests replace this function with one returning an in-memory fake."""
    from infra.sandbox.backend import PulumiBackend

    return PulumiBackend()


@contextmanager
def _run(title: str) -> Iterator[Callable[[str], None]]:
    """A spinner while work runs, Pulumi's lines printed above it, and errors turned into exit codes."""
    from rich.console import Console

    from infra.sandbox.backend import PulumiUnavailable
    from infra.sandbox.lock import LockUnavailable
    from infra.sandbox.spec import SandboxFailed, SandboxRefused

    err = Console(stderr=True)

    def on_output(line: str) -> None:
        if line.strip():
            err.print(line.rstrip(), style="dim", markup=False, highlight=False)

    try:
        with err.status(title, spinner="dots"):
            yield on_output
    except SandboxRefused as exc:
        _fail(err, f"refused: {exc}", EXIT_REFUSED)
    except PulumiUnavailable as exc:
        _fail(err, str(exc), EXIT_NO_CLI)
    except SandboxFailed as exc:
        _fail(err, str(exc), EXIT_PULUMI)
    except LockUnavailable as exc:
        _fail(err, str(exc), EXIT_NO_CLI)


def _fail(err: Console, message: str, code: int) -> None:
    err.print(message, style="red", markup=False, highlight=False, soft_wrap=True)
    sys.exit(code)


def _sandboxes() -> Any:
    from infra.sandbox.lifecycle import Sandboxes

    return Sandboxes(make_backend())


def _checked(parse_name: str) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    """A click callback: the option's text must parse with `infra.sandbox.spec.<parse_name>`, else exit 2."""

    def check(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        from infra.sandbox import spec

        if value is not None:
            try:
                getattr(spec, parse_name)(value)
            except spec.SandboxRefused as exc:
                raise click.BadParameter(str(exc)) from None
        return value

    return check


@click.group()
def sandbox() -> None:
    """Create, list, extend, destroy and reap per-engineer sandbox stacks (needs the Pulumi CLI)."""


@sandbox.command()
@click.argument("owner")
@click.option("--name", default="box", show_default=True, help="Sandbox name; the stack is sandbox-OWNER-NAME.")
@click.option("--cloud", type=click.Choice(["aws", "gcp"]), default=None, help="Default: the template's.")
@click.option("--gpu", default=None, callback=_checked("parse_gpu"),
              help="ACCELERATOR[:COUNT], e.g. nvidia-l4 or nvidia-l4:4 (GPUs per node).")
@click.option("--ttl", default=None, callback=_checked("parse_ttl"),
              help="Lifetime, e.g. 90m, 8h, 1d (default and maximum from the template).")
@click.option("--dry-run", is_flag=True,
              help="Plan, price, policy-check and name-check the sandbox offline; create nothing (no Pulumi CLI).")
def create(owner: str, name: str, cloud: str | None, gpu: str | None, ttl: str | None, dry_run: bool) -> None:
    """Create a sandbox for OWNER, refusing before Pulumi runs if it would break its budget or TTL."""
    from infra.catalog.accelerators import Cloud

    if dry_run:
        _dry_run(owner, name, Cloud(cloud) if cloud else None, gpu, ttl)
        return
    with _run(f"Creating sandbox for {owner}…") as on_output:
        info = _sandboxes().create(owner, name, Cloud(cloud) if cloud else None, gpu, ttl,
                                   creator=_creator(), on_output=on_output)
    click.echo(f"created {info.stack}: {info.cloud}, peak {info.peak_per_hour} USD/h, "
               f"{info.resources} resources, expires {_when(info.expires)} (in {info.time_left})")


@sandbox.command(name="list")
def list_() -> None:
    """Every sandbox: owner, cloud, expiry, time left, peak cost per hour, resource count."""
    with _run("Listing sandboxes…"):
        rows = _sandboxes().list()
    from rich.table import Table

    table = Table(title="Sandboxes")
    for column in ("Stack", "Owner", "Cloud", "Expires (UTC)", "Time left", "Peak USD/h", "Resources"):
        table.add_column(column)
    for r in rows:
        table.add_row(r.stack, r.owner, r.cloud, _when(r.expires), r.time_left, r.peak_per_hour, r.resources)
    from rich.console import Console

    Console(width=160).print(table if rows else "no sandboxes")


@sandbox.command()
@click.argument("name")
@click.option("--ttl", required=True, callback=_checked("parse_ttl"),
              help="How much longer, e.g. 4h; never past the maximum TTL from now.")
def extend(name: str, ttl: str) -> None:
    """Push sandbox NAME's expiry out by --ttl."""
    with _run(f"Extending {name}…"):
        info = _sandboxes().extend(name, ttl)
    click.echo(f"{info.stack} now expires {_when(info.expires)} (in {info.time_left})")


@sandbox.command()
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Destroy without asking.")
@click.option("--force", is_flag=True, help="Destroy a sandbox that belongs to another engineer.")
def destroy(name: str, yes: bool, force: bool) -> None:
    """Destroy sandbox NAME's resources and remove its stack; asks first unless --yes.

    A sandbox whose owner (or creator) is not you (MLINFRA_USER, else your login name) is refused
    without --force.
    """
    from rich.console import Console

    from infra.sandbox.spec import TAG_CREATOR, TAG_OWNER, TAG_RESOURCES

    sandboxes = _sandboxes()
    with _run(f"Looking up {name}…"):
        tags = sandboxes.tags_of(name)
    owner, me = tags.get(TAG_OWNER, "?"), _caller()
    err = Console(stderr=True)
    if me not in (owner, tags.get(TAG_CREATOR)) and not force:
        _fail(err, f"refused: {name} belongs to {owner}, not {me}; pass --force to destroy it anyway "
                   "(nothing was destroyed)", EXIT_REFUSED)
    if not yes:
        question = (f"Destroy {name} (owner {owner}, {tags.get(TAG_RESOURCES, '?')} resources)? "
                    "Its resources and data are deleted")
        try:
            click.confirm(question, abort=True, err=True)
        except click.Abort:
            _fail(err, "refused: not confirmed; nothing was destroyed (--yes skips the question)", EXIT_REFUSED)
    with _run(f"Destroying {name}…") as on_output:
        sandboxes.destroy(name, on_output=on_output)
    click.echo(f"destroyed and removed {name}")


@sandbox.command()
@click.option("--dry-run", is_flag=True, help="Only say what would be destroyed.")
def reap(dry_run: bool) -> None:
    """Destroy and remove every expired sandbox; report each one; exit 1 if any failed."""
    with _run("Reaping expired sandboxes…") as on_output:
        outcomes = _sandboxes().reap(dry_run=dry_run, on_output=on_output)
    for outcome in outcomes:
        click.echo(f"{outcome.stack}: {outcome.action}: {outcome.detail}")
    if not outcomes:
        click.echo("no sandboxes")
    if any(o.action == "failed" for o in outcomes):
        sys.exit(EXIT_REFUSED)


def _dry_run(owner: str, name: str, cloud: Any, gpu: str | None, ttl: str | None) -> None:
    """`create --dry-run`: what create would make and whether it would refuse, all offline; exit 0, 1 or 2."""
    from datetime import UTC, datetime

    from rich.console import Console

    from infra.offline.engine import STACKS_DIR
    from infra.plan.sandbox_dry_run import dry_run
    from infra.sandbox.spec import SandboxRefused

    err = Console(stderr=True)
    try:
        with err.status(f"Planning sandbox for {owner} offline…", spinner="dots"):
            result = dry_run(owner, name, cloud, gpu, ttl, STACKS_DIR, datetime.now(UTC))
    except SandboxRefused as exc:
        _fail(err, f"refused: {exc}", EXIT_REFUSED)
    for line in result.lines:
        click.echo(line)
    if result.exit_code:
        sys.exit(result.exit_code)


def _caller() -> str:
    """Who is asking: MLINFRA_USER (CI, shared accounts), else the login name."""
    import os

    return os.environ.get("MLINFRA_USER") or _creator()


def _creator() -> str:
    """Who ran the command, for the stack's creator tag: the login name when it is a plain ASCII word."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # a container user with no passwd entry and no USER variable
        return "unknown"
    # USER is the caller's to set: a newline, a zero-width space or 10 KB of it must not reach a tag.
    return user if user and len(user) <= 64 and user.isascii() and user.isprintable() else "unknown"


def _when(moment: Any) -> str:
    from infra.sandbox.spec import iso

    return iso(moment) if moment else "unknown"
