"""Launch-template pieces every EKS node shares: IMDSv2 with hop limit 1, encrypted gp3, no public IP."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

# Hop limit 1 keeps pods (one hop further away) from reaching the node's instance credentials.
METADATA_OPTIONS = {"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": 1}


def root_volume(disk_gib: int) -> list[dict]:
    """An encrypted gp3 root volume of `disk_gib`."""
    return [{"device_name": "/dev/xvda",
             "ebs": {"volume_size": disk_gib, "volume_type": "gp3", "encrypted": "true",
                     "delete_on_termination": "true"}}]


def plain_interface() -> list[dict]:
    """One interface without a public address."""
    return [{"associate_public_ip_address": "false", "delete_on_termination": "true"}]


def efa_interfaces(count: int, security_group_ids: pulumi.Input[Sequence[str]]) -> list[dict]:
    """One EFA interface per network card; only the first is the node's primary interface."""
    if count < 1:
        raise ValueError(f"an EFA node needs at least one EFA interface (got {count})")
    return [{"network_card_index": card, "device_index": 0 if card == 0 else 1, "interface_type": "efa",
             "security_groups": security_group_ids, "delete_on_termination": "true"}
            for card in range(count)]
