"""Ctrl-C, SIGTERM and SIGKILL of a real `mlinfra` process: exit code, one line, and no policy pack left behind.

Every test starts the command as people do (`python -m infra.cli ...`), finds the policy pack it
spawned in /proc (a child whose command line runs `pulumi.policy`), signals the command while it
works, and then checks /proc again. Linux only: the process tree is read from /proc.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")


def _ppid_and_state(pid: int) -> tuple[int, str] | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), fields[0]


def _is_pack(pid: int) -> bool:
    try:
        return b"pulumi.policy" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _packs_of(parent: int) -> list[int]:
    pids = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]
    return [pid for pid in pids if (_ppid_and_state(pid) or (0, ""))[0] == parent and _is_pack(pid)]


def _alive(pid: int) -> bool:
    # An orphan is reaped by whoever adopts it; until then it is a zombie and runs nothing.
    seen = _ppid_and_state(pid)
    return seen is not None and seen[1] != "Z" and _is_pack(pid)


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "infra.cli", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_pack(proc: subprocess.Popen, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if packs := _packs_of(proc.pid):
            return packs[0]
        assert proc.poll() is None, f"command ended before it started a pack: {proc.communicate()}"
        time.sleep(0.02)
    proc.kill()
    raise AssertionError("no policy pack appeared")


def _wait_until_serving(pack: int, timeout: float = 60) -> None:
    """Until the pack has a socket open (its gRPC server is up and its port printed).

    A pack still loading would die on its own writing the port to a closed pipe; only a
    serving pack shows whether anything stops it.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if any(os.readlink(fd).startswith("socket:") for fd in Path(f"/proc/{pack}/fd").iterdir()):
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("the pack never started serving")


