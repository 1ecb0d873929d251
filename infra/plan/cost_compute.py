"""What compute costs in a plan: control planes and node pools, priced from the catalog.

Pure functions of one resource's recorded inputs (and, for GKE, the document's node pools); a
value the plan cannot know raises Unpriced with the reason. Used by infra/plan/cost.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from infra.catalog import accelerators as catalog
from infra.catalog.accelerators import Cloud
from infra.offline.properties import UNKNOWN_PLACEHOLDER as UNKNOWN
from infra.plan.cost_network import Unpriced

SPOT_AS_ON_DEMAND = ("spot price not in the catalog: priced at the on-demand rate, an upper bound "
                     "(spot usually costs less)")


def item(kind: str, detail: str, idle: int, peak: int, unit_hourly: float, source: str, as_of: str,
          note: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "detail": detail, "idleCount": idle, "peakCount": peak,
            "unitUsdPerHour": round(unit_hourly, 8), "idleUsdPerHour": round(unit_hourly * idle, 8),
            "peakUsdPerHour": round(unit_hourly * peak, 8), "source": source, "asOf": as_of,
            **({"note": note} if note else {})}


def eks_control_plane(inputs: dict[str, Any], today: date) -> dict[str, Any]:
    version = inputs.get("version")
    if not isinstance(version, str) or version == UNKNOWN:
        raise Unpriced("Kubernetes version unknown at plan time: standard or extended support price")
    ends = catalog.EKS_STANDARD_SUPPORT_END
    note = None
    if version in ends:
        extended = today.isoformat() > ends[version]
    else:
        newest = max(ends, key=_version_key)
        extended = _version_key(version) < _version_key(min(ends, key=_version_key))
        if _version_key(version) > _version_key(newest):
            note = f"EKS {version} is not in the support calendar (as of " \
                   f"{catalog.EKS_STANDARD_SUPPORT_END_AS_OF}); assumed in standard support"
    price = catalog.EKS_EXTENDED_SUPPORT if extended else catalog.EKS_CONTROL_PLANE
    detail = f"EKS {version} " + (f"extended support (standard ended {ends.get(version, 'earlier')})"
                                  if extended else "standard support")
    return item("control-plane", detail, 1, 1, price.usd_per_hour, price.source, price.as_of, note)


def gke_nodes(document: dict[str, Any]) -> tuple[int, int]:
    """GKE nodes of the whole stack at idle and at peak (what uses its Cloud NAT)."""
    low = high = 0
    for resource in document["resources"]:
        if resource["type"] == "gcp:container/nodePool:NodePool":
            try:
                pool = gke_pool(resource["inputs"])
            except Unpriced as exc:
                raise Unpriced(f"node count of {resource['name']} unknown ({exc})") from exc
            low, high = low + pool["idleCount"], high + pool["peakCount"]
    return low, high


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def gke_pool(inputs: dict[str, Any]) -> dict[str, Any]:
    node_config = inputs.get("nodeConfig") or {}
    machine = node_config.get("machineType")
    if not isinstance(machine, str) or machine == UNKNOWN:
        raise Unpriced("nodeConfig.machineType unknown at plan time")
    spot = bool(node_config.get("spot") or node_config.get("preemptible"))
    auto = inputs.get("autoscaling") or {}
    if "totalMinNodeCount" in auto or "totalMaxNodeCount" in auto:
        low = count(auto.get("totalMinNodeCount", 0), "autoscaling.totalMinNodeCount")
        high = count(auto.get("totalMaxNodeCount"), "autoscaling.totalMaxNodeCount")
        return node_pool(Cloud.GCP, machine, spot, low, high)
    # Per-zone counts: GKE multiplies them by the pool's zone count.
    locations = inputs.get("nodeLocations")
    if not isinstance(locations, list) or not locations or UNKNOWN in locations:
        raise Unpriced("per-zone node counts without nodeLocations: zone count unknown at plan time")
    zones = len(locations)
    if auto:
        low = count(auto.get("minNodeCount", 0), "autoscaling.minNodeCount")
        high = count(auto.get("maxNodeCount"), "autoscaling.maxNodeCount")
    else:
        low = high = count(inputs.get("nodeCount", inputs.get("initialNodeCount", 1)), "nodeCount")
    return node_pool(Cloud.GCP, machine, spot, low * zones, high * zones)


def node_pool(cloud: Cloud, machine: str, spot: bool, low: int, high: int) -> dict[str, Any]:
    found = catalog.machine_price(cloud, machine)
    if found is None:
        raise Unpriced(f"{machine} is not in the catalog's {cloud.value} machine prices")
    price, spot_price = found
    note = None
    hourly = price.usd_per_hour
    if spot and spot_price is not None:
        hourly = spot_price
    elif spot:
        note = SPOT_AS_ON_DEMAND
    capacity = "spot" if spot else "on-demand"
    return item("node-pool", f"{machine} {capacity} x {low}..{high}", low, high, hourly, price.source,
                 price.as_of, note)


def first(values: Any, field: str) -> str:
    if not isinstance(values, list) or not values or not isinstance(values[0], str) or values[0] == UNKNOWN:
        raise Unpriced(f"{field} unknown at plan time")
    return values[0]


def count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Unpriced(f"{field} unknown at plan time (got {value!r})")
    return int(value)
