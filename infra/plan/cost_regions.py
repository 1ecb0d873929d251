"""The region each resource of a plan document is billed in, and whether the catalog prices it there.

The plan document records what the program passed: a resource's own region or location input, its
key ring's location (Cloud KMS keys), or the region of the explicit provider it was created with.
Kubernetes objects carry no region; a GKE Gateway is billed in the stack's Google Cloud region.
"""

from __future__ import annotations

import re
from typing import Any

from infra.catalog import price_snapshot
from infra.catalog.price_snapshot import PriceRow
from infra.offline.properties import UNKNOWN_PLACEHOLDER as UNKNOWN
from infra.plan.cost_network import Unpriced

_REGION = re.compile(r"[a-z]+(-[a-z]+)+-?[0-9]+")  # us-east-1, us-central1, europe-west4
_CLOUDS = ("aws", "gcp")


class RegionIndex:
    """Looks up the billing region of any resource of one plan document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._by_urn = {r["urn"]: r for r in document["resources"]}
        providers = [r for r in document["resources"] if r["type"].startswith("pulumi:providers:")]
        self._provider_region = {p["urn"]: _region_value((p.get("inputs") or {}).get("region")) for p in providers}
        # The one region a cloud's explicit providers name in this stack (None: none, or several).
        self.stack_region: dict[str, str | None] = {}
        for cloud in _CLOUDS:
            named = {region for p in providers if p["type"] == f"pulumi:providers:{cloud}"
                     and (region := self._provider_region[p["urn"]])}
            self.stack_region[cloud] = named.pop() if len(named) == 1 else None

    def region_of(self, resource: dict[str, Any]) -> str | None:
        """The resource's billing region, or None when the document does not record it."""
        inputs = resource.get("inputs") or {}
        for field in ("region", "location"):
            found = _region_value(inputs.get(field))
            if found:
                return found
        for ring_urn in (resource.get("propertyDependencies") or {}).get("keyRing", []):
            ring = self._by_urn.get(ring_urn)
            if ring is not None and (found := _region_value((ring.get("inputs") or {}).get("location"))):
                return found
        provider = resource.get("provider")
        if provider:
            found = self._provider_region.get(provider.rsplit("::", 1)[0])
            if found:
                return found
        if resource["type"].startswith("kubernetes:gateway.networking.k8s.io/"):
            return self.stack_region["gcp"]
        return self.stack_region.get(cloud_of(resource["type"]))


def cloud_of(rtype: str) -> str:
    """The cloud billing a resource type: its provider package, GKE for Kubernetes Gateways."""
    package = rtype.split(":", 1)[0]
    return "gcp" if package == "kubernetes" else package


HOME_REGIONS = {"aws": "us-east-1", "gcp": "us-central1"}  # where a region-less resource is priced


def price_row(family: str, cloud: str, region: str | None, capacity: str = "on-demand") -> tuple[PriceRow, str | None]:
    """The snapshot row pricing `family` in `region`, and a note when it needs one; Unpriced when none does.

    A resource whose region the plan does not record is priced at the cloud's home region, and says so.
    """
    snapshot = price_snapshot.load()
    note = None
    if region is None:
        region = HOME_REGIONS[cloud]
        note = f"region not recorded in the plan: priced at the snapshot's {region} rate"
    row = snapshot.find(family, region, capacity)
    if row is None:
        known = snapshot.regions_of(family, capacity)
        where = f"it has {family} {capacity} prices for {', '.join(known)}" if known else f"it has no {family} price"
        raise Unpriced(f"no {capacity} price for {region} in the price snapshot (infra/catalog/prices.json): {where}")
    if not row.priced:
        raise Unpriced(row.reason or "unpriced in the price snapshot")
    if row.region == price_snapshot.EVERY_REGION and region != HOME_REGIONS[cloud] and region != "global":
        every = f"priced in {region} at the one price {row.source} gives for every region"
        note = "; ".join(filter(None, [note, every]))
    return row, note


def check_region(family: str, cloud: str, region: str | None) -> str | None:
    """Raise Unpriced when the snapshot has no price for `family` in `region`; else a note or None."""
    return price_row(family, cloud, region)[1]


OBSERVABILITY_FAMILY = {"aws:eks/cluster:Cluster": "aws:amp/ingestion",
                        "gcp:container/cluster:Cluster": "gcp:gmp/ingestion"}


def price_family(rtype: str, inputs: dict[str, Any]) -> str:
    """The price family of a resource (infra/catalog/prices.json): what its price depends on."""
    if rtype == "aws:eks/nodeGroup:NodeGroup":
        types = inputs.get("instanceTypes")
        return f"aws:ec2:{types[0] if isinstance(types, list) and types else None}"
    if rtype == "gcp:container/nodePool:NodePool":
        return f"gcp:compute:{(inputs.get('nodeConfig') or {}).get('machineType')}"
    if rtype == "aws:ec2/capacityReservation:CapacityReservation":
        return f"aws:ec2:{inputs.get('instanceType')}"
    if rtype == "gcp:compute/reservation:Reservation":
        properties = ((inputs.get("specificReservation") or {}).get("instanceProperties") or {})
        return f"gcp:compute:{properties.get('machineType')}"
    if rtype == "kubernetes:gateway.networking.k8s.io/v1:Gateway":
        return f"gateway:{(inputs.get('spec') or {}).get('gatewayClassName')}"
    return rtype


def _region_value(value: Any) -> str | None:
    if isinstance(value, str) and value != UNKNOWN and _REGION.fullmatch(value):
        return value
    return None
