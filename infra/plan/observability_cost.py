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
    found = []
    for cluster in clusters:
        nodes_low, nodes_high, gpus_low, gpus_high = counts[cluster["urn"]]
        cloud = CLUSTERS[cluster["type"]]
        price = prices.AMP_INGESTION if cloud == Cloud.AWS else prices.GMP_INGESTION
        service = "AMP" if cloud == Cloud.AWS else "GMP"
        idle, peak = series_per_cluster(nodes_low, gpus_low), series_per_cluster(nodes_high, gpus_high)
        # USD an hour for one series scraped every interval.
        unit = SECONDS_PER_HOUR / scrape_interval_seconds * price.usd_per_million / 1_000_000
        note = prices.SERIES_BASIS + (f"; {prices.AMP_COLLECTOR_NOTE}" if cloud == Cloud.AWS else "")
        found.append({
            "name": f"{cluster['name']}-metrics", "type": cluster["type"], "urn": cluster["urn"],
            "kind": "observability",
            "detail": f"{service} samples: {idle:,}..{peak:,} series every {scrape_interval_seconds}s "
                      f"({price.usd_per_million} USD per million, {price.tier})",
            "idleCount": idle, "peakCount": peak, "unitUsdPerHour": round(unit, 10),
            "idleUsdPerHour": round(unit * idle, 8), "peakUsdPerHour": round(unit * peak, 8),
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
