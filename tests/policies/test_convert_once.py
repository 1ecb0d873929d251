"""policies/convert_once.py: each resource converted once per request, with findings unchanged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf import json_format

from infra.offline.analyzer import PolicyAnalyzer
from infra.offline.policy_check import PACK_DIR, config_file
from infra.offline.policy_config import load_policy_config
from tests.policies.conftest import pack_without, recorded_inputs

INSTALL_LINE = "convert_once.install()"


def _convert_once():
    sys.path.insert(0, str(PACK_DIR))
    try:
        import convert_once
    finally:
        sys.path.remove(str(PACK_DIR))
    return convert_once


def test_the_same_field_read_twice_is_the_same_message_object():
    # What a hit relies on: pulumi_policy reads `request.properties` (and the provider's) once per
    # rule, and each read must give the object the first read gave.
    [first, *_] = recorded_inputs("dev")
    request = first.analyze_request()
    assert request.properties is request.properties
    assert request.provider.properties is request.provider.properties
    assert first.analyze_request().properties is not request.properties  # another request, another object


def test_each_conversion_equals_protobufs_own_and_is_made_once_per_message():
    converter = _convert_once().ConvertOnce(json_format)
    for item in recorded_inputs("prod"):
        request = item.analyze_request()
        converted = converter.MessageToDict(request.properties)
        assert converted == json_format.MessageToDict(request.properties), item.urn
        assert converter.MessageToDict(request.properties) is converted  # remembered
        twin = type(request.properties)()
        twin.CopyFrom(request.properties)
        # An equal message that is another object is converted anew: a hit needs the very object.
        assert converter.MessageToDict(twin) is not converted
        assert converter.MessageToDict(twin) == converted


def test_install_patches_once_and_only_the_version_it_was_read_against():
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import convert_once\n"
            "from pulumi_policy import policy\n"
            "print(convert_once.install(), convert_once.install(), type(policy.json_format).__name__,\n"
            "      type(policy.json_format.json_format).__name__)\n"
            "convert_once.READ_AGAINST = '0.0.0'; policy.json_format = policy.json_format.json_format\n"
            "print(convert_once.install(), type(policy.json_format).__name__)\n")
    result = subprocess.run([sys.executable, "-c", code, str(PACK_DIR)], capture_output=True, text=True,
                            check=True)
    assert result.stdout.splitlines() == ["True True ConvertOnce module", "False module"]


@pytest.fixture(scope="module")
def unpatched_pack(tmp_path_factory) -> Path:
    """A copy of the pack whose __main__ does not install convert_once: pulumi_policy as shipped."""
    root = tmp_path_factory.mktemp("unpatched")
    return pack_without(root, INSTALL_LINE)


@pytest.mark.parametrize("stack", ["dev", "prod", "sandbox"])
def test_every_finding_is_the_same_with_and_without_it(stack, unpatched_pack):
    """The whole of a real stack through both packs, under the stack's own config: same findings."""
    # With stand-ins, and as a first `pulumi preview` sends them (every computed value unknown), so
    # not-checked findings are compared too.
    runs = [list(recorded_inputs(stack)), list(recorded_inputs(stack, stand_ins=False))]
    environment = "sandbox" if stack == "sandbox" else stack
    settings = load_policy_config(config_file(environment))
    found = []
    for pack_dir in (PACK_DIR, unpatched_pack):
        with PolicyAnalyzer(pack_dir) as analyzer:
            analyzer.configure(settings)
            findings = [f for inputs in runs for f in analyzer.analyze_all(inputs)]
        found.append([(f.policy, f.level, f.message, f.urn, f.not_checked) for f in findings])
    patched, shipped = found
    assert patched == shipped
    assert patched  # the stacks do have findings (advisories, not-checked rules): the comparison bites
