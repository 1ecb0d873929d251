"""policies/rules_by_type.py: Analyze leaves out the rules that cannot apply, with findings unchanged."""

from __future__ import annotations

import subprocess
import sys

import pytest

from infra.offline.analyzer import PolicyAnalyzer
from infra.offline.policy_check import PACK_DIR, config_file
from infra.offline.policy_config import PolicySetting, load_policy_config
from tests.policies.conftest import changed, pack_without, recorded_inputs, resource
from tests.policies.test_resource_rules import BASES, CASES

INSTALL_LINE = "rules_by_type.install()"


def _findings(analyzer: PolicyAnalyzer, inputs) -> list[tuple]:
    """Analyze's findings for each resource, everything a document shows of them."""
    return [(f.policy, f.level, f.severity, f.message, f.urn, f.not_checked)
            for item in inputs for f in analyzer.analyze(item)]


@pytest.fixture(scope="module")
def both_packs(tmp_path_factory):
    """The pack, and a copy whose __main__ does not install rules_by_type: every rule for every resource."""
    root = tmp_path_factory.mktemp("shipped")
    packed = pack_without(root, INSTALL_LINE)
    with PolicyAnalyzer(PACK_DIR) as ours, PolicyAnalyzer(packed) as shipped:
        yield ours, shipped


@pytest.mark.parametrize("stack", ["dev", "staging", "prod", "sandbox"])
def test_every_resource_finding_is_the_same_with_and_without_it(stack, both_packs):
    """A real stack under its own config, with stand-ins and as a first preview sends it (all unknown)."""
    runs = [*recorded_inputs(stack), *recorded_inputs(stack, stand_ins=False)]
    settings = load_policy_config(config_file(stack))
    found = []
    for analyzer in both_packs:
        analyzer.configure(settings)
        found.append(_findings(analyzer, runs))
    ours, shipped = found
    assert ours == shipped
    assert ours  # advisories and not-checked rules: the comparison bites


def test_each_broken_resource_gives_the_same_findings_under_each_rules_name_and_level(both_packs):
    broken = [resource(BASES[base][0], BASES[base][1], changed(BASES[base][2], path, value))
              for base, path, value, *_ in CASES]
    # A level changed by config must be reported as configured, and a disabled rule must not run.
    settings = {"grafana-not-exposed": PolicySetting("advisory"),
                "observability-no-public-endpoint": PolicySetting("disabled")}
    for config in ({}, settings):
        found = []
        for analyzer in both_packs:
            analyzer.configure(config)
            found.append(_findings(analyzer, broken))
        ours, shipped = found
        assert ours == shipped
        assert len({f[0] for f in ours}) == len({case[3] for case in CASES}) - (1 if config else 0)
        if config:
            assert ("grafana-not-exposed", "advisory") in {f[:2] for f in ours}


def test_install_wraps_once_and_only_on_the_version_it_was_read_against():
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import rules_by_type\n"
            "from pulumi_policy import policy\n"
            "first = rules_by_type.install(); analyze = policy._PolicyAnalyzerServicer.Analyze\n"
            "print(first, rules_by_type.install(), policy._PolicyAnalyzerServicer.Analyze is analyze)\n"
            "rules_by_type.READ_AGAINST = '0.0.0'; print(rules_by_type.install())\n")
    result = subprocess.run([sys.executable, "-c", code, str(PACK_DIR)], capture_output=True, text=True, check=True,
                            cwd=PACK_DIR)
    assert result.stdout.splitlines() == ["True True True", "False"]


def test_outside_analyze_every_rule_is_listed():
    # GetAnalyzerInfo, Configure and AnalyzeStack iterate the rules on threads that serve no Analyze.
    sys.path.insert(0, str(PACK_DIR))
    try:
        import rules_by_type
    finally:
        sys.path.remove(str(PACK_DIR))
    rule = rules_by_type.ResourceRule(types=["aws:s3/bucket:Bucket"], name="r", description="d",
                                      validate=lambda args, report: None)
    listed = rules_by_type._ByType([rule, "other"])
    assert list(listed) == [rule, "other"]
    rules_by_type._serving.type = "aws:iam/role:Role"
    try:
        assert list(listed) == ["other"]
        rules_by_type._serving.type = "aws:s3/bucket:Bucket"
        assert list(listed) == [rule, "other"]
    finally:
        rules_by_type._serving.type = None
