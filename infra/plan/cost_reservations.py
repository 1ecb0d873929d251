"""What reserved GPU capacity costs: billed whether anything runs in it or not.

For the compute platform (issue 32: On-Demand Capacity Reservations and Capacity Blocks on AWS, specific
reservations on GCP). Two entry points:

- `reservation_item(...)`: the idle cost of a reservation by itself (every reserved instance at the
  on-demand rate of its machine in its region), the same at idle and at peak.
- `reserved_pool_item(...)`: a node pool that launches into a reservation: the reserved instances are paid
  for even at min size, and nodes beyond the reservation at the on-demand rate; nodes inside it cost
  nothing more.

Billing facts, read 2026-12-07:
- GCP: "You're charged for the reserved resources at the same on-demand rate as running VMs ... until the
  reservation is deleted. A VM consuming a reservation doesn't incur separate charges."
  (docs.cloud.google.com/vertex-ai/docs/predictions/use-reservations, pointing at Compute Engine's
  "pricing for reservations").
- AWS On-Demand Capacity Reservations: "billed at the On-Demand rate for every reserved instance, whether
  or not an instance is running in it. AWS bills the empty part separately as unused capacity"
  (help.nops.io/inform/supported-recommendations/cancel-unused-capacity-reservation; the AWS page itself
  was not in the stored copies).
- AWS Capacity Blocks for ML: priced per block when bought, a price no stored source gave: unpriced unless
  the snapshot has an `aws:ec2-capacity-block:<instance type>` row for the region.
"""

from __future__ import annotations

from typing import Any

from infra.catalog import price_snapshot
from infra.catalog.accelerators import Cloud
from infra.plan.cost_compute import item, machine_family
from infra.plan.cost_network import Unpriced
from infra.plan.cost_regions import HOME_REGIONS, price_row

KINDS = ("capacity-reservation", "capacity-block", "gcp-reservation")
BILLING = {
    "capacity-reservation": "an On-Demand Capacity Reservation is billed at the on-demand rate for every reserved "
                            "instance, used or not",
    "gcp-reservation": "a Compute Engine reservation is billed at the on-demand rate of its VMs until deleted, "
                       "used or not; VMs consuming it cost nothing more",
    "capacity-block": "a Capacity Block is paid for the whole block when bought, used or not",
}


def _rate(cloud: Cloud, machine: str, region: str | None, kind: str) -> price_snapshot.PriceRow:
    if kind not in KINDS:
        raise ValueError(f"reservation kind must be one of {', '.join(KINDS)} (got {kind!r})")
    if kind == "capacity-block":
        family = f"aws:ec2-capacity-block:{machine}"
        row = price_snapshot.load().find(family, region or HOME_REGIONS["aws"])
        if row is None or not row.priced:
            raise Unpriced(f"Capacity Block for {machine}: its price is set per block when bought and no source "
                           f"read gives it (no {family} row in infra/catalog/prices.json); reserved capacity is "
                           "billed whether used or not, so the estimate cannot be complete")
        return row
    return price_row(machine_family(cloud, machine), cloud.value, region)[0]


def reservation_item(cloud: Cloud, machine: str, region: str | None, reserved: int, kind: str) -> dict[str, Any]:
    """The cost item of a reservation of `reserved` instances of `machine`: its idle cost, billed at idle and peak.

    Raises Unpriced (with the reason) when the snapshot has no price for it in `region`.
    """
    row = _rate(cloud, machine, region, kind)
    return item("reservation", f"{machine} {kind} x {reserved} (billed used or not)", reserved, reserved,
                row.usd or 0.0, row.source, row.as_of, BILLING[kind], row.basis)


def reserved_pool_item(cloud: Cloud, machine: str, region: str | None, reserved: int, low: int, high: int,
                       kind: str) -> dict[str, Any]:
    """A node pool of `low`..`high` nodes launching into a reservation of `reserved` instances.

    Idle pays for the whole reservation even at zero nodes; peak pays the reservation plus any nodes above it.
    """
    row = _rate(cloud, machine, region, kind)
    idle, peak = max(reserved, low), max(reserved, high)
    note = f"{BILLING[kind]}: {reserved} reserved, so idle is never below {reserved} x the rate"
    return item("node-pool", f"{machine} {kind} ({reserved} reserved) x {low}..{high}", idle, peak, row.usd or 0.0,
                row.source, row.as_of, note, row.basis)


def reservation_from_inputs(rtype: str, inputs: dict[str, Any], region: str | None) -> dict[str, Any]:
    """The cost item of a reservation resource from its recorded inputs (AWS or GCP)."""
    if rtype == "aws:ec2/capacityReservation:CapacityReservation":
        machine, count = inputs.get("instanceType"), inputs.get("instanceCount")
        cloud, kind = Cloud.AWS, "capacity-reservation"
    else:
        specific = inputs.get("specificReservation") or {}
        machine = (specific.get("instanceProperties") or {}).get("machineType")
        count, cloud, kind = specific.get("count"), Cloud.GCP, "gcp-reservation"
    if not isinstance(machine, str) or isinstance(count, bool) or not isinstance(count, int):
        raise Unpriced(f"reservation machine type or count unknown at plan time (got {machine!r}, {count!r})")
    return reservation_item(cloud, machine, region, count, kind)


RESERVATION_TYPES = ("aws:ec2/capacityReservation:CapacityReservation", "gcp:compute/reservation:Reservation")
