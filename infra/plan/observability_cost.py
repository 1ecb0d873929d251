"""The running cost of observability, per cluster: managed-Prometheus samples ingested.

Series come from the plan's own counts (nodes and GPUs of each cluster's pools at idle and peak, from
the node-pool cost items) times the per-object series counts in infra/catalog/observability_prices.py;
samples follow from the scrape interval. Grafana runs on the system pool, which is already priced.
"""

from __future__ import annotations

from typing import Any

from infra.catalog import accelerators as catalog
from infra.catalog import observability_prices as prices
from infra.catalog.accelerators import Cloud

CLUSTERS = {"aws:eks/cluster:Cluster": Cloud.AWS, "gcp:container/cluster:Cluster": Cloud.GCP}
# The input of a pool that names its cluster (and so carries the dependency on it).
POOLS = {"aws:eks/nodeGroup:NodeGroup": "clusterName", "gcp:container/nodePool:NodePool": "cluster"}
SECONDS_PER_HOUR = 3600
HOURS_PER_MONTH = 730  # the cost model's month (infra/plan/cost_network.py)


def series_per_cluster(nodes: int, gpus: int) -> int:
    """Active series of a cluster with `nodes` nodes carrying `gpus` GPUs in all."""
    per_node = prices.NODE_EXPORTER_SERIES_PER_NODE + prices.KSM_SERIES_PER_NODE
    return nodes * per_node + gpus * prices.DCGM_SERIES_PER_GPU + prices.SERIES_PER_CLUSTER


def observability_items(document: dict[str, Any], items: list[dict[str, Any]],
                        scrape_interval_seconds: int) -> list[dict[str, Any]]:
    """One cost item per cluster for the samples its metrics send to the cloud's managed Prometheus."""
    resources = {r["urn"]: r for r in document["resources"]}
    clusters = [r for r in document["resources"] if r["type"] in CLUSTERS]
    counts: dict[str, list[int]] = {c["urn"]: [0, 0, 0, 0] for c in clusters}  # nodes idle/peak, GPUs idle/peak
    for item in items:
        pool = resources.get(item["urn"])
        if item["kind"] != "node-pool" or pool is None:
            continue
        cluster = _cluster_of(pool, clusters)
        if cluster is None:
            continue
        gpus = _gpus_per_node(pool)
        low, high = item["idleCount"], item["peakCount"]
        total = counts[cluster["urn"]]
        total[0] += low
        total[1] += high
        total[2] += low * gpus
        total[3] += high * gpus
    samples_per_series_month = SECONDS_PER_HOUR / scrape_interval_seconds * HOURS_PER_MONTH
    series = {c["urn"]: (series_per_cluster(*counts[c["urn"]][0::2]), series_per_cluster(*counts[c["urn"]][1::2]))
              for c in clusters}
    # A bill tiers the account's monthly volume: the stack's clusters on one cloud share the tiers.
    totals = {(cloud, scenario): sum(series[c["urn"]][scenario] for c in clusters if CLUSTERS[c["type"]] == cloud)
              * samples_per_series_month for cloud in set(CLUSTERS.values()) for scenario in (0, 1)}
    found = []
    for cluster in clusters:
        cloud = CLUSTERS[cluster["type"]]
        price = prices.AMP_INGESTION if cloud == Cloud.AWS else prices.GMP_INGESTION
        tiers = prices.AMP_TIERS if cloud == Cloud.AWS else prices.GMP_TIERS
        service = "AMP" if cloud == Cloud.AWS else "GMP"
        idle, peak = series[cluster["urn"]]
        hourly = []
        for scenario, count in ((0, idle), (1, peak)):
            total = totals[(cloud, scenario)]
            share = count * samples_per_series_month / total if total else 0.0
            hourly.append(prices.tiered_usd(total, tiers) * share / HOURS_PER_MONTH)
        # USD an hour for one series scraped every interval, at the first tier (the tiered lines are below it).
        unit = SECONDS_PER_HOUR / scrape_interval_seconds * price.usd_per_million / 1_000_000
        extra = prices.AMP_COLLECTOR_NOTE if cloud == Cloud.AWS else prices.GMP_SOURCE_NOTE
        note = f"{prices.SERIES_BASIS}; {prices.TIER_NOTE}; {extra}"
        found.append({
            "name": f"{cluster['name']}-metrics", "type": cluster["type"], "urn": cluster["urn"],
            "kind": "observability",
            "detail": f"{service} samples: {idle:,}..{peak:,} series every {scrape_interval_seconds}s "
                      f"(tiered from {price.usd_per_million} USD per million, {price.tier})",
            "idleCount": idle, "peakCount": peak, "unitUsdPerHour": round(unit, 10),
            "idleUsdPerHour": round(hourly[0], 8), "peakUsdPerHour": round(hourly[1], 8),
            "source": price.source, "asOf": price.as_of, "note": note})
    return found


def _cluster_of(pool: dict[str, Any], clusters: list[dict[str, Any]]) -> dict[str, Any] | None:
    linked = set(pool.get("propertyDependencies", {}).get(POOLS.get(pool["type"], ""), []))
    linked |= set(pool.get("dependencies", []))
    matches = [c for c in clusters if c["urn"] in linked]
    if len(matches) == 1:
        return matches[0]
    cloud_clusters = [c for c in clusters if c["type"].split(":")[0] == pool["type"].split(":")[0]]
    return cloud_clusters[0] if len(cloud_clusters) == 1 else None


def _gpus_per_node(pool: dict[str, Any]) -> int:
    inputs = pool.get("inputs") or {}
    if pool["type"].startswith("aws:"):
        types = inputs.get("instanceTypes") or []
        machine, cloud = (types[0] if types else None), Cloud.AWS
    else:
        machine, cloud = (inputs.get("nodeConfig") or {}).get("machineType"), Cloud.GCP
    offer = catalog.offer_by_machine(cloud, machine) if isinstance(machine, str) else None
    return offer.gpus if offer is not None else 0
