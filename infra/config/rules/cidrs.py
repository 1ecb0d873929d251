"""How much of the public internet a list of CIDR ranges lets in, and the ban on too much of it.

`0.0.0.0/0` is not the only way to open an API to the world: `[0.0.0.0/1, 128.0.0.0/1]` does the
same. So an allowlist is judged by what it covers once merged, not by its literal entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from ipaddress import IPv4Network, collapse_addresses

# Blocks that are not globally reachable, so allowing them exposes nothing to the internet: the
# "Globally Reachable: False" entries of the IANA IPv4 Special-Purpose Address Registry
# (https://www.iana.org/assignments/iana-ipv4-special-registry/iana-ipv4-special-registry.xml, RFC 6890,
# read 2026-11-29), plus multicast 224.0.0.0/4, which no TCP client connects from. An internal VPN
# range such as 10.0.0.0/8 in an allowlist is common and harmless.
NOT_PUBLIC: tuple[IPv4Network, ...] = tuple(IPv4Network(block) for block in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
))
# The most public address space an allowlist may open: one /8, 16,777,216 addresses, the size of the
# largest blocks ever assigned to a single organisation. An office, VPN or CI egress list is many orders
# of magnitude smaller; anything above this is "most of the internet" written in pieces, which is what the
# 0.0.0.0/0 ban exists to stop.
MAX_PUBLIC_ADDRESSES = IPv4Network("0.0.0.0/8").num_addresses


def public_addresses(ranges: Iterable[IPv4Network]) -> int:
    """How many globally reachable addresses the ranges cover together, overlaps counted once."""
    total = 0
    for network in collapse_addresses(ranges):
        total += network.num_addresses
        # NOT_PUBLIC blocks never overlap each other, so each one inside `network` is subtracted once.
        for block in NOT_PUBLIC:
            if block.overlaps(network):
                inner = block if block.subnet_of(network) else network
                total -= inner.num_addresses
    return total


def open_range_problems(path: str, ranges: list[IPv4Network], what: str) -> Iterator[tuple[str, str]]:
    """Entries that alone open more than MAX_PUBLIC_ADDRESSES of the internet to `what`, each by index;
    else one problem for the whole list when its entries do so together."""
    alone = False
    for index, network in enumerate(ranges):
        public = public_addresses([network])
        if public > MAX_PUBLIC_ADDRESSES:
            alone = True
            yield (f"{path}.{index}", f"{network} alone opens {what} to {_amount(public)}; {FIX} (got {network})")
    public = public_addresses(ranges)
    if not alone and public > MAX_PUBLIC_ADDRESSES:
        listed = ", ".join(str(r) for r in ranges)
        yield (path, f"together these ranges open {what} to {_amount(public)}; {FIX} (got {listed})")


FIX = "list only the office, VPN or CI ranges that need access"


def _amount(public: int) -> str:
    return (f"{public:,} public addresses ({public / 2**32:.0%} of the internet; more than a /8 counts as open "
            "to the world, like 0.0.0.0/0)")
