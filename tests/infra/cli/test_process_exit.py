"""The fast exit after an offline plan: exit codes and output survive it, other commands never take it."""

import gc
import os
import subprocess
import sys

import pytest

from infra.cli import process_exit
from tests.helpers import ROOT, mlinfra


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


@pytest.mark.parametrize("args", [["plan", "qa"], ["cost", "qa"]])
def test_commands_that_plan_collect_garbage_less_often(args):
    # The young-generation threshold is what made collection a quarter of `plan --all`'s CPU time.
    probe = ("import gc, sys\nfrom infra.cli.main import main\nbefore = gc.get_threshold()\n"
             "try:\n    main(sys.argv[1:], prog_name='mlinfra')\nexcept SystemExit:\n    pass\n"
             "print(before, gc.get_threshold())\n")
    result = subprocess.run([sys.executable, "-c", probe, *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.strip() == f"(700, 10, 10) {process_exit.PLANNING_GC_THRESHOLD}", result.stderr


@pytest.mark.parametrize("own, expected", [(True, "[False] False"), (False, "[True] True")])
def test_the_collector_is_off_while_a_plan_is_made_only_in_a_process_that_ends_with_it(own, expected):
    # `python -m infra.cli` and the console script own their process; a test or a caller of main() does not.
    probe = ("import gc, sys\nfrom infra.cli import process_exit\n"
             "if sys.argv[1] == 'own':\n    process_exit.own_process()\n"
             "import infra.plan.make as make\nseen, real = [], make.make_plan\n"
             "def spy(*args, **kwargs):\n    seen.append(gc.isenabled())\n    return real(*args, **kwargs)\n"
             "make.make_plan = spy\nfrom infra.cli.main import main\n"
             "try:\n    main(['plan', 'sandbox', '--format', 'json', '--out', '/dev/null'], prog_name='mlinfra')\n"
             "except SystemExit:\n    pass\nprint(seen, gc.isenabled())\n")
    result = subprocess.run([sys.executable, "-c", probe, "own" if own else "not"], cwd=ROOT, capture_output=True,
                            text=True, timeout=180)
    assert result.stdout.strip() == expected, result.stderr


def test_a_plan_that_raises_turns_the_collector_back_on(monkeypatch):
    monkeypatch.setattr(process_exit, "_whole_process", True)
    try:
        with pytest.raises(ValueError), process_exit.collector_paused():
            assert not gc.isenabled()
            raise ValueError("config")
        assert gc.isenabled()
    finally:
        gc.enable()


def test_the_cli_silences_grpcs_transport_log_unless_asked(monkeypatch):
    # A gRPC stream reset logged by its C core once broke the quiet exit 141 of a closed stdout under load.
    import infra.cli.entry as entry
    import infra.cli.main as cli_main

    seen = []
    monkeypatch.setattr(entry, "exit_on_signals", lambda: None)
    monkeypatch.setattr(entry, "own_process", lambda: None)
    monkeypatch.setattr(cli_main, "run", lambda: seen.append(os.environ.get("GRPC_VERBOSITY")))
    monkeypatch.delenv("GRPC_VERBOSITY", raising=False)
    entry.run()
    monkeypatch.setenv("GRPC_VERBOSITY", "debug")
    entry.run()
    assert seen == ["NONE", "debug"]
