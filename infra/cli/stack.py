"""`mlinfra stack new NAME --from STACK`: a new stack file and everything it needs beside it."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click

from infra.cli.path_param import SafePath

BOOTSTRAP_FILE = Path("infra") / "bootstrap" / "stacks" / "Pulumi.bootstrap.yaml"
# The Checkov checks accepted per stack (tests/policies/test_checkov.py): a copy is accepted like its source.
ACCEPTED_FILE = Path("policies") / "checkov-accepted.yaml"
SCHEMA_LINE = "# yaml-language-server: $schema=../schema/stack.schema.json"
EXIT_BAD_INPUT = 2
# The bootstrap and accepted-findings files are a few KB; a FIFO would hang the read and /dev/zero never ends.
MAX_INPUT_BYTES = 4 * 1024 * 1024


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def _source_file(source: str, stacks_dir: Path) -> tuple[Path, str]:
    """A stack name in --stacks-dir, or the path of a stack file (examples/gke-inference.yaml)."""
    if source.endswith((".yaml", ".yml")) or "/" in source:
        path = Path(source)
        return path, path.stem.removeprefix("Pulumi.")
    return stacks_dir / f"Pulumi.{source}.yaml", source


def _read_text(path: Path, option: str) -> str:
    """The text of a file the command reads and rewrites: a regular UTF-8 file of bounded size, else exit 2."""
    from infra.config.input_files import InputFileError, read_regular_file

    try:
        data = read_regular_file(path, MAX_INPUT_BYTES, "file")
    except InputFileError as exc:
        _fail(f"{option}: {exc}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _fail(f"{option}: {path}: byte {exc.start} is not UTF-8; save the file as UTF-8")
    raise AssertionError("unreachable")  # _fail exits


def _create_whole(target: Path, text: str) -> None:
    """Create `target` holding `text`, whole or not at all, and never over a file that appeared meanwhile.

    The text goes to a temporary file beside it first (a full disk fails there), which is then hard-linked
    to the target: a link is refused when the name exists, as open(..., "x") is, and is never half a file.
    """
    from infra.cli.stdout import describe

    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        _fail(f"cannot write {target}: {describe(exc)}")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.link(temporary, target)
    except FileExistsError:
        _fail(f"stack '{target.stem.removeprefix('Pulumi.')}' is taken: {target} exists")
    except OSError as exc:
        _fail(f"cannot write {target}: {describe(exc)}")
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def render(name: str, config: dict, command: str, notes: list[str]) -> str:
    """The stack file: the schema line, where it came from, what to replace before `pulumi up`, the config."""
    import yaml  # here, not at the top: `mlinfra --help` loads no YAML library (tests/infra/cli/test_startup.py)

    lines = [SCHEMA_LINE, f"# {name}: made by `{command}` on {datetime.now(UTC):%Y-%m-%d}."]
    if notes:
        lines.append("# Before `pulumi up`, replace what was copied (the offline plan works as it is):")
        lines += [f"#   - {note}" for note in notes]
    body = yaml.safe_dump({"config": config}, sort_keys=False, default_flow_style=False, width=110, allow_unicode=True)
    return "\n".join(lines) + "\n" + body


def _check_config(name: str, text: str) -> None:
    """Read the new file exactly as `mlinfra plan` would; exit 2 naming every problem, nothing written."""
    from infra.config.load import ConfigError, config_from_stack_file, stack_file_problems
    from infra.offline.stackfile import SECRET_PLACEHOLDER, StackFileError, load_stack_file

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / f"Pulumi.{name}.yaml").write_text(text)
        try:
            stack_file = load_stack_file(Path(folder), name)
            problems = stack_file_problems(stack_file, SECRET_PLACEHOLDER)
            if not problems:
                config_from_stack_file(stack_file)
        except (ConfigError, StackFileError) as exc:
            _fail(f"the new stack would not plan, so nothing was written:\n{exc}")
        if problems:
            _fail("the new stack would not plan, so nothing was written:\n"
                  + "\n".join(f"  - {path}: {message}" for path, message in problems))


@click.group()
def stack() -> None:
    """Stacks: make a new one from another, with everything it needs beside it."""


@stack.command("new")
@click.argument("name")
@click.option("--from", "source", required=True, metavar="STACK",
              help="The stack to start from (dev, staging, prod) or a stack file (examples/gke-inference.yaml).")
@click.option("--cloud", type=click.Choice(["aws", "gcp"]), default=None,
              help="Keep only the clusters and buckets on this cloud.")
@click.option("--environment", type=click.Choice(["dev", "staging", "prod"]), default=None,
              help="The new stack's environment (default: the source's).")
@click.option("--gcp-project", default=None, help="This stack's Google Cloud project, in place of the source's.")
@click.option("--aws-account-id", default=None, help="Your AWS account id, in place of the source's in every ARN.")
@click.option("--stacks-dir", type=SafePath(file_okay=False, exists=True, path_type=Path), default=Path("stacks"),
              show_default=True, help="Where stack files live.")
@click.option("--bootstrap-file", type=SafePath(dir_okay=False, exists=True, path_type=Path),
              default=BOOTSTRAP_FILE, show_default=True, help="The bootstrap stack file to add the stack to.")
@click.option("--accepted-file", type=SafePath(dir_okay=False, path_type=Path), default=ACCEPTED_FILE,
              show_default=True, help="The Checkov accepted-findings file; the new stack is accepted like its source.")
def new(name: str, source: str, cloud: str | None, environment: str | None, gcp_project: str | None,
        aws_account_id: str | None, stacks_dir: Path, bootstrap_file: Path, accepted_file: Path) -> None:
    """Write stacks/Pulumi.NAME.yaml from another stack, and its bootstrap entries.

    Refuses a taken name. Example values copied from the source (account ids, projects, repositories,
    secrets encrypted for another stack) are listed at the top of the new file and here. The workflows
    need no edit: they list stacks from the stack files. Exit codes: 0 written; 2 nothing written (a
    taken or bad name, an unreadable source, or a stack that would not plan: every problem is named).
    """
    from infra.offline.stackfile import StackFileError, available_stacks, config_section
    from infra.offline.strict_yaml import StrictYamlError, parse_yaml, read_yaml
    from infra.plan.scaffold import ScaffoldError, new_stack

    source_path, source_name = _source_file(source, stacks_dir)
    if not source_path.is_file():
        _fail(f"--from {source}: no {source_path}. Stacks that exist: {', '.join(available_stacks(stacks_dir))}")
    bootstrap_text = _read_text(bootstrap_file, "--bootstrap-file")
    # A missing accepted-findings file is no finding accepted; one that exists must be a readable file.
    accepted_text = _read_text(accepted_file, "--accepted-file") if os.path.lexists(accepted_file) else None
    try:
        source_config = config_section(read_yaml(source_path), source_path)
        bootstrap = config_section(parse_yaml(bootstrap_text.encode("utf-8"), str(bootstrap_file)), bootstrap_file)
    except (StrictYamlError, StackFileError) as exc:
        _fail(str(exc))
    try:
        made = new_stack(name, source_config, source_name, available_stacks(stacks_dir), bootstrap, bootstrap_text,
                         cloud=cloud, environment=environment, gcp_project=gcp_project, aws_account_id=aws_account_id,
                         accepted_text=accepted_text)
    except ScaffoldError as exc:
        _fail(str(exc))
    command = " ".join(["mlinfra stack new", name, "--from", source] + [
        f"{flag} {value}" for flag, value in (("--cloud", cloud), ("--environment", environment),
                                              ("--gcp-project", gcp_project), ("--aws-account-id", aws_account_id))
        if value])
    text = render(name, made.config, command, made.notes)
    _check_config(name, text)
    target = stacks_dir / f"Pulumi.{name}.yaml"
    changed_bootstrap = made.bootstrap_text != bootstrap_text
    changed_accepted = made.accepted_text is not None and made.accepted_text != accepted_text
    _write_all(target, text, [(bootstrap_file, bootstrap_text, made.bootstrap_text) if changed_bootstrap else None,
                              (accepted_file, accepted_text, made.accepted_text) if changed_accepted else None])
    _report(name, target, bootstrap_file if changed_bootstrap else None, made)
    if changed_accepted:
        click.echo(f"updated {accepted_file} (Checkov findings accepted on {source_name} are accepted on {name})",
                   err=True)


def _write_all(target: Path, text: str, updates: list[tuple[Path, str | None, str] | None]) -> None:
    """The new stack file, then each updated file through the one writer; on a failure, what was written is
    taken back (the new file removed, updated files restored), so nothing is left half-made (exit 2)."""
    from infra.cli.files import OutputError, write_file

    _create_whole(target, text)
    done: list[tuple[Path, str | None]] = []
    try:
        for path, old, new in (u for u in updates if u is not None):
            write_file(path, new)
            done.append((path, old))
    except OutputError:
        for path, old in reversed(done):
            with contextlib.suppress(OutputError, OSError):
                if old is None:
                    path.unlink()  # it did not exist before
                else:
                    write_file(path, old)
        with contextlib.suppress(OSError):
            target.unlink()
        raise


def _report(name: str, target: Path, bootstrap_file: Path | None, made) -> None:
    say = lambda line="": click.echo(line, err=True)  # noqa: E731
    say(f"wrote {target}")
    if bootstrap_file:
        say(f"updated {bootstrap_file} (the stack's bootstrap entries)")
    say("the workflows list stacks from the stack files: deploy, preview and drift pick it up by its environment")
    if made.runner_groups:
        say("runner groups to create once on GitHub (docs: operations/ci-cd.md, one-time GitHub setup):")
        for group in made.runner_groups:
            say(f"  gh api --method POST orgs/$ORG/actions/runner-groups -f name={group} -f visibility=selected "
                "-F \"selected_repository_ids[]=$REPO_ID\" -F allows_public_repositories=false")
    if made.notes:
        say(f"copied from the source, to replace before `pulumi up` (also at the top of {target}):")
        for note in made.notes:
            say(f"  - {note}")
    say(f"next: uv run mlinfra plan {name}")
