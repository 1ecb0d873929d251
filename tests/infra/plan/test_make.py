"""`make_plan` starts the policy pack while the program runs, and never leaves it behind."""

import re
import signal
import threading
import time

import pytest
import yaml

import infra.plan.make as make
from benchmarks.plan_speed import synthetic_stack
from infra.offline.analyzer import PolicyAnalyzer
from infra.plan.make import EXIT_CONFIG, EXIT_OK, make_plan


@pytest.fixture
def packs(monkeypatch):
    """Every pack `make_plan` starts, and whether the plan's own thread ever waited for it (connect).

    The policy stream's worker thread connects as soon as the pack is up, so resources can go to
    it while the program runs; only a wait in the calling thread would hold up the plan.
    """
    started: list[PolicyAnalyzer] = []
    caller = threading.current_thread()

    class Recording(PolicyAnalyzer):
        connected = False

        def spawn(self):
            started.append(self)
            super().spawn()

        def connect(self):
            if threading.current_thread() is caller:
                self.connected = True
            super().connect()

    monkeypatch.setattr(make, "PolicyAnalyzer", Recording)
    return started


def _write(tmp_path, document, name="bench"):
    (tmp_path / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return name


def test_config_error_exits_2_and_kills_the_pack_without_waiting_for_it(tmp_path, packs):
    document = synthetic_stack(1)
    document["config"]["mlinfra:clusters"]["c00"]["gpu_pools"]["p000"]["max_nodes"] = -1
    outcome = make_plan(_write(tmp_path, document), tmp_path)
    assert outcome.exit_code == EXIT_CONFIG
    assert "clusters.c00.gpu_pools.p000.max_nodes" in outcome.error
    [pack] = packs
    assert pack.connected is False
    # Killed, not asked to stop: the plan already failed and needs nothing from it.
    assert pack.proc.returncode == -signal.SIGKILL


def test_unknown_stack_starts_no_pack(tmp_path, packs):
    outcome = make_plan("missing", tmp_path)
    assert outcome.exit_code == EXIT_CONFIG
    assert packs == []


def test_program_crash_stops_the_pack_and_raises(tmp_path, packs, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("engine bug")

    monkeypatch.setattr(make, "run_stack_file", crash)
    with pytest.raises(RuntimeError, match="engine bug"):
        make_plan(_write(tmp_path, synthetic_stack(1)), tmp_path)
    [pack] = packs
    assert pack.proc.returncode == -signal.SIGKILL


def test_successful_plan_uses_the_pack_started_early_and_stops_it(tmp_path, packs):
    outcome = make_plan(_write(tmp_path, synthetic_stack(1)), tmp_path)
    assert outcome.exit_code == EXIT_OK, outcome.error
    assert outcome.document["policy"]["pack"]["name"]
    [pack] = packs
    # The stream's thread connected and analysed while the program ran; the plan only collected.
    assert pack.connected is False and pack.info is not None
    assert pack.proc.poll() is not None


def test_a_pack_slower_than_the_program_is_connected_once(tmp_path, packs, monkeypatch):
    # The program ends before the pack is up: the plan must wait for the stream's own connect,
    # not connect a second time (the pack prints its port once; a second reader would hang).
    real_connect = PolicyAnalyzer.connect
    calls = []

    def slow_connect(self):
        calls.append(threading.current_thread().name)
        time.sleep(1.5)
        real_connect(self)

    monkeypatch.setattr(PolicyAnalyzer, "connect", slow_connect)
    outcome = make_plan(_write(tmp_path, synthetic_stack(1)), tmp_path)
    assert outcome.exit_code == EXIT_OK, outcome.error
    assert calls == ["mlinfra-policy-stream"]
    assert outcome.document["policy"]["violations"] == []


def test_a_rule_that_crashes_is_exit_3_naming_the_rule_and_the_resource(tmp_path, packs, monkeypatch):
    from tests.policies.test_analyzer import RAISE, _broken_rule, _line_of

    pack_dir = _broken_rule(tmp_path / "pack", "aws_compute.py", "_logs", RAISE)
    monkeypatch.setattr(make, "PACK_DIR", pack_dir)
    outcome = make_plan(_write(tmp_path, synthetic_stack(1)), tmp_path)
    assert outcome.exit_code == make.EXIT_PACK and outcome.document is None
    assert re.fullmatch(r"policy check failed: policy rule 'eks-control-plane-logging' failed on "
                        r"urn:pulumi:bench::mlinfra::\S+aws:eks/cluster:Cluster::\S+: ValueError: rule bug "
                        rf"\(at aws_compute.py:{_line_of(pack_dir, 'aws_compute.py', RAISE)} in _logs\)",
                        outcome.error), outcome.error
    [pack] = packs
    assert pack.proc.poll() is not None


def test_the_document_is_drafted_while_the_pack_finishes_and_the_pack_is_then_killed(tmp_path, packs, monkeypatch):
    """The draft (document, cost, verdicts) is made before the plan waits for the pack's last answers,
    and once they are in the pack is ended at once (a kill), not waited for."""
    order = []
    draft, finish_streamed = make.draft, make.finish_streamed

    def drafting(*args, **kwargs):
        order.append("draft")
        return draft(*args, **kwargs)

    def finishing(stream, *args, **kwargs):
        order.append("wait for the pack")
        return finish_streamed(stream, *args, **kwargs)

    monkeypatch.setattr(make, "draft", drafting)
    monkeypatch.setattr(make, "finish_streamed", finishing)
    outcome = make_plan(_write(tmp_path, synthetic_stack(1)), tmp_path)
    assert outcome.exit_code == EXIT_OK, outcome.error
    assert order == ["draft", "wait for the pack"]
    [pack] = packs
    assert pack.proc.returncode == -signal.SIGKILL


def test_a_drafted_document_is_the_document_judged_in_one_go(tmp_path):
    # The same run and findings, judged from a draft made earlier or all at once: the same bytes.
    import json

    from infra.offline.engine import run_stack

    run = run_stack(_write(tmp_path, synthetic_stack(3)), stacks_dir=tmp_path)
    policy = {"pack": {"name": "mlinfra"}, "violations": [{"policy": "p", "enforcementLevel": "advisory"}]}
    at_once = make.judge(run, policy, True)
    drafted = make.judge(run, policy, True, make.draft(run, True))
    assert (at_once.exit_code, at_once.error) == (drafted.exit_code, drafted.error)
    assert json.dumps(at_once.document, indent=2) == json.dumps(drafted.document, indent=2)
    assert list(drafted.document)[list(drafted.document).index("policy") - 1] == "invokes"  # its place kept
    assert drafted.document["policy"] is policy
