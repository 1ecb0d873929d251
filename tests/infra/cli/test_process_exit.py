"""The fast exit after an offline plan: exit codes and output survive it, other commands never take it."""

import pytest

from infra.cli import process_exit
from tests.helpers import mlinfra


@pytest.fixture
def unmarked(monkeypatch):
    monkeypatch.setattr(process_exit, "_skip", False)


def test_a_command_that_ran_no_program_exits_the_normal_way(unmarked):
    with pytest.raises(SystemExit) as raised:
        process_exit.finish(SystemExit(2))
    assert raised.value.code == 2


def test_a_message_exit_is_never_cut_short(monkeypatch):
    # sys.exit("message") prints the message during normal exit; os._exit would lose it.
    monkeypatch.setattr(process_exit, "_skip", True)
    with pytest.raises(SystemExit) as raised:
        process_exit.finish(SystemExit("boom"))
    assert raised.value.code == "boom"


@pytest.mark.parametrize("stack, code", [("dev", 0), ("qa", 2)])
def test_plan_keeps_its_exit_code_and_its_whole_output(stack, code):
    result = mlinfra("plan", stack, "--format", "json")
    assert result.returncode == code, result.stderr
    if code == 0:
        assert result.stdout.rstrip().endswith("}") and '"planVersion": 1' in result.stdout
    else:
        assert "unknown stack 'qa'" in result.stderr
