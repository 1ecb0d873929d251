"""`mlinfra stack new` under the faults of issue #30: the files it reads and the three files it writes.

It used to read --bootstrap-file and --accepted-file with read_text (a FIFO or /dev/zero hung it, a non-UTF-8
file was exit 70) and to write the stack file and both others with plain writes (a full disk left half a
file; a failure after the first write left a stack file without its bootstrap entries). Now: exit 2 naming
the file, and nothing changed on disk.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from infra.cli.main import main
from tests.infra.cli.test_stack_new import new, repo  # noqa: F401 - the fixture

BOOT, ACCEPTED = Path("bootstrap") / "Pulumi.bootstrap.yaml", Path("checkov-accepted.yaml")


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run(root: Path, boot: str, accepted: str):
    return CliRunner().invoke(main, ["stack", "new", "research", "--from", "dev", "--stacks-dir", str(root / "stacks"),
                                     "--bootstrap-file", boot, "--accepted-file", accepted])


@pytest.mark.parametrize("which", ["bootstrap", "accepted"])
def test_a_fifo_is_refused_at_once(repo, which):  # noqa: F811 - pytest fixture
    fifo = repo / "fifo"
    os.mkfifo(fifo)
    before = snapshot(repo)
    boot, accepted = str(repo / BOOT), str(repo / ACCEPTED)
    result = run(repo, str(fifo), accepted) if which == "bootstrap" else run(repo, boot, str(fifo))
    assert result.exit_code == 2
    option = "--bootstrap-file" if which == "bootstrap" else "--accepted-file"
    assert result.output == f"error: {option}: cannot read {fifo}: it is a FIFO; give a file (a regular file)\n"
    assert snapshot(repo) == before


def test_an_endless_device_is_refused(repo):  # noqa: F811
    result = run(repo, "/dev/zero", str(repo / ACCEPTED))
    assert result.exit_code == 2
    assert result.output == ("error: --bootstrap-file: cannot read /dev/zero: it is a character device; give a file "
                             "(a regular file)\n")


@pytest.mark.parametrize("which", ["bootstrap", "accepted"])
def test_a_file_that_is_not_utf8_is_exit_2(repo, which):  # noqa: F811
    target = repo / (BOOT if which == "bootstrap" else ACCEPTED)
    target.write_bytes(b"config:\n  \xff: 1\n")
    before = snapshot(repo)
    result = run(repo, str(repo / BOOT), str(repo / ACCEPTED))
    option = "--bootstrap-file" if which == "bootstrap" else "--accepted-file"
    assert result.exit_code == 2
    assert result.output == f"error: {option}: {target}: byte 10 is not UTF-8; save the file as UTF-8\n"
    assert snapshot(repo) == before


def test_a_failed_write_after_the_stack_file_takes_everything_back(repo, monkeypatch):  # noqa: F811
    before = snapshot(repo)
    real = tempfile.mkstemp

    def accepted_unwritable(*args, **kwargs):
        if kwargs.get("prefix", "").startswith(f".{ACCEPTED.name}."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", accepted_unwritable)
    result = new(repo, "research", "--from", "dev")
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[-1] == f"cannot write {repo / ACCEPTED}: no space left on device"
    # The stack file and the bootstrap entries had been written: both are taken back, no temporary file is left.
    assert snapshot(repo) == before


def test_a_stack_file_that_cannot_be_created_leaves_nothing(repo, monkeypatch):  # noqa: F811
    before = snapshot(repo)
    real = tempfile.mkstemp

    def stacks_read_only(*args, **kwargs):
        if kwargs.get("prefix", "").startswith(".Pulumi.research.yaml."):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", stacks_read_only)
    result = new(repo, "research", "--from", "dev")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (f"error: cannot write {repo / 'stacks' / 'Pulumi.research.yaml'}: "
                                              "read-only file system")
    assert snapshot(repo) == before


def test_a_written_stack_file_is_whole_and_readable_by_others(repo):  # noqa: F811
    result = new(repo, "research", "--from", "dev")
    assert result.exit_code == 0, result.output
    made = repo / "stacks" / "Pulumi.research.yaml"
    assert made.read_text().startswith("# yaml-language-server: $schema=../schema/stack.schema.json\n")
    assert made.stat().st_mode & 0o777 == 0o666 & ~_umask()
    assert not [p for p in (repo / "stacks").iterdir() if p.name.startswith(".")]


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@pytest.mark.parametrize("text", ["(", "- a list\n", "config: [1]\n", "config: text\n"])
def test_a_bootstrap_file_of_another_shape_is_exit_2(repo, text):  # noqa: F811
    # Found by the property test: "(" parses as a string, and `.get("config")` on it was exit 70.
    (repo / BOOT).write_text(text)
    before = snapshot(repo)
    result = run(repo, str(repo / BOOT), str(repo / ACCEPTED))
    assert result.exit_code == 2
    assert result.output == f"error: {repo / BOOT}: expected a mapping with a 'config' mapping inside\n"
    assert snapshot(repo) == before
