"""`make_plan` starts the policy pack while the program runs, and never leaves it behind."""

import signal

import pytest
import yaml

import infra.plan_command as plan_command
from benchmarks.plan_speed import synthetic_stack
from infra.offline.analyzer import PolicyAnalyzer
from infra.plan_command import EXIT_CONFIG, EXIT_OK, make_plan


@pytest.fixture
def packs(monkeypatch):
    """Every pack `make_plan` starts, and whether it was ever waited for (connect)."""
    started: list[PolicyAnalyzer] = []

    class Recording(PolicyAnalyzer):
        connected = False

        def spawn(self):
            started.append(self)
            super().spawn()

        def connect(self):
            self.connected = True
            super().connect()

    monkeypatch.setattr(plan_command, "PolicyAnalyzer", Recording)
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

    monkeypatch.setattr(plan_command, "run_stack_file", crash)
    with pytest.raises(RuntimeError, match="engine bug"):
        make_plan(_write(tmp_path, synthetic_stack(1)), tmp_path)
    [pack] = packs
    assert pack.proc.returncode == -signal.SIGKILL


def test_successful_plan_uses_the_pack_started_early_and_stops_it(tmp_path, packs):
    outcome = make_plan(_write(tmp_path, synthetic_stack(1)), tmp_path)
    assert outcome.exit_code == EXIT_OK, outcome.error
    assert outcome.document["policy"]["pack"]["name"]
    [pack] = packs
    assert pack.connected is True
    assert pack.proc.poll() is not None
