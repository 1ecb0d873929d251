"""`--out` is checked before planning and written whole; a closed standard output ends quietly with 141."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

import infra.plan.make as make
from infra.cli.main import main
from infra.cli.output import EXIT_STDOUT_CLOSED, OutFile
from infra.plan.make import EXIT_CONFIG, PlanOutcome
from tests.helpers import ROOT


@pytest.fixture
def no_planning(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("planned although --out cannot be written")

    monkeypatch.setattr(make, "make_plan", refuse)


def last_line(result):
    return result.output.strip().splitlines()[-1]


def test_out_in_a_missing_folder_is_exit_2_before_planning(tmp_path, no_planning):
    target = tmp_path / "missing" / "plan.json"
    result = CliRunner().invoke(main, ["plan", "dev", "--out", str(target)])
    assert result.exit_code == 2
    # One line (issue 30): the path and the cause, no usage block.
    assert result.output == f"cannot write {target}: the folder {target.parent} does not exist\n"


def test_out_where_no_file_can_be_created_is_exit_2_before_planning(no_planning):
    # /sys refuses new files even to root (mode-000 folders do not stop root).
    result = CliRunner().invoke(main, ["plan", "dev", "--out", "/sys/plan.json"])
    assert result.exit_code == 2
    assert result.output.startswith("cannot write /sys/plan.json: ") and result.output.count("\n") == 1


def test_a_failed_plan_leaves_the_out_file_untouched_and_no_temporary_behind(tmp_path, monkeypatch):
    target = tmp_path / "plan.json"
    target.write_text("the previous plan\n")
    monkeypatch.setattr(make, "make_plan", lambda *a, **k: PlanOutcome(EXIT_CONFIG, error="bad config"))
    result = CliRunner().invoke(main, ["plan", "dev", "--out", str(target)])
    assert result.exit_code == EXIT_CONFIG
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]
    assert target.read_text() == "the previous plan\n"


def test_out_file_is_replaced_in_one_rename_keeping_its_mode(tmp_path):
    target = tmp_path / "plan.json"
    target.write_text("old")
    target.chmod(0o640)
    out = OutFile(target)
    assert out.temporary.parent == tmp_path and out.temporary.name.startswith(".plan.json.")
    assert target.read_text() == "old"  # nothing is written until the plan is complete
    out.write("new")
    out.discard()  # after a write there is nothing left to discard
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]
    assert (target.read_text(), target.stat().st_mode & 0o777) == ("new", 0o640)


def test_a_closed_stdout_ends_the_plan_quietly_with_141():
    process = subprocess.Popen([sys.executable, "-m", "infra.cli", "plan", "dev", "--format", "json"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()  # the reader is gone before the plan is written, as with `| head -0`
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == EXIT_STDOUT_CLOSED
    assert "Traceback" not in stderr and "Error" not in stderr