def _wait_until_planning(proc: subprocess.Popen, timeout: float = 60) -> None:
    """Until the command has loaded gRPC (the Pulumi SDK's runtime), i.e. is running a program."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if "cygrpc" in Path(f"/proc/{proc.pid}/maps").read_text():
                return
        except OSError:
            pass
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError("the command never started planning")


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)  # never leave one behind for the next test
            return False
        time.sleep(0.05)
    return True


def _signal_mid_work(proc: subprocess.Popen, signum: int) -> tuple[int, str, str, float]:
    time.sleep(0.5)  # into the program run, with the pack loading or analysing
    sent = time.monotonic()
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    return proc.returncode, out, err, time.monotonic() - sent


@pytest.mark.parametrize("signum, code, line", [(signal.SIGINT, 130, "interrupted\n"),
                                                (signal.SIGTERM, 143, "terminated\n")])
def test_plan_ends_on_a_signal_with_one_line_and_stops_its_pack(signum, code, line):
    proc = _start("plan", "prod")
    pack = _wait_for_pack(proc)
    returncode, out, err, took = _signal_mid_work(proc, signum)
    assert (returncode, err) == (code, line)
    assert out == ""
    assert took < 5, f"took {took:.1f}s to end"
    assert _gone_within(pack, 5), "the policy pack outlived the command"


def test_ctrl_c_while_the_pack_analyses_ends_at_once():
    # Resources stream to the pack from a worker thread while the program's asyncio loop runs:
    # where a KeyboardInterrupt once hung for 90 s with the pack alive.
    proc = _start("plan", "prod")
    pack = _wait_for_pack(proc)
    _wait_until_serving(pack)
    returncode, _out, err, took = _signal_mid_work(proc, signal.SIGINT)
    assert (returncode, err) == (130, "interrupted\n")
    assert took < 5, f"took {took:.1f}s to end"
    assert _gone_within(pack, 5)


def test_the_pack_ends_by_itself_when_the_command_is_killed():
    proc = _start("plan", "prod")
    pack = _wait_for_pack(proc)
    _wait_until_serving(pack)
    returncode, _out, _err, _took = _signal_mid_work(proc, signal.SIGKILL)
    assert returncode == -signal.SIGKILL
    assert _gone_within(pack, 5), "the policy pack outlived a SIGKILLed command"


def test_the_pack_ends_when_its_starter_dies_of_an_exception():
    script = ("from infra.offline.analyzer import PolicyAnalyzer\n"
              "from infra.offline.policy_check import PACK_DIR\n"
              "PolicyAnalyzer(PACK_DIR).start()  # serving: its port read\n"
              "raise RuntimeError('crash with the pack running')\n")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    pack = _wait_for_pack(proc)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "crash with the pack running" in err
    assert _gone_within(pack, 5), "the policy pack outlived its starter's crash"


def test_cost_ends_on_ctrl_c_and_stops_its_pack():
    proc = _start("cost", "dev")
    pack = _wait_for_pack(proc)
    returncode, _out, err, _took = _signal_mid_work(proc, signal.SIGINT)
    assert (returncode, err) == (130, "interrupted\n")
    assert _gone_within(pack, 5)


@pytest.mark.parametrize("args", [("names", "check"), ("sandbox", "create", "alice")],
                         ids=["names-check", "sandbox-create"])
def test_commands_that_plan_without_a_pack_end_on_ctrl_c(args):
    # Both plan offline first (names check: every stack; sandbox create: the sandbox, before
    # it looks for the Pulumi CLI) and run no pack.
    proc = _start(*args)
    _wait_until_planning(proc)
    time.sleep(0.5)  # into the program run: names check plans nine stacks, a sandbox plan takes seconds
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert (proc.returncode, err) == (130, "interrupted\n")


# A stand-in for `pulumi up` under the Automation API: it writes progress lines to a pipe its
# caller reads, and on SIGINT cancels cleanly, which takes a moment (the real CLI is not installed).
_STAND_IN = ("import signal, sys, time\n"
             "def cancel(*_):\n"
             "    time.sleep(0.5)\n"
             "    print('cancelled cleanly', flush=True)\n"
             "    sys.exit(255)\n"
             "signal.signal(signal.SIGINT, cancel)\n"
             "print('updating', flush=True)\n"
             "time.sleep(30)\n")
_SANDBOX_UP = ("import subprocess, sys\n"
               "from infra.cli.process_exit import exit_on_signals, finish\n"
               "from infra.sandbox.backend import pulumi_operation\n"
               "exit_on_signals()\n"
               f"child = subprocess.Popen([sys.executable, '-c', {_STAND_IN!r}], stdout=subprocess.PIPE, text=True)\n"
               "with pulumi_operation():\n"
               "    for line in child.stdout:\n"
               "        print(line, end='', flush=True)\n"
               "    child.wait()\n"
               "finish(SystemExit(3))  # `sandbox create` after a failed up\n")


def _sandbox_up() -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", _SANDBOX_UP], cwd=ROOT, text=True, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline() == "updating\n", proc.communicate()
    return proc


def test_ctrl_c_lets_a_running_pulumi_cancel_cleanly_then_exits_130():
    proc = _sandbox_up()
    os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole foreground group
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert out == "cancelled cleanly\n"  # once: the Ctrl-C Pulumi got itself is not sent again
    assert err == ("interrupted: letting pulumi stop cleanly so the stack's state stays whole; Ctrl-C again "
                   "to exit now\n")


def test_sigterm_is_passed_on_to_pulumi_as_its_cancel_then_exits_143():
    proc = _sandbox_up()
    proc.send_signal(signal.SIGTERM)  # to mlinfra alone, as a CI runner or `kill` sends it
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143
    assert out == "cancelled cleanly\n"
    assert err == "terminated: letting pulumi stop cleanly so the stack's state stays whole; signal again to exit now\n"


def test_a_second_ctrl_c_exits_now():
    proc = _sandbox_up()
    proc.send_signal(signal.SIGINT)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=5) == 130
    os.killpg(proc.pid, signal.SIGKILL)  # the stand-in, left holding the stderr pipe, as Pulumi would be
    _out, err = proc.communicate(timeout=5)
    assert err.endswith("Ctrl-C again to exit now\ninterrupted\n")


# Ctrl-C arriving while the CLI is still being imported: a finder raises the signal the moment
# `infra.cli.main` starts to load, which is where a person's early Ctrl-C lands.
_SIGNAL_DURING_IMPORT = """
import importlib.abc, os, signal, sys
SIGNAL = getattr(signal, sys.argv[1])
class Interrupt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "infra.cli.main":
            os.kill(os.getpid(), SIGNAL)
        return None
sys.meta_path.insert(0, Interrupt())
sys.argv[1:] = ["--help"]
from infra.cli.entry import run
run()
"""


@pytest.mark.parametrize(("name", "code", "word"), [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")])
def test_a_signal_while_the_cli_is_still_importing_ends_with_one_line(name, code, word):
    result = subprocess.run([sys.executable, "-c", _SIGNAL_DURING_IMPORT, name], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert (result.returncode, result.stderr, result.stdout) == (code, f"{word}\n", "")


def test_the_console_script_is_the_entry_that_handles_signals_first():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'mlinfra = "infra.cli.entry:run"' in pyproject
    assert (ROOT / "infra" / "cli" / "__main__.py").read_text().count("from infra.cli.entry import run") == 1
