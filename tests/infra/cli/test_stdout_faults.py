"""Standard output that is closed, full, gone or ASCII-only: a documented exit code and one line, never 70.

Run as subprocesses (the stream is installed by the console script, not under CliRunner), mostly on `diff`
of two recorded plans, which prints a long table without planning anything.
"""

import json
import os
import subprocess
import sys

import pytest

from infra.cli.output import EXIT_STDOUT_CLOSED
from infra.cli.stdout import EXIT_STDOUT_FAILED
from infra.offline.document import build_document
from tests.helpers import ROOT, stack_run


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """A dev plan and the same plan with no resources: their diff lists every resource as removed."""
    root = tmp_path_factory.mktemp("docs")
    document = build_document(stack_run("dev"))
    empty = {**document, "resources": []}
    base, head = root / "base.json", root / "head.json"
    base.write_text(json.dumps(document))
    head.write_text(json.dumps(empty))
    return str(base), str(head)


def command(*args):
    return [sys.executable, "-m", "infra.cli", *args]


def test_a_reader_that_stops_after_one_byte_ends_the_command_with_141(documents):
    # `mlinfra diff ... | head -c1`: before the one-page pipe the whole table fitted in the pipe and this exited 0.
    process = subprocess.Popen(command("diff", *documents), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert len(process.stdout.read(1)) == 1
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == EXIT_STDOUT_CLOSED
    assert stderr == ""


def test_plan_piped_into_head_c1_exits_141_as_documented():
    result = subprocess.run(["bash", "-c", f"{sys.executable} -m infra.cli plan dev | head -c1 >/dev/null; "
                             "echo ${PIPESTATUS[0]}"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == str(EXIT_STDOUT_CLOSED)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_a_closed_standard_output_is_exit_74_with_one_line(documents):
    script = f"exec {sys.executable} -m infra.cli diff {documents[0]} {documents[1]} >&-"
    result = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == EXIT_STDOUT_FAILED
    assert result.stderr == "cannot write standard output: it is closed (was it run with >&-?)\n"


def test_a_full_standard_output_is_exit_74_with_one_line_not_a_silent_0(documents):
    with open("/dev/full", "w") as full:  # writes fail with ENOSPC, like a full disk behind `> plan.json`
        result = subprocess.run(command("diff", *documents, "--format", "json"), cwd=ROOT, stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == EXIT_STDOUT_FAILED
    assert result.stderr == "cannot write standard output: no space left on device\n"


def test_an_ascii_terminal_gets_an_ascii_table(documents):
    env = {**os.environ, "LC_ALL": "C", "PYTHONIOENCODING": "ascii"}
    result = subprocess.run(command("diff", *documents), cwd=ROOT, capture_output=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.isascii() and len(result.stdout) > 1000
    assert b"+--" in result.stdout or b"|" in result.stdout  # rich's ASCII box
    assert b"internal error" not in result.stderr
