"""The pure helpers behind the new config rules, tested without the engine."""

from __future__ import annotations

from ipaddress import IPv4Network as Net

import pytest

from components.tags import gcp_labels
from infra.catalog.kubernetes import CLOUD_KUBERNETES_VERSIONS
from infra.config.rules.cidrs import MAX_PUBLIC_ADDRESSES, open_range_problems, public_addresses
from infra.config.rules.physical import STACK_NAME
from infra.config.rules.tags import _aws_tag, gcp_label


def test_private_ranges_count_as_no_public_space():
    assert public_addresses([Net("10.0.0.0/8"), Net("172.16.0.0/12"), Net("192.168.0.0/16")]) == 0
    assert list(open_range_problems("p", [Net("10.0.0.0/8"), Net("100.64.0.0/10")], "x")) == []


def test_overlaps_are_counted_once():
    assert public_addresses([Net("11.0.0.0/8"), Net("11.1.0.0/16"), Net("11.0.0.0/9")]) == MAX_PUBLIC_ADDRESSES


def test_exactly_a_8_of_public_space_is_allowed_and_one_more_range_is_not():
    assert list(open_range_problems("p", [Net("11.0.0.0/8")], "x")) == []
    [(path, _)] = open_range_problems("p", [Net("11.0.0.0/8"), Net("12.0.0.0/24")], "x")
    assert path == "p"


def test_the_whole_internet_is_refused_by_index():
    [(path, message)] = open_range_problems("p", [Net("198.51.100.0/24"), Net("0.0.0.0/0")], "the API")
    assert path == "p.1"
    assert message.startswith("0.0.0.0/0 alone opens the API to 3,702,258,688 public addresses")


@pytest.mark.parametrize("name", ["dev", "staging", "prod", "sandbox", "sandbox-bob-box", "pools-60", "a"])
def test_stack_names_in_use_are_valid(name):
    assert STACK_NAME.fullmatch(name)


@pytest.mark.parametrize("name", ["Dev Copy", "dev_copy", "dev-", "1dev", "dev\n", "", "dév"])
def test_stack_names_that_cannot_be_in_cloud_names_are_not(name):
    assert not STACK_NAME.fullmatch(name)


@pytest.mark.parametrize("text", ["owner", "Cost Center", "x" * 80, "Über.team/ml", "a:b@c"])
def test_the_rules_see_tags_as_the_components_label_them(text):
    assert gcp_labels({text: text}) == {gcp_label(text): gcp_label(text)}


def test_aws_tag_keys_are_1_to_128_characters():
    assert list(_aws_tag("p", "", "v")) == [("p", "an AWS tag key has 1 to 128 characters (got 0)")]
    assert list(_aws_tag("p", "k" * 128, "v")) == []
    assert list(_aws_tag("p", "team", "a|b")) == [
        ("p", "AWS tags allow letters, digits, spaces and + - = . _ : / @ only; remove '|'")]


def test_every_cloud_offers_the_version_the_stacks_default_to():
    assert all("1.35" in versions for versions in CLOUD_KUBERNETES_VERSIONS.values())
