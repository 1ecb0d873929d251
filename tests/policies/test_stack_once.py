"""policies/stack_once.py: every stack rule reads one conversion of the stack, with findings unchanged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from infra.offline.analyzer import PolicyAnalyzer
from infra.offline.policy_check import PACK_DIR, config_file
from infra.offline.policy_config import PolicySetting, load_policy_config
from tests.policies.conftest import pack_without, recorded_inputs
from tests.policies.test_contract_rules import CASES as CONTRACT_CASES
from tests.policies.test_stack_rules import CASES as STACK_CASES

INSTALL_LINE = "stack_once.install(RULES)"
STACKS = ["dev", "staging", "prod", "sandbox"]


def _findings(analyzer: PolicyAnalyzer, stack) -> list[tuple]:
    """AnalyzeStack's findings, everything a document shows of them."""
    return [(f.policy, f.level, f.severity, f.message, f.urn, f.not_checked) for f in analyzer.analyze_stack(stack)]


@pytest.fixture(scope="module")
def shipped_pack(tmp_path_factory) -> Path:
    """A copy of the pack whose __main__ does not install stack_once: each rule converts the stack itself."""
    root = tmp_path_factory.mktemp("shipped")
    return pack_without(root, INSTALL_LINE)


@pytest.fixture(scope="module")
def both_packs(shipped_pack):
    with PolicyAnalyzer(PACK_DIR) as ours, PolicyAnalyzer(shipped_pack) as shipped:
        yield ours, shipped


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_finding_is_the_same_with_and_without_it(stack, both_packs):
    """A real stack under its own config, with stand-ins and as a first preview sends it (all unknown)."""
    runs = [list(recorded_inputs(stack)), list(recorded_inputs(stack, stand_ins=False))]
    settings = load_policy_config(config_file(stack))
    found = []
    for analyzer in both_packs:
        analyzer.configure(settings)
        found.append([finding for inputs in runs for finding in _findings(analyzer, inputs)])
    ours, shipped = found
    assert ours == shipped
    # Unknowns stop stack rules in the first preview, so the comparison covers their not-checked findings.
    assert any(f[-1] for f in ours)


def test_each_broken_case_gives_the_same_findings_under_each_rules_name_and_level(both_packs):
    """Every break-one-field case of the stack rules: same rule names, levels, severities, messages, URNs."""
    cases = [stack for _, stack, _ in STACK_CASES + CONTRACT_CASES]
    # A level changed by config must be reported as configured, and a disabled rule must not run.
    settings = {"s3-versioning": PolicySetting("advisory"), "s3-public-access-block": PolicySetting("disabled")}
    for config in ({}, settings):
        found = []
        for analyzer in both_packs:
            analyzer.configure(config)
            found.append([_findings(analyzer, stack) for stack in cases])
        ours, shipped = found
        assert ours == shipped
        flat = [f for findings in ours for f in findings]
        assert len({f[0] for f in flat}) > 10  # many rules found something: the comparison bites
        if config:
            assert ("s3-versioning", "advisory") in {f[:2] for f in flat}
            assert "s3-public-access-block" not in {f[0] for f in flat}


def _run_in_pack(code: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", code, str(PACK_DIR)], capture_output=True, text=True, check=True,
                            cwd=PACK_DIR)
    return result.stdout.splitlines()


def test_install_refuses_a_stack_rule_that_reads_the_request_itself():
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import stack_once\n"
            "from pulumi_policy import StackValidationPolicy, policy\n"
            "plain = StackValidationPolicy('plain', 'reads args.resources', lambda args, report: None)\n"
            "before = policy._PolicyAnalyzerServicer.AnalyzeStack\n"
            "print(stack_once.install([plain]), policy._PolicyAnalyzerServicer.AnalyzeStack is before)\n")
    assert _run_in_pack(code) == ["False True"]


def test_install_wraps_once_and_only_on_the_version_it_was_read_against():
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import stack_once, convert_once\n"
            "from pulumi_policy import policy\n"
            "first = stack_once.install([]); wrapped = policy._PolicyAnalyzerServicer.AnalyzeStack\n"
            "convert_once.install(); outer = policy._PolicyAnalyzerServicer.AnalyzeStack\n"
            "print(first, stack_once.install([]), policy._PolicyAnalyzerServicer.AnalyzeStack is outer,\n"
            "      wrapped is not outer)\n"
            "stack_once.READ_AGAINST = '0.0.0'; print(stack_once.install([]))\n")
    assert _run_in_pack(code) == ["True True True True", "False"]


def test_outside_a_request_a_rule_reads_its_own_arguments():
    # Rules run by hand (or by pulumi_policy without install) get args.resources, a list of their own.
    sys.path.insert(0, str(PACK_DIR))
    try:
        import stack_once
    finally:
        sys.path.remove(str(PACK_DIR))

    class Args:
        resources = ("a", "b")

    got = stack_once.resources(Args())
    assert got == ["a", "b"] and got is not stack_once.resources(Args())
