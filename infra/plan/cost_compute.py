"""What compute costs in a plan: control planes and node pools, priced from the catalog.

Pure functions of one resource's recorded inputs (and, for GKE, the document's node pools); a
value the plan cannot know raises Unpriced with the reason. Used by infra/plan/cost.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from infra.catalog import accelerators as catalog
from infra.catalog import price_snapshot
from infra.catalog.accelerators import Cloud
from infra.offline.properties import UNKNOWN_PLACEHOLDER as UNKNOWN
from infra.plan.cost_network import Unpriced
from infra.plan.cost_regions import HOME_REGIONS, price_row

SPOT_AS_ON_DEMAND = ("spot estimate: no spot price for this machine in any region of the price snapshot, so "
                     "priced at the on-demand rate, an upper bound (spot usually costs less)")


def item(kind: str, detail: str, idle: int, peak: int, unit_hourly: float, source: str, as_of: str,
          note: str | None = None, basis: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "detail": detail, "idleCount": idle, "peakCount": peak,
            "unitUsdPerHour": round(unit_hourly, 8), "idleUsdPerHour": round(unit_hourly * idle, 8),
            "peakUsdPerHour": round(unit_hourly * peak, 8), "source": source, "asOf": as_of,
            **({"note": note} if note else {}), **({"basis": basis} if basis else {})}


def eks_control_plane(inputs: dict[str, Any], today: date, region: str | None = None) -> dict[str, Any]:
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
    family = "aws:eks/cluster:Cluster" + ("#extended-support" if extended else "")
    row, region_note = price_row(family, "aws", region)
    detail = f"EKS {version} " + (f"extended support (standard ended {ends.get(version, 'earlier')})"
                                  if extended else "standard support")
    note = "; ".join(filter(None, [note, region_note])) or None
    return item("control-plane", detail, 1, 1, row.usd or 0.0, row.source, row.as_of, note, row.basis)


def gke_nodes(document: dict[str, Any]) -> tuple[int, int]:
    """GKE nodes of the whole stack at idle and at peak (what uses its Cloud NAT)."""
    low = high = 0
    for resource in document["resources"]:
        if resource["type"] == "gcp:container/nodePool:NodePool":
            try:
                _, _, pool_low, pool_high = gke_pool_size(resource["inputs"])
            except Unpriced as exc:
                raise Unpriced(f"node count of {resource['name']} unknown ({exc})") from exc
            low, high = low + pool_low, high + pool_high
    return low, high


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def gke_pool(inputs: dict[str, Any], region: str | None = None) -> dict[str, Any]:
    """A GKE node pool priced in `region`."""
    machine, spot, low, high = gke_pool_size(inputs)
    return node_pool(Cloud.GCP, machine, spot, low, high, region)


def gke_pool_size(inputs: dict[str, Any]) -> tuple[str, bool, int, int]:
    """Machine type, spot or not, and node counts at idle and peak (all zones) of a GKE node pool."""
    node_config = inputs.get("nodeConfig") or {}
    machine = node_config.get("machineType")
    if not isinstance(machine, str) or machine == UNKNOWN:
        raise Unpriced("nodeConfig.machineType unknown at plan time")
    spot = bool(node_config.get("spot") or node_config.get("preemptible"))
    auto = inputs.get("autoscaling") or {}
    if "totalMinNodeCount" in auto or "totalMaxNodeCount" in auto:
        low = count(auto.get("totalMinNodeCount", 0), "autoscaling.totalMinNodeCount")
        high = count(auto.get("totalMaxNodeCount"), "autoscaling.totalMaxNodeCount")
        return machine, spot, low, high
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
    return machine, spot, low * zones, high * zones


def machine_family(cloud: Cloud, machine: str) -> str:
    """The price family of a machine type (infra/catalog/prices.json)."""
    return f"{'aws:ec2' if cloud == Cloud.AWS else 'gcp:compute'}:{machine}"


def node_pool(cloud: Cloud, machine: str, spot: bool, low: int, high: int, region: str | None = None) -> dict[str, Any]:
    """A node pool priced from the snapshot: on-demand, or spot from a spot row or a labelled estimate."""
    family = machine_family(cloud, machine)
    if catalog.machine_price(cloud, machine) is None and not price_snapshot.load().regions_of(family):
        raise Unpriced(f"{machine} is not in the catalog's {cloud.value} machine prices")
    row, note = price_row(family, cloud.value, region)
    hourly, source, as_of, basis = row.usd or 0.0, row.source, row.as_of, row.basis
    if spot:
        hourly, spot_note, basis, source, as_of = spot_price(family, region or HOME_REGIONS[cloud.value], row)
        note = "; ".join(filter(None, [note, spot_note]))
    capacity = "spot" if spot else "on-demand"
    return item("node-pool", f"{machine} {capacity} x {low}..{high}", low, high, hourly, source, as_of,
                note or None, basis)


def spot_price(family: str, region: str, on_demand: price_snapshot.PriceRow) -> tuple[float, str | None, str, str, str]:
    """Hourly spot price, note, basis, source and date: the snapshot's spot row for the region, else an
    estimate from the same machine's spot/on-demand ratio in the snapshot's other regions, else on-demand."""
    snapshot = price_snapshot.load()
    row = snapshot.find(family, region, "spot")
    if row is not None and row.priced:
        return (row.usd or 0.0, f"spot price observed {row.as_of} (spot prices move; a snapshot, not a quote)",
                row.basis, row.source, row.as_of)
    ratios = []
    for spot in (r for r in snapshot.rows if r.family == family and r.capacity == "spot" and r.priced):
        paired = snapshot.find(family, spot.region, "on-demand")
        if paired is not None and paired.priced and paired.usd:
            ratios.append((spot.region, (spot.usd or 0.0) / paired.usd, spot))
    od = on_demand.usd or 0.0
    if not ratios:
        return od, SPOT_AS_ON_DEMAND, "spot-estimate", on_demand.source, on_demand.as_of
    ratio = max(r for _, r, _ in ratios)  # the least discount seen: an estimate that errs high
    regions = ", ".join(sorted(region for region, _, _ in ratios))
    dates = sorted({s.as_of for _, _, s in ratios})
    note = (f"spot estimate: no spot price for {region} in the snapshot; on-demand x {ratio:.3f}, the highest "
            f"spot/on-demand ratio of this machine in {regions} (spot rows as of {', '.join(dates)})")
    return od * ratio, note, "spot-estimate", on_demand.source, on_demand.as_of


def first(values: Any, field: str) -> str:
    if not isinstance(values, list) or not values or not isinstance(values[0], str) or values[0] == UNKNOWN:
        raise Unpriced(f"{field} unknown at plan time")
    return values[0]


def count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Unpriced(f"{field} unknown at plan time (got {value!r})")
    return int(value)
