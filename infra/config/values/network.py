"""Address ranges a cloud network, a control plane or an allowlist cannot use, and allowlist sizes.

Ranges that are never a network's own (checked with Python's `ipaddress`, which follows the IANA IPv4
Special-Purpose Address Registry, RFC 6890): "this network" 0.0.0.0/8 (RFC 1122 3.2.1.3), loopback
127.0.0.0/8, link-local 169.254.0.0/16 (the cloud metadata service lives there), multicast 224.0.0.0/4, and
the reserved 240.0.0.0/4 including the broadcast address. VPCs, subnets and GKE control-plane ranges must
be private-use ranges in practice; these are the ones no cloud accepts, and an allowlist entry in them
admits nobody (or, for 0.0.0.0/8, reads as "everyone" to some tools).

Allowlist sizes, read 2026-12-07:
- EKS public endpoint: at most 40 CIDR blocks (aws/containers-roadmap#2174, "the EKS Network configuration
  allows only 40 CIDR blocks", and #1349 "EKS access lists are limited to 40 CIDRs").
- GKE authorized networks: "Public clusters can have up to 50 authorized network CIDR ranges; private
  clusters can have up to 100" (https://cloud.google.com/kubernetes-engine/docs/how-to/authorized-networks,
  Limitations). mlinfra's public_access_cidrs and master_authorized_networks both become authorized
  networks; the lower limit, 50, is the one every cluster shape accepts.
"""

from __future__ import annotations

from ipaddress import IPv4Network

EKS_PUBLIC_ACCESS_CIDRS_MAX = 40
GKE_AUTHORIZED_NETWORKS_MAX = 50
# The IANA IPv4 Special-Purpose Address Registry's blocks no host or subnet of a cloud network may have
# (https://www.iana.org/assignments/iana-ipv4-special-registry/, RFC 6890; the same blocks Python's
# ipaddress calls is_unspecified/is_loopback/is_link_local/is_multicast/is_reserved).
SPECIAL_BLOCKS: tuple[tuple[IPv4Network, str], ...] = (
    (IPv4Network("0.0.0.0/8"), '"this network" (RFC 1122 3.2.1.3), which no host has'),
    (IPv4Network("127.0.0.0/8"), "loopback: it never leaves a machine"),
    (IPv4Network("169.254.0.0/16"), "link-local, where the cloud's metadata service lives"),
    (IPv4Network("224.0.0.0/4"), "multicast: no host or subnet has such an address"),
    (IPv4Network("240.0.0.0/4"), "reserved (with the broadcast address): no cloud routes it"),
)


def unusable_range_problem(network: IPv4Network, allowlist: bool = False) -> str | None:
    """Why `network` can be no VPC, subnet or control-plane range (any overlap with a special block), or,
    with `allowlist`, no allowlist entry (lying wholly inside one; a wide entry that merely covers one is
    judged by how much of the internet it opens, infra/config/rules/cidrs.py). None when it can."""
    for block, why in SPECIAL_BLOCKS:
        if network.subnet_of(block) if allowlist else network.overlaps(block):
            return f"{network} {'is in' if network.subnet_of(block) else 'overlaps'} {block}, {why}"
    return None


def allowlist_size_problem(count: int, limit: int, what: str) -> str | None:
    """Why `count` entries are more than `what` takes, or None."""
    if count > limit:
        return f"{what} takes at most {limit} CIDR ranges (got {count}); merge neighbouring ranges"
    return None
