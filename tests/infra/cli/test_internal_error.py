"""A crash in any command is exit 70 with one line asking for a report; the traceback only with MLINFRA_DEBUG=1."""

import pytest
from click.testing import CliRunner

import infra.plan.make as make
import infra.plan.name_plans as name_plans
from infra.cli import sandbox as cli_sandbox
from infra.cli.internal_error import EXIT_INTERNAL
from infra.cli.main import main
from tests.helpers import mlinfra

REPORT = ("mlinfra: internal error (RuntimeError: boom in the program). This is a bug in mlinfra, not in your input: "
          "please report it with the command you ran and its output with MLINFRA_DEBUG=1.")


def boom(*args, **kwargs):
    raise RuntimeError("boom\nin the program")


@pytest.fixture
def crashing(monkeypatch):
    monkeypatch.setattr(make, "make_plan", boom)
    monkeypatch.setattr(name_plans, "plan_inputs", boom)
    monkeypatch.setattr(cli_sandbox, "_sandboxes", boom)


@pytest.mark.parametrize("command", [["plan", "dev"], ["cost", "dev"], ["names", "check"], ["sandbox", "list"]])
def test_a_crash_is_exit_70_and_one_line_without_a_traceback(crashing, command):
    result = CliRunner().invoke(main, command, env={"MLINFRA_DEBUG": None})
    assert result.exit_code == EXIT_INTERNAL
    assert result.output.strip().splitlines()[-1] == REPORT
    assert "Traceback" not in result.output


def test_mlinfra_debug_adds_the_traceback(crashing):
    result = CliRunner().invoke(main, ["plan", "dev"], env={"MLINFRA_DEBUG": "1"})
    assert result.exit_code == EXIT_INTERNAL
    assert "Traceback (most recent call last)" in result.output and 'raise RuntimeError("boom' in result.output
    assert result.output.strip().splitlines()[-1] == REPORT


def test_usage_errors_keep_clicks_exit_2():
    result = CliRunner().invoke(main, ["plan", "dev", "--format", "yaml"])
    assert result.exit_code == 2 and "Invalid value for '--format'" in result.output


def test_a_program_that_raises_is_exit_70_through_the_real_command(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: crashy\nruntime: python\n")
    (tmp_path / "__main__.py").write_text('raise RuntimeError("the program broke")\n')
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    result = mlinfra("plan", "dev", "--project", str(tmp_path))
    assert result.returncode == EXIT_INTERNAL
    assert result.stderr.strip().splitlines()[-1] == (
        "mlinfra: internal error (ProgramError: the program broke). This is a bug in mlinfra, not in your input: "
        "please report it with the command you ran and its output with MLINFRA_DEBUG=1.")
    assert "Traceback" not in result.stderr and result.stdout == ""
