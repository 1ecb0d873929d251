"""`mlinfra plan STACK --watch`: a warm re-plan gives exactly the cold plan's document, on one kept pack."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from infra.cli.watch import status_line, wait_for_change
from infra.offline.engine import STACKS_DIR
from infra.plan.make import PlanOutcome, make_plan
from infra.plan.watch import StackWatch
from tests.helpers import ROOT

PLAN_TIME = "2026-12-01T00:00:00Z"


@pytest.fixture
def stacks(tmp_path, monkeypatch):
    monkeypatch.setenv("MLINFRA_PLAN_TIME", PLAN_TIME)
    for stack in ("dev", "sandbox"):
        shutil.copy(STACKS_DIR / f"Pulumi.{stack}.yaml", tmp_path)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) >= 1, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_a_re_plan_is_the_cold_plan_of_the_edited_file_on_the_same_pack(stacks):
    watch = StackWatch("dev", stacks)
    try:
        first = watch.plan()
        assert first.exit_code == 0, first.error
        pack = watch.analyzer.proc.pid
        before = watch.inputs()
        _edit(stacks / "Pulumi.dev.yaml", "max_nodes: 2", "max_nodes: 3")
        assert watch.inputs().plan != before.plan and watch.inputs().code == before.code
        second = watch.plan()
        assert second.exit_code == 0, second.error
        assert watch.analyzer.proc.pid == pack  # kept: no second pack start
    finally:
        watch.close()
    cold = make_plan("dev", stacks)
    assert cold.exit_code == 0
    assert second.document == cold.document
    assert second.document != first.document


def test_a_bad_edit_is_exit_2_and_the_next_good_one_plans_again(stacks):
    watch = StackWatch("sandbox", stacks)
    path = stacks / "Pulumi.sandbox.yaml"
    good = path.read_text()
    try:
        assert watch.plan().exit_code == 0
        path.write_text(good + "  mlinfra:no_such_setting: 1\n")
        bad = watch.plan()
        assert bad.exit_code == 2 and "no_such_setting" in bad.error
        path.write_text(good)
        again = watch.plan()
        assert again.exit_code == 0, again.error
    finally:
        watch.close()
    assert watch.analyzer is None


def test_a_missing_stack_file_is_exit_2_naming_it(stacks):
    watch = StackWatch("nope", stacks)
    outcome = watch.plan()
    assert outcome.exit_code == 2 and "nope" in outcome.error
    assert watch.analyzer is None  # nothing started for a stack that does not exist


def test_a_change_to_the_rules_restarts_the_pack_and_a_code_change_waits(stacks, monkeypatch):
    watch = StackWatch("sandbox", stacks)
    seen = watch.inputs()
    calls = []

    class Restarts:
        def __init__(self):
            self.count = 0

    restarts = Restarts()
    monkeypatch.setattr(watch, "restart_pack", lambda: setattr(restarts, "count", restarts.count + 1))
    rules = type(seen)(seen.plan, "changed rules", seen.code)
    monkeypatch.setattr(watch, "inputs", lambda: rules)
    assert wait_for_change(watch, seen, _Quiet(), sleep=calls.append) == rules
    assert restarts.count == 1 and calls == [0.25]

    code_then_plan = iter([type(seen)(seen.plan, seen.rules, "new code"),
                           type(seen)(seen.plan, seen.rules, "new code"),
                           type(seen)("edited", seen.rules, seen.code)])
    monkeypatch.setattr(watch, "inputs", lambda: next(code_then_plan))
    said = _Quiet()
    assert wait_for_change(watch, seen, said, sleep=calls.append).plan == "edited"
    assert len(said.lines) == 1 and "cannot be reloaded safely" in said.lines[0]


class _Quiet:
    def __init__(self):
        self.lines: list[str] = []

    def print(self, text, **_kwargs):
        self.lines.append(text)


def test_status_line_names_the_plan_its_time_exit_code_and_cost():
    document = {"cost": {"totals": {"peak": {"usdPerMonth": 3278.52}}}}
    assert status_line(PlanOutcome(0, document=document), 0.9712, 2) == (
        "plan 2 (0.97 s): exit 0, peak 3,278.52 USD/month")
    assert status_line(PlanOutcome(2, error="stack 'x':\n  bad"), 0.1, 3) == "plan 3 (0.10 s): exit 2; stack 'x':"
    partial = {"cost": {"totals": {"peak": {"usdPerMonth": 3278.52}}, "coverage": {"unpricedCount": 9}}}
    assert status_line(PlanOutcome(0, document=partial), 0.5, 4) == (
        "plan 4 (0.50 s): exit 0, peak 3,278.52 USD/month priced, 9 resources unpriced")


class _Lines:
    """Everything a stream printed so far, read on a thread so the test never blocks on it."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(iter(stream.readline, "")), daemon=True).start()

    @property
    def text(self) -> str:
        return "".join(list(self.lines))

    def wait_for(self, needle: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while needle not in self.text:
            assert time.monotonic() < deadline, f"{needle!r} never came; got {self.text!r}"
            time.sleep(0.05)
        return self.text


def test_the_command_re_plans_on_an_edit_prints_the_change_and_ends_on_ctrl_c(stacks):
    env = {**os.environ, "MLINFRA_PLAN_TIME": PLAN_TIME}
    proc = subprocess.Popen([sys.executable, "-m", "infra.cli", "plan", "sandbox", "--watch", "--stacks-dir",
                             str(stacks)], cwd=ROOT, text=True, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = _Lines(proc.stdout), _Lines(proc.stderr)
    try:
        assert "plan 1 (" in err.wait_for("watching", 120)
        assert "plan 1 (" in err.text and "exit 0" in err.text
        path = stacks / "Pulumi.sandbox.yaml"
        text = path.read_text()
        assert "cost-center: cc-ml-sandbox\n" in text
        path.write_text(text.replace("cost-center: cc-ml-sandbox\n", "cost-center: cc-ml-sandbox-2\n", 1))
        err.wait_for("plan 2 (", 120)
        out.wait_for("~ change", 30)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert "cc-ml-sandbox-2" in out.text  # the changed tag, resource by resource
    lines = err.wait_for("interrupted", 5).splitlines()
    assert "interrupted" in lines and "Traceback" not in err.text


def test_a_watched_file_swapped_for_a_fifo_or_a_device_is_a_state_not_a_wait(tmp_path):
    """The watch hashes its inputs four times a second: a FIFO in a stack file's place used to block it forever."""
    from infra.plan.watch import _digest

    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text("config: {}\n")
    before = _digest([stack_file])
    stack_file.unlink()
    os.mkfifo(stack_file)
    swapped = _digest([stack_file])  # returns at once
    assert swapped != before
    assert _digest([Path("/dev/zero")]) == _digest([Path("/dev/zero")])
