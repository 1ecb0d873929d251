"""Reserved address ranges, allowlist sizes and CloudWatch retention values, as pure functions."""

from ipaddress import IPv4Network

import pytest

from infra.config.values.network import allowlist_size_problem, unusable_range_problem
from infra.config.values.retention import CLOUDWATCH_RETENTION_DAYS, cloudwatch_retention_problem


@pytest.mark.parametrize("cidr, block", [("0.0.0.0/16", "0.0.0.0/8"), ("127.0.0.0/16", "127.0.0.0/8"),
                                         ("169.254.0.0/20", "169.254.0.0/16"), ("224.1.0.0/16", "224.0.0.0/4"),
                                         ("240.0.0.0/16", "240.0.0.0/4"), ("255.255.255.255/32", "240.0.0.0/4")])
def test_special_blocks_are_unusable_for_networks_and_allowlists(cidr, block):
    for allowlist in (False, True):
        assert unusable_range_problem(IPv4Network(cidr), allowlist).startswith(f"{cidr} is in {block}, ")


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "172.16.0.0/28", "192.168.0.0/16", "100.64.0.0/10", "8.8.8.0/24"])
def test_ordinary_ranges_are_usable(cidr):
    assert unusable_range_problem(IPv4Network(cidr)) is None


def test_a_network_overlapping_a_block_is_refused_but_a_wide_allowlist_entry_is_left_to_the_open_range_rule():
    assert unusable_range_problem(IPv4Network("0.0.0.0/4")).startswith("0.0.0.0/4 overlaps 0.0.0.0/8")
    assert unusable_range_problem(IPv4Network("0.0.0.0/0"), allowlist=True) is None


def test_allowlist_sizes():
    assert allowlist_size_problem(40, 40, "an EKS public endpoint") is None
    assert allowlist_size_problem(41, 40, "an EKS public endpoint") == (
        "an EKS public endpoint takes at most 40 CIDR ranges (got 41); merge neighbouring ranges")


def test_retention_values_are_cloudwatchs_own():
    assert all(cloudwatch_retention_problem(days) is None for days in CLOUDWATCH_RETENTION_DAYS)
    assert cloudwatch_retention_problem(4).endswith("use 3 or 5 (got 4)")
    assert cloudwatch_retention_problem(3650).endswith("use 3288 or 3653 (got 3650)")
    assert cloudwatch_retention_problem(0).endswith("use 1 (got 0)")
