"""Cost model over a plan document: hourly and monthly cost at idle (min sizes) and peak (max sizes).

It reads only the plan document (camelCase inputs, as recorded), so it prices exactly what the
program would create. Every price carries its source and date; a resource that costs money but
cannot be priced is listed as unpriced with the reason, never counted as zero. The budget check
is a pure function so the policy pack can call it too.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from infra.catalog import accelerators as catalog
from infra.catalog.accelerators import Cloud
from infra.catalog.network_prices import ECR_STORAGE, NetRate
from infra.config.plan_clock import PlanTimeError, pinned_time
from infra.plan import cost_compute as compute
from infra.plan import cost_datasets as datasets
from infra.plan import cost_network as network
from infra.plan.cost_coverage import coverage, prices_as_of
from infra.plan.cost_disks import disk_lines
from infra.plan.cost_network import HOURS_PER_MONTH, Unpriced
from infra.plan.cost_regions import OBSERVABILITY_FAMILY, RegionIndex, check_region, cloud_of, price_family, price_row
from infra.plan.cost_reservations import RESERVATION_TYPES, reservation_from_inputs
from infra.plan.cost_reserved_pools import reservation_items
from infra.plan.cost_types import FREE, NO_PRICE_YET
from infra.plan.observability_cost import observability_items

REGION_NOTE = ("prices come from the price snapshot (infra/catalog/prices.json), one row per machine or item, "
               "region and capacity with its source and date; a resource whose region has no row there is listed "
               "as unpriced, never priced at another region's rate")

# Billed, but not in any estimate yet: said with every estimate, so no total reads as the whole bill.
NOT_MODELLED = ("not modelled (billed, volume unknown to the plan): data transfer the plan does not declare "
                "(internet egress of workloads, inter-zone traffic between nodes); declared dataset copies and "
                "cross-region reads are priced (datasets lines)")
# Types that cost nothing by themselves, with the reason (cost_types.FREE): never listed.
FREE_TYPES = frozenset(FREE)
# Types billed by volume the plan cannot know: listed with their unit price, no volume assumed.
USAGE_RATES: dict[str, catalog.Rate | NetRate] = {
    "aws:s3/bucket:Bucket": catalog.S3_STANDARD,
    "aws:s3/bucketV2:BucketV2": catalog.S3_STANDARD,
    "gcp:storage/bucket:Bucket": catalog.GCS_STANDARD,
    "aws:cloudwatch/logGroup:LogGroup": catalog.CLOUDWATCH_LOGS,
    "aws:ecr/repository:Repository": ECR_STORAGE,
}
FIXED_RATES: dict[str, tuple[str, catalog.Rate]] = {
    "aws:ec2/natGateway:NatGateway": ("nat", catalog.NAT_GATEWAY_AWS),
    "aws:ec2/eip:Eip": ("public-ip", catalog.PUBLIC_IPV4_AWS),
    "aws:kms/key:Key": ("kms-key", catalog.KMS_KEY_AWS),
    "gcp:kms/cryptoKey:CryptoKey": ("kms-key", catalog.KMS_KEY_GCP),
}


class PriceDateError(ValueError):
    """MLINFRA_PRICE_DATE is not a date written YYYY-MM-DD, or MLINFRA_PLAN_TIME (its default) no moment."""


LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
NETWORK_PRICERS = {
    "kubernetes:gateway.networking.k8s.io/v1:Gateway": network.gateway,
    "gcp:compute/address:Address": network.gcp_address,
    "gcp:compute/globalAddress:GlobalAddress": network.gcp_address,
    "aws:ec2/vpcEndpoint:VpcEndpoint": network.vpc_endpoint,
    "aws:wafv2/webAcl:WebAcl": network.web_acl,
}


def _load_balancer(inputs: dict[str, Any]) -> dict[str, Any]:
    """ALB/NLB hours plus the capacity units assumed (usage the plan cannot know)."""
    base = catalog.LOAD_BALANCER_AWS
    lcu, words, rate = network.load_balancer_capacity(inputs)
    note = f"load balancer capacity: {words} at {rate.usd} USD/{rate.unit} ({rate.source}; estimate)"
    return compute.item("load-balancer", f"{base.usd} USD/hour + {words}", 1, 1, base.usd + lcu, base.source,
                 base.as_of, note)


def price_date() -> date:
    """The day prices are for: MLINFRA_PRICE_DATE (YYYY-MM-DD), else the plan clock's UTC day when
    MLINFRA_PLAN_TIME pins it (one instant for a whole diff), else today."""
    pinned = os.environ.get("MLINFRA_PRICE_DATE")
    if not pinned:
        try:
            clock = pinned_time()
        except PlanTimeError as exc:
            raise PriceDateError(str(exc)) from None
        return date.today() if clock is None else datetime.fromtimestamp(clock, UTC).date()
    try:
        # The pattern first: fromisoformat also takes 20261129 and 2026-W48-7, which no one means here.
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", pinned):
            return date.fromisoformat(pinned)
    except ValueError:
        pass
    raise PriceDateError(f"MLINFRA_PRICE_DATE={pinned!r} is not a date: expected YYYY-MM-DD, e.g. 2026-11-29 "
                         "(or unset it to price at today's date)")


KIND_ORDER = ("control-plane", "node-pool", "node-disk", "reservation", "nat", "public-ip", "load-balancer", "endpoint",
              "firewall", "kms-key", "observability", "datasets")


def estimate(document: dict[str, Any], today: date | None = None,
             scrape_interval_seconds: int | None = None) -> dict[str, Any]:
    """The cost object of a plan document (its `cost` field).

    `scrape_interval_seconds`: the stack's metrics scrape interval when observability is on (None: off),
    which adds each cluster's managed-Prometheus ingestion (infra.plan.observability_cost).
    """
    today = today or price_date()
    regions = RegionIndex(document)
    items: list[dict[str, Any]] = []
    usage: list[dict[str, Any]] = []
    unpriced: list[dict[str, Any]] = []
    for resource in document["resources"]:
        rtype = resource["type"]
        if (not resource["custom"] or rtype.startswith("pulumi:providers:") or rtype in FREE_TYPES
                or rtype in datasets.TYPES):  # priced by infra.plan.cost_datasets below
            continue
        ref = {"name": resource["name"], "type": rtype, "urn": resource["urn"]}
        if rtype in NO_PRICE_YET:
            unpriced.append({**ref, "reason": NO_PRICE_YET[rtype]})
            continue
        region_note = None
        region = regions.region_of(resource)
        try:
            item = None if rtype in USAGE_RATES else _price(rtype, resource["inputs"], today, document, region)
            # After pricing, so what is free (a gateway endpoint) or unpriced for its own reason says so.
            if item is not None or rtype in USAGE_RATES:
                region_note = check_region(price_family(rtype, resource["inputs"]), cloud_of(rtype), region)
        except Unpriced as exc:
            unpriced.append({**ref, "reason": str(exc)})
            continue
        if rtype in USAGE_RATES:
            row, _ = price_row(rtype, cloud_of(rtype), region)
            usage.append({**ref, "usd": row.usd, "unit": USAGE_RATES[rtype].unit, "source": row.source,
                          "asOf": row.as_of, **({"note": region_note} if region_note else {})})
            continue
        if item is not None and region_note and region_note not in item.get("note", ""):
            item["note"] = "; ".join(filter(None, [item.get("note"), region_note]))
        if item is None and rtype in ("aws:ec2/vpcEndpoint:VpcEndpoint", "gcp:compute/address:Address"):
            continue  # a gateway endpoint or an internal address: not billed by itself
        if item is None:
            unpriced.append({**ref, "reason": "no price model for this resource type"})
            continue
        if rtype in network.USAGE_PARTS:
            usage.append({**ref, **network.usage_line(network.USAGE_PARTS[rtype])})
        for scenario in ("idle", "peak"):
            item[f"{scenario}UsdPerMonth"] = round(item[f"{scenario}UsdPerHour"] * HOURS_PER_MONTH, 2)
        items.append({**ref, **item})
    if scrape_interval_seconds is not None:
        for item in observability_items(document, items, scrape_interval_seconds):
            cluster = next(r for r in document["resources"] if r["urn"] == item["urn"])
            try:
                region_note = check_region(OBSERVABILITY_FAMILY[item["type"]], cloud_of(item["type"]),
                                           regions.region_of(cluster))
            except Unpriced as exc:
                unpriced.append({"name": item["name"], "type": item["type"], "urn": item["urn"],
                                 "reason": f"managed-Prometheus samples: {exc}"})
                continue
            if region_note:
                item["note"] = f"{item['note']}; {region_note}"
            for scenario in ("idle", "peak"):
                item[f"{scenario}UsdPerMonth"] = round(item[f"{scenario}UsdPerHour"] * HOURS_PER_MONTH, 2)
            items.append(item)
    # Every node's boot disk, a line per pool beside its machines (infra/plan/cost_disks.py).
    disk_items, disk_unpriced = disk_lines(document, regions)
    items += disk_items
    unpriced += disk_unpriced
    dataset_items, dataset_unpriced = datasets.dataset_lines(document, regions.stack_region)
    items += dataset_items
    unpriced += dataset_unpriced
    # Reserved capacity is billed used or not (issue 32's hook: infra/plan/cost_reserved_pools.py).
    items += reservation_items(document)
    # Registration order varies between runs; a fixed order keeps views and diffs stable.
    items.sort(key=lambda i: (KIND_ORDER.index(i["kind"]), i["name"]))
    usage.sort(key=lambda u: u["name"])
    unpriced.sort(key=lambda u: u["name"])
    totals = {}
    for scenario in ("idle", "peak"):
        hourly = sum(i[f"{scenario}UsdPerHour"] for i in items)
        totals[scenario] = {"usdPerHour": round(hourly, 4), "usdPerMonth": round(hourly * HOURS_PER_MONTH, 2)}
    notes = {i["note"] for i in items if i.get("note")} | {u["note"] for u in usage if u.get("note")}
    assumptions = [REGION_NOTE, NOT_MODELLED, *sorted(notes)]
    cost = {"currency": "USD", "hoursPerMonth": HOURS_PER_MONTH, "priceDate": today.isoformat(),
            "items": items, "usage": usage, "unpriced": unpriced, "totals": totals,
            "assumptions": assumptions}
    cost["pricesAsOf"] = prices_as_of(cost)
    cost["coverage"] = coverage(cost)
    return cost


def _price(rtype: str, inputs: dict[str, Any], today: date, document: dict[str, Any],
           region: str | None) -> dict[str, Any] | None:
    if rtype in NETWORK_PRICERS:
        return NETWORK_PRICERS[rtype](inputs)
    if rtype in RESERVATION_TYPES:
        return reservation_from_inputs(rtype, inputs, region)
    if rtype == "gcp:compute/routerNat:RouterNat":
        return network.cloud_nat(inputs, compute.gke_nodes(document))
    if rtype in LOAD_BALANCERS:
        return _load_balancer(inputs)
    if rtype in FIXED_RATES:
        kind, rate = FIXED_RATES[rtype]
        row, _ = price_row(rtype, cloud_of(rtype), region)
        usd = row.usd or 0.0
        hourly = usd / HOURS_PER_MONTH if rate.unit == "month" else usd
        return compute.item(kind, f"{usd} USD/{rate.unit}", 1, 1, hourly, row.source, row.as_of, basis=row.basis)
    if rtype == "aws:eks/cluster:Cluster":
        return compute.eks_control_plane(inputs, today, region)
    if rtype == "gcp:container/cluster:Cluster":
        row, _ = price_row(rtype, "gcp", region)
        return compute.item("control-plane", "GKE cluster management fee", 1, 1, row.usd or 0.0,
                            row.source, row.as_of, basis=row.basis)
    if rtype == "aws:eks/nodeGroup:NodeGroup":
        scaling = inputs.get("scalingConfig") or {}
        machine = compute.first(inputs.get("instanceTypes"), "instanceTypes")
        spot = inputs.get("capacityType") == "SPOT"
        return compute.node_pool(Cloud.AWS, machine, spot,
                                 compute.count(scaling.get("minSize"), "scalingConfig.minSize"),
                                 compute.count(scaling.get("maxSize"), "scalingConfig.maxSize"), region)
    if rtype == "gcp:container/nodePool:NodePool":
        return compute.gke_pool(inputs, region)
    return None


@dataclass(frozen=True)
class BudgetBreach:
    """Peak cost exceeds the budget, or cannot be shown to stay under it."""

    budget_per_hour: float
    peak_per_hour: float
    drivers: tuple[tuple[str, float, str], ...]
    unpriced_pools: tuple[tuple[str, str], ...] = ()

    @property
    def message(self) -> str:
        """One readable sentence naming the numbers and the pools that drive the cost."""
        if self.unpriced_pools:
            listed = "; ".join(f"{name} ({reason})" for name, reason in self.unpriced_pools)
            return (f"cannot check the budget of {self.budget_per_hour:.2f} USD/h: node pools without "
                    f"a price: {listed}")
        pools = ", ".join(f"{name} {usd:.2f} USD/h ({detail})" for name, usd, detail in self.drivers)
        return (f"estimated peak cost {self.peak_per_hour:.2f} USD/h exceeds the budget of "
                f"{self.budget_per_hour:.2f} USD/h; node pools at peak: {pools or 'none'}")


def check_budget(cost: dict[str, Any], budget_per_hour: float | None) -> BudgetBreach | None:
    """None when there is no budget or peak cost stays within it; otherwise what breaches it."""
    if budget_per_hour is None:
        return None
    peak = cost["totals"]["peak"]["usdPerHour"]
    pools = sorted((i for i in cost["items"] if i["kind"] == "node-pool" and i["peakUsdPerHour"] > 0),
                   key=lambda i: -i["peakUsdPerHour"])
    drivers = tuple((i["name"], i["peakUsdPerHour"], i["detail"]) for i in pools)
    unpriced = tuple((u["name"], u["reason"]) for u in cost["unpriced"]
                     if u["type"] in ("aws:eks/nodeGroup:NodeGroup", "gcp:container/nodePool:NodePool"))
    if unpriced:
        return BudgetBreach(budget_per_hour, peak, drivers, unpriced)
    if peak > budget_per_hour:
        return BudgetBreach(budget_per_hour, peak, drivers)
    return None


def add_cost(document: dict[str, Any], budget_per_hour: float | None,
             today: date | None = None, scrape_interval_seconds: int | None = None) -> BudgetBreach | None:
    """Fill the document's `cost` field, budget verdict included; return the breach if any."""
    cost = estimate(document, today, scrape_interval_seconds)
    breach = check_budget(cost, budget_per_hour)
    if budget_per_hour is not None:
        cost["budget"] = {"usdPerHour": budget_per_hour, "exceeded": breach is not None,
                          "message": breach.message if breach else None}
    document["cost"] = cost
    return breach
