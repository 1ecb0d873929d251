"""policies/convert_ahead.py: stack rules read the conversions Analyze made, with findings unchanged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from infra.offline.analyzer import PolicyAnalyzer
from infra.offline.analyzer_inputs import inputs_from_records
from infra.offline.engine import run_stack
from infra.offline.policy_check import PACK_DIR, config_file
from infra.offline.policy_config import load_policy_config
from tests.policies.conftest import pack_without, recorded_inputs
from tests.policies.test_stack_rules import ANY_TCP, network, s3_stack

INSTALL_LINE = "convert_ahead.install()"
STACKS = ["dev", "staging", "prod", "sandbox"]


def _findings(analyzer: PolicyAnalyzer, found) -> list[tuple]:
    return [(f.policy, f.level, f.severity, f.message, f.urn, f.not_checked) for f in found]


def _preview(analyzer: PolicyAnalyzer, analyzed, stack=None) -> list[tuple]:
    """What a preview asks: Analyze for each resource, then AnalyzeStack (of `stack`, else the same resources)."""
    return (_findings(analyzer, analyzer.analyze_each(analyzed))
            + _findings(analyzer, analyzer.analyze_stack(list(stack if stack is not None else analyzed))))


@pytest.fixture(scope="module")
def both_packs(tmp_path_factory):
    """This pack, and a copy whose AnalyzeStack converts every resource itself."""
    shipped = pack_without(tmp_path_factory.mktemp("without-convert-ahead"), INSTALL_LINE)
    with PolicyAnalyzer(PACK_DIR) as ours, PolicyAnalyzer(shipped) as without:
        yield ours, without


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_previews_to_the_same_findings_with_and_without_it(stack, both_packs):
    """A real stack under its own config, with stand-ins and as a first preview sends it (all unknown)."""
    runs = [list(recorded_inputs(stack)), list(inputs_from_records(run_stack(stack, stand_ins=False).resources))]
    settings = load_policy_config(config_file(stack))
    found = []
    for analyzer in both_packs:
        per_run = []
        for inputs in runs:
            analyzer.configure(settings)  # a plan configures the pack before its resources, every time
            per_run += _preview(analyzer, inputs)
        found.append(per_run)
    ours, without = found
    assert ours == without
    assert any(f[-1] for f in ours)  # unknowns stop rules in the first preview: that path is compared too


@pytest.mark.parametrize("analyzed, checked, rule", [
    (network(), network(egress=[ANY_TCP]), "vpc-default-security-group-closed"),
    (s3_stack(), s3_stack(sse="AES256"), "s3-encryption"),
])
def test_a_resource_sent_to_analyzestack_with_other_values_is_checked_with_those(analyzed, checked, rule,
                                                                                   both_packs):
    """Same URNs, one field changed after Analyze: the stack rules must see AnalyzeStack's values, not the kept ones."""
    assert [r.urn for r in analyzed] == [r.urn for r in checked]
    found = []
    for analyzer in both_packs:
        analyzer.configure({})
        found.append(_preview(analyzer, analyzed, checked))
    ours, without = found
    assert ours == without
    assert rule in {f[0] for f in ours}  # the change is seen: a stale conversion would have found nothing


def _run_in_pack(code: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", code, str(PACK_DIR)], capture_output=True, text=True, check=True,
                            cwd=PACK_DIR)
    return result.stdout.splitlines()


def test_install_wraps_once_and_only_on_the_version_it_was_read_against():
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import convert_ahead\n"
            "from pulumi_policy import policy\n"
            "servicer = policy._PolicyAnalyzerServicer\n"
            "first = convert_ahead.install(); analyze, configure = servicer.Analyze, servicer.Configure\n"
            "print(first, convert_ahead.install(), servicer.Analyze is analyze, servicer.Configure is configure)\n"
            "convert_ahead.READ_AGAINST = '0.0.0'; print(convert_ahead.install())\n")
    assert _run_in_pack(code) == ["True True True True", "False"]


def test_a_conversion_is_reused_only_for_equal_messages():
    # In the pack's own interpreter: what is kept for a URN is handed back for an item equal to the one
    # it was made from (map order aside), and converted anew for anything else.
    code = """
import sys; sys.path.insert(0, sys.argv[1]); import convert_ahead
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as apb

class Servicer:
    def _get_resource_options(self, item): return ("options", item.options.protect)
    def _get_provider_resource(self, item):
        return ("provider", item.provider.urn) if item.HasField("provider") else None

def item(kind, props, protect=False, provider=None):
    struct = struct_pb2.Struct(); struct.update(props)
    return kind(type="t", name="n", urn="urn:n", properties=struct,
                options=apb.AnalyzerResourceOptions(protect=protect), provider=provider)

servicer = Servicer()
analyzed = item(apb.AnalyzeRequest, {"a": 1, "b": {"c": [1, "x"]}})
convert_ahead._keeps(lambda self, request, context: "answer")(servicer, analyzed, None)
kept = convert_ahead._kept["urn:n"].converted
same = item(apb.AnalyzerResource, {"b": {"c": [1, "x"]}, "a": 1})
print(convert_ahead.converted(servicer, same) is kept)
for other in (item(apb.AnalyzerResource, {"a": 2, "b": {"c": [1, "x"]}}),
              item(apb.AnalyzerResource, {"a": 1, "b": {"c": [1, "x"]}}, protect=True),
              item(apb.AnalyzerResource, {"a": 1, "b": {"c": [1, "x"]}},
                   provider=apb.AnalyzerProviderResource(urn="urn:p"))):
    again = convert_ahead.converted(servicer, other)
    print(again is kept, again[1:])
convert_ahead.forget(); print(convert_ahead.converted(servicer, same) is kept)
"""
    assert _run_in_pack(code) == ["True", "False (('options', False), None)", "False (('options', True), None)",
                                  "False (('options', False), ('provider', 'urn:p'))", "False"]


def test_configure_forgets_what_was_kept():
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import convert_ahead\n"
            "convert_ahead._kept['urn:x'] = 'kept'\n"
            "print(convert_ahead._forgets(lambda self, request, context: 'configured')(None, None, None),\n"
            "      dict(convert_ahead._kept))\n")
    assert _run_in_pack(code) == ["configured {}"]


def test_the_pack_installs_it_before_convert_once():
    # convert_once's per-request memory must wrap Analyze outside convert_ahead, so the conversion
    # after Analyze reuses what the resource rules converted.
    main = (Path(PACK_DIR) / "__main__.py").read_text()
    assert main.index("convert_ahead.install()") < main.index("convert_once.install()")
