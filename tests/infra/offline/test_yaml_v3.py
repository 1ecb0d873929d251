"""Stack files read as the Pulumi CLI reads them (gopkg.in/yaml.v3), not by PyYAML's YAML 1.1 rules."""

from __future__ import annotations

import math

import pytest
import yaml

from infra.offline.engine import STACKS_DIR
from infra.offline.stackfile import load_stack_file
from infra.offline.strict_yaml import StrictYamlError, parse_yaml

# (plain scalar, what yaml.v3 makes of it, what PyYAML's YAML 1.1 resolver makes of it)
DIFFERENCES = [
    ("no", "no", False), ("No", "No", False), ("off", "off", False), ("yes", "yes", True),
    ("on", "on", True), ("ON", "ON", True), ("y", "y", "y"),
    ("1:30", "1:30", 90),          # 1.1 sexagesimal
    ("1e3", 1000.0, "1e3"),        # 1.1 floats need a dot
    ("0o17", 15, "0o17"),          # 1.2 octal
    ("+.5", 0.5, "+.5"),
]
SAME = [("true", True), ("False", False), ("~", None), ("null", None), ("0777", 511), ("0x1F", 31),
        ("1_000", 1000), ("0b101", 5), ("-0b101", -5), ("12", 12), ("-3.5", -3.5), (".5", 0.5), ("acme-ml", "acme-ml")]


@pytest.mark.parametrize(("text", "v3", "yaml11"), DIFFERENCES)
def test_plain_scalars_mean_what_yaml_v3_makes_of_them_not_yaml_1_1(text, v3, yaml11):
    assert yaml.safe_load(f"k: {text}")["k"] == yaml11  # the difference is real
    assert parse_yaml(f"k: {text}\n".encode(), "f.yaml") == {"k": v3}


@pytest.mark.parametrize(("text", "value"), SAME)
def test_what_both_agree_on_is_unchanged(text, value):
    assert parse_yaml(f"k: {text}\n".encode(), "f.yaml") == {"k": value}


def test_keys_resolve_the_same_way_and_quoted_or_tagged_scalars_are_what_they_say():
    assert parse_yaml(b'yes: 1\n"no": x\nq: "no"\nt: !!bool true\ns: !!str 12\n', "f.yaml") == {
        "yes": 1, "no": "x", "q": "no", "t": True, "s": "12"}


def test_a_leading_zero_that_is_no_octal_is_a_float_as_in_yaml_v3():
    assert parse_yaml(b"k: 08\n", "f.yaml") == {"k": 8.0}


@pytest.mark.parametrize("text", ["2026-01-01", "2026-1-2T15:4:5Z"])
def test_timestamps_are_still_refused(text):
    with pytest.raises(StrictYamlError, match=r"f.yaml: line 1: k: value '.*' is a date/timestamp"):
        parse_yaml(f"k: {text}\n".encode(), "f.yaml")


def test_non_finite_floats_are_still_refused():
    assert math.isinf(yaml.safe_load("k: .inf")["k"])
    with pytest.raises(StrictYamlError, match="not a finite number"):
        parse_yaml(b"k: .inf\n", "f.yaml")


def test_name_prefix_no_is_the_string_no_in_the_program_config(tmp_path):
    text = (STACKS_DIR / "Pulumi.dev.yaml").read_text()
    assert "  mlinfra:name_prefix: acme-ml\n" in text
    (tmp_path / "Pulumi.dev.yaml").write_text(text.replace("  mlinfra:name_prefix: acme-ml\n",
                                                          "  mlinfra:name_prefix: no\n"))
    stack = load_stack_file(tmp_path, "dev")
    assert stack.config["mlinfra:name_prefix"] == "no"
