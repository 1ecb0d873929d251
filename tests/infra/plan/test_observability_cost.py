"""Observability's running cost: one line per cluster when it is on, none when it is off, by hand."""

import json
from datetime import date

import jsonschema
import pytest

from infra.catalog import observability_prices as prices
from infra.offline.document import build_document, load_schema
from infra.plan.cost import add_cost, estimate
from infra.plan.observability_cost import series_per_cluster
from tests.helpers import mlinfra, stack_run

TODAY = date(2026, 12, 1)
PER_NODE = prices.NODE_EXPORTER_SERIES_PER_NODE + prices.KSM_SERIES_PER_NODE


@pytest.fixture(scope="module")
def dev_document():
    return build_document(stack_run("dev"))


def metrics_items(cost):
    return {i["name"]: i for i in cost["items"] if i["kind"] == "observability"}


def test_series_follow_nodes_gpus_and_the_cluster():
    assert series_per_cluster(0, 0) == prices.SERIES_PER_CLUSTER
    # 30 DCGM counters: the chart's 24 plus the throttling and NVLink error counters the platform turns on (#28).
    assert series_per_cluster(3, 2) == 3 * PER_NODE + 2 * 30 + prices.SERIES_PER_CLUSTER
    assert prices.DCGM_SERIES_PER_GPU == 30


def test_each_cluster_gets_its_managed_prometheus_line_by_hand(dev_document):
    items = metrics_items(estimate(dev_document, TODAY, scrape_interval_seconds=30))
    assert sorted(items) == ["dev-cluster-metrics", "dev-gke-cluster-metrics"]
    eks = items["dev-cluster-metrics"]
    # dev EKS: one system node idle (no GPU); two system nodes and two single-L4 g6.xlarge nodes at peak.
    assert (eks["idleCount"], eks["peakCount"]) == (series_per_cluster(1, 0), series_per_cluster(4, 2))
    # 120 samples an hour per series at 30 s, 0.09 USD per million (AMP's first tier).
    assert eks["idleUsdPerHour"] == pytest.approx(series_per_cluster(1, 0) * 120 * 0.09 / 1e6)
    assert eks["source"].startswith("https://aws.amazon.com/prometheus/pricing/")
    assert "collector" in eks["note"] and "per GPU" in eks["note"]
    gke = items["dev-gke-cluster-metrics"]
    assert gke["peakUsdPerHour"] == pytest.approx(series_per_cluster(4, 2) * 120 * 0.06 / 1e6)
    assert gke["detail"].startswith("GMP samples: ")


def test_a_longer_interval_costs_proportionally_less(dev_document):
    at_30 = metrics_items(estimate(dev_document, TODAY, scrape_interval_seconds=30))["dev-cluster-metrics"]
    at_60 = metrics_items(estimate(dev_document, TODAY, scrape_interval_seconds=60))["dev-cluster-metrics"]
    assert at_60["idleUsdPerHour"] == pytest.approx(at_30["idleUsdPerHour"] / 2)


def test_off_means_no_line_and_the_totals_include_it_when_on(dev_document):
    off = estimate(dev_document, TODAY)
    on = estimate(dev_document, TODAY, scrape_interval_seconds=30)
    assert metrics_items(off) == {}
    added = sum(i["idleUsdPerHour"] for i in metrics_items(on).values())
    assert on["totals"]["idle"]["usdPerHour"] == pytest.approx(off["totals"]["idle"]["usdPerHour"] + added,
                                                               abs=1e-4)


def test_the_document_with_the_line_still_matches_the_plan_schema(dev_document):
    document = dict(dev_document)
    add_cost(document, None, TODAY, scrape_interval_seconds=30)
    jsonschema.validate(document, load_schema())


def test_mlinfra_plan_prices_it_for_a_stack_with_observability_on_only():
    dev = mlinfra("plan", "dev", "--format", "json")
    sandbox = mlinfra("plan", "sandbox", "--format", "json")
    assert dev.returncode == 0 and sandbox.returncode == 0, dev.stderr + sandbox.stderr
    assert metrics_items(json.loads(dev.stdout)["cost"])
    assert metrics_items(json.loads(sandbox.stdout)["cost"]) == {}


def test_samples_are_priced_by_tier_not_all_at_the_first_tier():
    # AMP: the first 2 billion samples a month at 0.09 USD per million, the next 250 billion at 0.035.
    assert prices.tiered_usd(1e9, prices.AMP_TIERS) == pytest.approx(90.0)
    assert prices.tiered_usd(6.6e9, prices.AMP_TIERS) == pytest.approx(2e9 * 0.09e-6 + 4.6e9 * 0.035e-6)
    # The report: pricing 6.6 billion samples all at the first tier overstates it about 1.7 times.
    assert 6.6e9 * 0.09e-6 / prices.tiered_usd(6.6e9, prices.AMP_TIERS) == pytest.approx(1.74, abs=0.01)
    assert prices.tiered_usd(300e9, prices.AMP_TIERS) == pytest.approx(180 + 250e9 * 0.035e-6 + 48e9 * 0.016e-6)
    assert prices.tiered_usd(60e9, prices.GMP_TIERS) == pytest.approx(50e9 * 0.06e-6 + 10e9 * 0.048e-6)


def test_a_busy_cluster_is_priced_through_the_tiers(dev_document):
    from infra.plan.observability_cost import observability_items

    cluster = next(r for r in dev_document["resources"] if r["type"] == "aws:eks/cluster:Cluster")
    pool = {"urn": "urn:pulumi:t::p::aws:eks/nodeGroup:NodeGroup::big", "type": "aws:eks/nodeGroup:NodeGroup",
            "name": "big", "inputs": {"instanceTypes": ["p5.48xlarge"]}, "dependencies": [cluster["urn"]]}
    document = {"resources": [cluster, pool]}
    items = [{"urn": pool["urn"], "kind": "node-pool", "idleCount": 0, "peakCount": 40}]
    [line] = observability_items(document, items, 30)
    samples = series_per_cluster(40, 320) * 120 * 730
    assert samples > 2e9  # past the first tier
    assert line["peakUsdPerHour"] == pytest.approx(prices.tiered_usd(samples, prices.AMP_TIERS) / 730)
    assert line["peakUsdPerHour"] < line["peakCount"] * line["unitUsdPerHour"]
    assert "tiers applied to this stack's own monthly samples" in line["note"]


def test_gmp_is_priced_at_the_current_table_in_every_region():
    # cloud.google.com/stackdriver/pricing after its 60% drop (read 2026-12-07): 0.06 / 0.048 / 0.036 / 0.024 USD
    # per million samples; the snapshot row, the first tier and the line's unit price are one number.
    from infra.catalog import price_snapshot

    assert prices.GMP_TIERS == ((50e9, 0.06), (250e9, 0.048), (500e9, 0.036), (None, 0.024))
    for region in ("us-central1", "europe-west4", "asia-south1"):
        row = price_snapshot.load().find("gcp:gmp/ingestion", region)
        assert (row.usd, row.unit, row.as_of) == (0.06, "million samples", "2026-12-07")
    assert prices.GMP_INGESTION.usd_per_million == prices.GMP_TIERS[0][1]
    # 60 billion samples: 50 billion at the first tier, 10 billion at the second.
    assert prices.tiered_usd(60e9, prices.GMP_TIERS) == pytest.approx(3000 + 480)
