"""What reserved GPU capacity costs while no node uses it: the idle part of a reservation.

A reservation is billed whether nodes run in it or not; a node running in it is billed once, as the
node (the node-pool item). So the reservation's own item is the reserved machines no node uses:
`reserved - min_nodes` when the pool idles, `reserved - max_nodes` (never below 0) at its peak.

"Capacity Reservations are charged at the equivalent On-Demand rate whether you run instances in
reserved capacity or not ... if you create a Capacity Reservation for 20 m4.large Linux instances and
run 15 ... you will be charged for 15 active instances and for 5 unused instances in the reservation"
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-reservations-pricing-billing.html, read
2026-12-07). Capacity Blocks are paid up front at their own price, which the catalog does not hold:
they are priced at the on-demand rate with a note. Compute Engine reservations are priced the same
way (the reserved machines at the on-demand rate).

The reserved count travels in the plan as the node group's `mlinfra:reserved-nodes` tag (EKS) or the
node pool's `mlinfra-reserved-nodes` resource label (GKE). Hooked into infra/plan/cost.py by
`reservation_items`. (infra/plan/cost_reservations.py prices reservations a stack creates as resources.)
"""

from __future__ import annotations

from typing import Any

from infra.catalog import accelerators as catalog
from infra.catalog.accelerators import Cloud
from infra.plan.cost_compute import item
from infra.plan.cost_network import HOURS_PER_MONTH

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
NODE_POOL = "gcp:container/nodePool:NodePool"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
AWS_TAG = "mlinfra:reserved-nodes"
GCP_LABEL = "mlinfra-reserved-nodes"
BLOCK_NOTE = ("Capacity Block price not in the catalog (paid up front at its own rate): its unused part is priced at "
              "the on-demand rate")


def _count(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _capacity_block(document: dict[str, Any], group: dict[str, Any]) -> bool:
    urns = set(group.get("propertyDependencies", {}).get("launchTemplate", []))
    for resource in document["resources"]:
        if resource["urn"] in urns and resource["type"] == LAUNCH_TEMPLATE:
            return resource["inputs"].get("instanceMarketOptions", {}).get("marketType") == "capacity-block"
    return False


def _reservation(cloud: Cloud, name: str, machine: Any, reserved: int, low: Any, high: Any,
                 note: str | None = None) -> dict[str, Any] | None:
    if not isinstance(machine, str) or not isinstance(low, int) or not isinstance(high, int):
        return None
    found = catalog.machine_price(cloud, machine)
    if found is None:
        return None
    price = found[0]
    idle, peak = max(0, reserved - low), max(0, reserved - high)
    line = item("reservation", f"{machine} reserved x {reserved}, unused: {idle} idle, {peak} at peak",
                idle, peak, price.usd_per_hour, price.source, price.as_of, note)
    line["name"] = name
    return line


def reservation_items(document: dict[str, Any]) -> list[dict[str, Any]]:
    """A cost item per reserved pool for the reserved machines no node uses (monthly figures included)."""
    items = []
    for resource in document["resources"]:
        inputs = resource["inputs"]
        if resource["type"] == NODE_GROUP:
            reserved = _count((inputs.get("tags") or {}).get(AWS_TAG))
            scaling = inputs.get("scalingConfig", {})
            types = inputs.get("instanceTypes") or [None]
            note = BLOCK_NOTE if reserved and _capacity_block(document, resource) else None
            line = reserved and _reservation(Cloud.AWS, resource["name"], types[0], reserved,
                                             scaling.get("minSize"), scaling.get("maxSize"), note)
        elif resource["type"] == NODE_POOL:
            config = inputs.get("nodeConfig", {})
            reserved = _count((config.get("resourceLabels") or {}).get(GCP_LABEL))
            scaling = inputs.get("autoscaling", {})
            line = reserved and _reservation(Cloud.GCP, resource["name"], config.get("machineType"), reserved,
                                             scaling.get("totalMinNodeCount"), scaling.get("totalMaxNodeCount"))
        else:
            continue
        if line:
            for scenario in ("idle", "peak"):
                line[f"{scenario}UsdPerMonth"] = round(line[f"{scenario}UsdPerHour"] * HOURS_PER_MONTH, 2)
            items.append({"type": resource["type"], "urn": resource["urn"], **line})
    return items
