"""`plan_all`: every stack in one process with one reused pack, the worst exit code, the name check."""

import ast
import json
import signal
import time
from pathlib import Path

import pytest
import yaml

import infra.plan.make as make
from benchmarks.plan_speed import synthetic_stack
from infra.offline.analyzer import PolicyAnalyzer
from infra.offline.policy_check import PACK_DIR
from infra.offline.policy_config import load_policy_config
from infra.plan.make import EXIT_CONFIG, EXIT_OK, EXIT_PACK, EXIT_POLICY
from infra.plan.make_all import all_stacks, plan_all, worst
from infra.plan.name_plans import BOOTSTRAP_DIR
from tests.helpers import ROOT


@pytest.fixture
def packs(monkeypatch):
    """Every pack process `plan_all` starts."""
    started: list[PolicyAnalyzer] = []

    class Recording(PolicyAnalyzer):
        def spawn(self):
            started.append(self)
            super().spawn()

    monkeypatch.setattr(make, "PolicyAnalyzer", Recording)
    return started


def _write(stacks_dir: Path, name: str, document: dict) -> None:
    (stacks_dir / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def _bad() -> dict:
    document = synthetic_stack(1)
    document["config"]["mlinfra:clusters"]["c00"]["gpu_pools"]["p000"]["max_nodes"] = -1
    return document


def test_exit_codes_rank_config_over_pack_over_policy():
    assert worst({EXIT_OK, EXIT_POLICY, EXIT_CONFIG, EXIT_PACK}) == EXIT_CONFIG
    assert worst({EXIT_POLICY, EXIT_PACK}) == EXIT_PACK
    assert worst({EXIT_OK, EXIT_POLICY}) == EXIT_POLICY
    assert worst(set()) == EXIT_OK


def test_live_sandboxes_are_left_out_and_the_bootstrap_comes_last(tmp_path):
    for name in ("dev", "sandbox", "sandbox-alice-box"):
        _write(tmp_path, name, synthetic_stack(1))
    found = [(project.name, stack) for project, stack in all_stacks(tmp_path, BOOTSTRAP_DIR)]
    assert found == [("mlinfra", "dev"), ("mlinfra", "sandbox"), ("mlinfra-bootstrap", "bootstrap")]


def test_one_pack_serves_every_stack_and_is_stopped(tmp_path, packs):
    _write(tmp_path, "a", synthetic_stack(1))
    _write(tmp_path, "b", synthetic_stack(2))
    result = plan_all(tmp_path, bootstrap_dir=None)
    assert [(s.stack, s.outcome.exit_code) for s in result.stacks] == [("a", EXIT_OK), ("b", EXIT_OK)]
    assert result.exit_code == EXIT_OK
    [pack] = packs
    assert pack.proc.returncode == -signal.SIGKILL  # stopped at once: nothing was left to ask it
    # Each stack was analysed by it under its own config: both report the pack and their resources.
    for plan in result.stacks:
        assert plan.outcome.document["policy"]["pack"]["name"]
        assert plan.outcome.document["policy"]["config"] == "policies/config/dev.json"
    [check] = result.checks
    assert check.name == "names" and check.exit_code == EXIT_OK


def test_a_config_error_fails_that_stack_only_and_wins_the_exit_code(tmp_path, packs):
    _write(tmp_path, "a-bad", _bad())
    _write(tmp_path, "b-good", synthetic_stack(1))
    (tmp_path / "Pulumi.c-broken.yaml").write_text("config: [unclosed\n")
    result = plan_all(tmp_path, bootstrap_dir=None)
    codes = {s.stack: s.outcome.exit_code for s in result.stacks}
    assert codes == {"a-bad": EXIT_CONFIG, "b-good": EXIT_OK, "c-broken": EXIT_CONFIG}
    assert "clusters.c00.gpu_pools.p000.max_nodes" in result.stacks[0].outcome.error
    assert "Pulumi.c-broken.yaml: not valid YAML" in result.stacks[2].outcome.error
    assert result.stacks[1].outcome.document["stack"] == "b-good"
    assert result.exit_code == EXIT_CONFIG
    # The failed stack's analysis was cancelled, not its pack: the next stack's went on on the same one.
    [pack] = packs
    assert pack.proc.returncode == -signal.SIGKILL
    assert result.stacks[1].outcome.document["policy"]["config"] == "policies/config/dev.json"
    assert "not checked: a-bad, c-broken could not be planned" in result.checks[0].error


def test_a_broken_pack_fails_its_stack_with_exit_3_and_the_next_stack_gets_a_new_one(tmp_path, packs, monkeypatch):
    _write(tmp_path, "a", synthetic_stack(1))
    _write(tmp_path, "b", synthetic_stack(1))
    real_configure = PolicyAnalyzer.configure

    def fail_first(self, settings):
        if self is packs[0]:
            raise make.PolicyPackError("pack exploded")
        real_configure(self, settings)

    monkeypatch.setattr(PolicyAnalyzer, "configure", fail_first)
    result = plan_all(tmp_path, bootstrap_dir=None)
    assert [(s.stack, s.outcome.exit_code) for s in result.stacks] == [("a", EXIT_PACK), ("b", EXIT_OK)]
    assert result.stacks[0].outcome.error == "policy check failed: pack exploded"
    assert len(packs) == 2 and result.exit_code == EXIT_PACK


def test_the_reused_pack_does_not_depend_on_the_stack_it_was_started_for():
    # One pack serves every stack, started with the first stack's PULUMI_STACK/PULUMI_PROJECT. That
    # is only faithful while no rule reads them; this fails the day one does.
    readers = []
    for path in sorted(PACK_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
            if name in ("get_stack", "get_project", "get_organization", "environ", "getenv"):
                readers.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert readers == []


def test_a_bootstrap_project_file_that_cannot_be_read_is_exit_2_naming_it(tmp_path):
    from infra.offline.engine import STACKS_DIR
    from infra.plan.make_all import plan_all

    (tmp_path / "Pulumi.yaml").write_text("name: [unclosed\n")
    result = plan_all(STACKS_DIR, bootstrap_dir=tmp_path)
    assert result.exit_code == 2
    assert result.stacks == []
    [check] = result.checks
    assert check.name == "projects"
    assert check.error.startswith(f"{tmp_path / 'Pulumi.yaml'}")


def test_what_only_the_stack_file_shows_is_refused_as_by_plan_stack(tmp_path):
    # An unknown namespace is caught by the stack-file pre-check (infra/plan/make.stack_file_refused).
    document = synthetic_stack(1)
    document["config"]["mlinfr:budget_per_hour"] = 3
    _write(tmp_path, "typo", document)
    result = plan_all(tmp_path, bootstrap_dir=None)
    [typo] = result.stacks
    assert typo.outcome.exit_code == EXIT_CONFIG and typo.outcome.document is None
    assert "  - mlinfr:budget_per_hour: unknown config namespace 'mlinfr'" in typo.outcome.error
    assert typo.outcome.error == make.make_plan("typo", tmp_path).error


def test_the_next_program_runs_while_the_pack_analyses_the_last_stack_under_its_own_config(tmp_path, packs,
                                                                                          monkeypatch):
    _write(tmp_path, "a", synthetic_stack(1))
    prod_like = synthetic_stack(1)
    prod_like["config"]["mlinfra:environment"] = "prod"
    # prod alerts must reach someone (infra/config/rules/observability.py).
    prod_like["config"]["mlinfra:observability"] = {"notify": {"emails": ["oncall@example.com"]}}
    prod_like["config"]["mlinfra:clusters"]["c00"]["network"].update(zones=3, nat="per-zone")
    _write(tmp_path, "b", prod_like)
    events: list[str] = []
    real_run, real_analyze_stack = make.run_stack_file, PolicyAnalyzer.analyze_stack
    real_configure = PolicyAnalyzer.configure
    configs = {json.dumps(load_policy_config(PACK_DIR / "config" / f"{env}.json"), sort_keys=True, default=str): env
               for env in ("dev", "prod")}

    def run(stack_file, *args, **kwargs):
        events.append(f"program {stack_file.name}")
        return real_run(stack_file, *args, **kwargs)

    def configure(self, settings):
        events.append(f"configure {configs[json.dumps(settings, sort_keys=True, default=str)]}")
        real_configure(self, settings)

    def slow_analyze_stack(self, resources):
        stack = resources[0].urn.split("::")[0].rsplit(":", 1)[-1]
        if stack == "a":
            time.sleep(1.5)  # the pack still busy with "a" while "b"'s program runs
        findings = real_analyze_stack(self, resources)
        events.append(f"analysed {stack}")
        return findings

    monkeypatch.setattr(make, "run_stack_file", run)
    monkeypatch.setattr(PolicyAnalyzer, "configure", configure)
    monkeypatch.setattr(PolicyAnalyzer, "analyze_stack", slow_analyze_stack)
    result = plan_all(tmp_path, bootstrap_dir=None)
    assert [(s.stack, s.outcome.exit_code) for s in result.stacks] == [("a", EXIT_OK), ("b", EXIT_OK)]
    assert len(packs) == 1
    # b's program ran while the pack was still on a; the pack took b's config only once done with a.
    assert events.index("program b") < events.index("analysed a")
    pack_calls = [e for e in events if not e.startswith("program")]
    assert pack_calls == ["configure dev", "analysed a", "configure prod", "analysed b"]
    a, b = (s.outcome.document["policy"]["config"] for s in result.stacks)
    assert (a, b) == ("policies/config/dev.json", "policies/config/prod.json")


def test_what_earlier_stacks_left_alive_is_frozen_out_of_collections_until_the_end(tmp_path, monkeypatch):
    import gc

    _write(tmp_path, "a", synthetic_stack(1))
    _write(tmp_path, "b", synthetic_stack(1))
    frozen: list[int] = []
    real_run = make.run_stack_file

    def run(stack_file, *args, **kwargs):
        frozen.append(gc.get_freeze_count())
        return real_run(stack_file, *args, **kwargs)

    monkeypatch.setattr(make, "run_stack_file", run)
    assert gc.get_freeze_count() == 0
    result = plan_all(tmp_path, bootstrap_dir=None)
    assert [s.outcome.exit_code for s in result.stacks] == [EXIT_OK, EXIT_OK]
    # b's program ran with a's run and the SDK modules it loaded frozen; all unfrozen afterwards.
    assert frozen[1] > frozen[0] > 0
    assert gc.get_freeze_count() == 0
