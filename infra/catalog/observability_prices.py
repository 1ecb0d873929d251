"""What observability costs: managed-Prometheus sample prices and the series counts behind an estimate.

The plan cannot see how many series a cluster will expose, so the estimate multiplies node, GPU and
cluster counts from the plan by the per-object series counts below. Each count says what it is based
on; the ones marked "assumption" are ours and are the first thing to correct from a real workspace
(`count({__name__=~".+"})` over a day). Plain data, read 2026-11-29.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.catalog.exporter_metrics import EXPORTER_METRICS

READ_ON = "2026-11-29"


@dataclass(frozen=True)
class SamplePrice:
    """USD per million samples ingested (the first, most expensive tier) and where it was read."""

    usd_per_million: float
    tier: str
    source: str
    as_of: str


# The official page's price table is not in any readable copy of aws.amazon.com/prometheus/pricing (its
# text reads, the numbers do not); these are the page's numbers as transcribed in infracost/infracost#2477
# (2023-05-30): metric samples ingested $0.90 per 10M for the first 2B, $0.35 per 10M for the next 250B,
# $0.16 per 10M beyond; storage $0.03/GB-Mo; query samples processed $0.10 per billion. The managed
# collector is billed per hour and per sample collected too ("For Amazon Managed Service for Prometheus
# collector, you are charged for the number of hours it is turned on and the number of samples
# collected"), at prices no readable copy shows: not included.
AMP_INGESTION = SamplePrice(
    0.09, "first 2 billion samples a month ($0.90 per 10M)",
    "https://aws.amazon.com/prometheus/pricing/ as transcribed in github.com/infracost/infracost/issues/2477",
    "2023-05-30")
# The tiers behind the first-tier prices above, USD per million samples a month up to each bound (samples per
# month, cumulative; None: no bound). A bill applies them to the whole account's monthly volume: pricing a busy
# cluster at the first tier alone overstates it (about 1.7x for 6.6 billion AMP samples a month), which is what
# a new user reported as "AMP about twice too high" (checked 2026-12-07).
AMP_TIERS: tuple[tuple[float | None, float], ...] = ((2e9, 0.09), (252e9, 0.035), (None, 0.016))
# GMP's tiers, settled 2026-12-07 from cloud.google.com/stackdriver/pricing as quoted in two public write-ups of
# that page (files in the project's search index, ids 6110950637 and 59276954923): the page announces "The price
# of Managed Service for Prometheus samples ingested into Cloud Monitoring has dropped by 60 percent" and lists
# $0.06 per million for 0-50 billion samples a month, $0.048 for 50-250 billion, $0.036 for 250-500 billion and
# $0.024 beyond, billed under the "Prometheus Samples Ingested" SKU. Each tier is 40% of the 2022 table this file
# used before ($0.15 / $0.12 / $0.09 / $0.06, effective 2022-05-16), which is the 60% drop the page names, and a
# 2026 guide (faun.dev, "Observability with Prometheus and Grafana", Google Cloud Managed Service for Prometheus)
# gives the same $0.06 first tier. So the 2022 table is stale and no source read disagrees with these numbers.
GMP_TIERS: tuple[tuple[float | None, float], ...] = ((50e9, 0.06), (250e9, 0.048), (500e9, 0.036), (None, 0.024))
GMP_SOURCE_NOTE = ("GMP price: 0.06 USD per million samples for the first 50 billion a month (60% below the 2022 "
                   "table), as cloud.google.com/stackdriver/pricing lists it (read 2026-12-07)")
TIER_NOTE = ("tiers applied to this stack's own monthly samples per cloud; other stacks billed to the same account "
             "push volume into cheaper tiers, so this errs high")


def tiered_usd(samples_per_month: float, tiers: tuple[tuple[float | None, float], ...]) -> float:
    """USD a month for `samples_per_month` samples under cumulative `tiers` (bound, USD per million)."""
    usd, floor = 0.0, 0.0
    for bound, per_million in tiers:
        upper = samples_per_month if bound is None else min(samples_per_month, bound)
        if upper > floor:
            usd += (upper - floor) * per_million / 1e6
        if bound is None or samples_per_month <= bound:
            break
        floor = bound
    return usd


AMP_COLLECTOR_NOTE = ("AMP managed collector hours and collected samples are billed as well, at prices not "
                      "readable on aws.amazon.com/prometheus/pricing/ (2026-11-29): not included")
# The first tier of GMP_TIERS above, with its source (storage is not billed separately: "Monarch ... stores all
# Prometheus data for 24 months at no additional cost", docs.cloud.google.com/stackdriver/docs/managed-prometheus).
GMP_INGESTION = SamplePrice(
    0.06, "first 50 billion samples a month",
    "https://cloud.google.com/stackdriver/pricing (Cloud Monitoring: Prometheus Samples Ingested, after the 60% "
    "price drop; quoted in public write-ups of the page, read 2026-12-07)",
    "2026-12-07")

# One series per counter per GPU: the exporter writes a line per counter per GPU
# (NVIDIA/dcgm-exporter@4.5.3-4.8.2:internal/pkg/rendermetrics/render_metrics.go), and the chart turns on
# this many counters (exporter_metrics).
DCGM_SERIES_PER_GPU = len(EXPORTER_METRICS["dcgm-exporter"].metrics)
# Every series line of node_exporter's own end-to-end output at v1.12.1 (collector/fixtures/e2e-output.txt:
# 3026 lines), where every collector is on; a node with the default collectors exposes fewer, so this is
# an upper bound.
NODE_EXPORTER_SERIES_PER_NODE = 3026
# Assumption: 30 pods per node, each with one series per pod metric family kube-state-metrics documents
# (exporter_metrics), plus one per node family. Real counts vary with containers and phases per pod.
PODS_PER_NODE = 30
KSM_SERIES_PER_NODE = (
    len([m for m in EXPORTER_METRICS["kube-state-metrics"].metrics if m.startswith("kube_node_")])
    + PODS_PER_NODE * len([m for m in EXPORTER_METRICS["kube-state-metrics"].metrics if m.startswith("kube_pod_")]))
# Assumption: the API server's request histogram has 23 buckets (+Inf, _sum, _count: 26 series) per label
# set (kubernetes/kubernetes:test/instrumentation/testdata/stable-metrics-list.yaml), times 200 verb,
# resource and scope combinations in use; plus autoscaler and runner-listener series. Per cluster.
SERIES_PER_CLUSTER = 26 * 200 + 800
SERIES_BASIS = (f"series assumed: {DCGM_SERIES_PER_GPU} per GPU (DCGM counters), "
                f"{NODE_EXPORTER_SERIES_PER_NODE} per node (node-exporter, upper bound), {KSM_SERIES_PER_NODE} "
                f"per node (kube-state-metrics at {PODS_PER_NODE} pods a node), {SERIES_PER_CLUSTER} per cluster "
                "(API server, autoscaler, runners); infra/catalog/observability_prices.py says why")
GRAFANA_NOTE = "the in-cluster Grafana runs on the system pool, already priced with it"
