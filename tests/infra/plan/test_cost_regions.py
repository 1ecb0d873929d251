"""Prices are region-aware: a resource outside the catalog's regions is unpriced, never priced at us-east-1.

Over the real staging stack (us-west-2) and small documents with one provider each.
"""

from datetime import date

import jsonschema
import pytest

from infra.catalog import network_prices, price_snapshot
from infra.offline.document import build_document, load_schema
from infra.plan.cost import estimate
from infra.plan.cost_regions import RegionIndex
from tests.helpers import planned_run, stack_run

DAY = date(2026, 11, 29)
NO_PRICE_WEST = "no on-demand price for us-west-2 in the price snapshot (infra/catalog/prices.json): "


def no_west_price(family):
    return f"{NO_PRICE_WEST}it has {family} on-demand prices for us-east-1"


def _provider(cloud, region):
    return {"urn": f"urn:pulumi:t::p::pulumi:providers:{cloud}::{cloud}", "type": f"pulumi:providers:{cloud}",
            "name": cloud, "custom": True, "inputs": {"region": region} if region else {}}


def _resource(rtype, inputs, name, cloud="aws"):
    return {"urn": f"urn:pulumi:t::p::{rtype}::{name}", "type": rtype, "name": name, "custom": True,
            "inputs": inputs, "provider": f"urn:pulumi:t::p::pulumi:providers:{cloud}::{cloud}::id"}


def _pool(name, machine="m7i.large"):
    return _resource("aws:eks/nodeGroup:NodeGroup",
                     {"instanceTypes": [machine], "scalingConfig": {"minSize": 1, "maxSize": 2}}, name)


@pytest.fixture(scope="module")
def staging_cost():
    return estimate(build_document(stack_run("staging")), DAY, scrape_interval_seconds=30)


def test_staging_in_us_west_2_lists_what_has_no_west_price_as_unpriced_with_the_reason(staging_cost):
    unpriced = {(u["name"], u["type"]): u["reason"] for u in staging_cost["unpriced"]}
    # The buckets, log groups, registry and AMP samples of staging: the snapshot has no us-west-2 row for them,
    # so none is priced (or listed as usage) at the us-east-1 rate.
    families = {("checkpoints-bucket", "aws:s3/bucket:Bucket"): "aws:s3/bucket:Bucket",
                ("train-logs", "aws:cloudwatch/logGroup:LogGroup"): "aws:cloudwatch/logGroup:LogGroup",
                ("train-staging-cpu-registry-repo", "aws:ecr/repository:Repository"): "aws:ecr/repository:Repository"}
    for key, family in families.items():
        assert unpriced[key] == no_west_price(family)
    metrics = unpriced[("train-cluster-metrics", "aws:eks/cluster:Cluster")]
    assert metrics == f"managed-Prometheus samples: {no_west_price('aws:amp/ingestion')}"
    assert staging_cost["usage"] == []
    assert not [i for i in staging_cost["items"] if i["kind"] == "observability"]
    # The S3 gateway endpoint is free in any region: neither priced nor unpriced.
    assert "train-net-s3" not in {u["name"] for u in staging_cost["unpriced"]}
    # Every node pool of staging, the m7i.large system pool included, has its us-west-2 price: no GPU capacity
    # or system node is left out of the total.
    assert staging_cost["coverage"]["unpricedCapacity"] == []


def test_staging_system_pool_nat_and_disks_are_priced_from_their_us_west_2_rows(staging_cost):
    items = {(i["kind"], i["name"]): i for i in staging_cost["items"]}
    snapshot = price_snapshot.load()
    system = items[("node-pool", "train-system-ng")]
    m7i = snapshot.find("aws:ec2:m7i.large", "us-west-2")
    assert (m7i.region, m7i.usd, m7i.basis) == ("us-west-2", 0.1008, "list")
    assert (system["idleCount"], system["peakCount"], system["unitUsdPerHour"]) == (2, 3, 0.1008)
    nat = items[("nat", "train-net-nat-us-west-2a")]
    row = snapshot.find("aws:ec2/natGateway:NatGateway", "us-west-2")
    assert (row.region, row.usd, row.basis, row.as_of) == ("us-west-2", 0.045, "estimate", "2026-10-04")
    assert nat["unitUsdPerHour"] == 0.045 and nat["source"] == row.source
    # The H100 pool's launch template gives each node a 500 GiB gp3 root volume, at us-west-2's 0.08 per GB-month.
    disks = items[("node-disk", "train-h100-ng-disks")]
    assert disks["detail"] == "500 GiB gp3 at 0.08 USD/GB-month x 0..1 nodes"
    assert (disks["idleUsdPerMonth"], disks["peakUsdPerMonth"]) == (0.0, 40.0)
    assert disks["source"] == snapshot.find("aws:ebs:gp3", "us-west-2").source


def test_staging_gpu_pools_are_priced_from_their_us_west_2_rows(staging_cost):
    pools = {i["name"]: i for i in staging_cost["items"] if i["kind"] == "node-pool"}
    snapshot = price_snapshot.load()
    h100 = snapshot.find("aws:ec2:p5.48xlarge", "us-west-2")
    assert (h100.region, h100.usd) == ("us-west-2", 55.04)
    assert pools["train-h100-ng"]["unitUsdPerHour"] == 55.04 and pools["train-h100-ng"]["source"] == h100.source
    spot = snapshot.find("aws:ec2:g6.xlarge", "us-west-2", "spot")
    assert pools["train-l4-ng"]["unitUsdPerHour"] == spot.usd == 0.4541
    assert pools["train-ci-l4-ng"]["unitUsdPerHour"] == 0.8048  # on-demand CI pool
    assert "note" not in pools["train-h100-ng"]


def test_the_same_pool_is_priced_in_the_home_region_and_unpriced_elsewhere():
    east = estimate({"resources": [_provider("aws", "us-east-1"), _pool("ng")]}, DAY)
    [item] = east["items"]
    assert item["peakUsdPerHour"] == pytest.approx(2 * 0.1008)
    assert "note" not in item
    # sa-east-1: SkyPilot's catalog of the AWS price list has no m7i.large row there, so neither has the snapshot.
    south = estimate({"resources": [_provider("aws", "sa-east-1"), _pool("ng")]}, DAY)
    assert south["items"] == []
    known = ", ".join(price_snapshot.load().regions_of("aws:ec2:m7i.large"))
    assert [u for u in south["unpriced"] if u["name"] == "ng"] == [{
        "name": "ng", "type": "aws:eks/nodeGroup:NodeGroup", "urn": "urn:pulumi:t::p::aws:eks/nodeGroup:NodeGroup::ng",
        "reason": "no on-demand price for sa-east-1 in the price snapshot (infra/catalog/prices.json): it has "
                  f"aws:ec2:m7i.large on-demand prices for {known}"}]


def test_a_resource_s_own_region_input_wins_over_its_provider():
    bucket = _resource("gcp:storage/bucket:Bucket", {"location": "europe-west4"}, "b", cloud="gcp")
    cost = estimate({"resources": [_provider("gcp", "us-central1"), bucket]}, DAY)
    assert cost["usage"] == []
    assert cost["unpriced"][0]["reason"] == (
        "no on-demand price for europe-west4 in the price snapshot (infra/catalog/prices.json): it has "
        "gcp:storage/bucket:Bucket on-demand prices for us-central1")


def test_a_cloud_kms_key_is_billed_where_its_key_ring_is():
    ring = _resource("gcp:kms/keyRing:KeyRing", {"location": "europe-west4"}, "ring", cloud="gcp")
    key = {**_resource("gcp:kms/cryptoKey:CryptoKey", {"keyRing": "[unknown]"}, "key", cloud="gcp"),
           "propertyDependencies": {"keyRing": [ring["urn"]]}}
    cost = estimate({"resources": [_provider("gcp", "us-central1"), ring, key]}, DAY)
    assert [u["name"] for u in cost["unpriced"]] == ["key"]
    assert "europe-west4" in cost["unpriced"][0]["reason"]


def test_prices_a_source_gives_for_every_region_hold_outside_the_home_region():
    waf = _resource("aws:wafv2/webAcl:WebAcl", {"rules": [{}, {}]}, "waf")
    cost = estimate({"resources": [_provider("aws", "us-west-2"), waf]}, DAY)
    [item] = cost["items"]
    assert item["idleUsdPerMonth"] == pytest.approx(network_prices.WAF_WEB_ACL.usd + 2 * network_prices.WAF_RULE.usd)
    assert "priced in us-west-2 at the one price" in item["note"]
    assert [u["usd"] for u in cost["usage"]] == [network_prices.WAF_REQUESTS.usd]


def test_a_resource_whose_region_the_plan_does_not_record_is_priced_at_home_and_says_so():
    # No provider at all: the figure is the catalog's, and the assumption is stated, not hidden.
    pool = {k: v for k, v in _pool("ng").items() if k != "provider"}
    bucket = {k: v for k, v in _resource("aws:s3/bucket:Bucket", {}, "b").items() if k != "provider"}
    cost = estimate({"resources": [pool, bucket]}, DAY)
    [item] = cost["items"]
    [usage] = cost["usage"]
    assert item["note"] == usage["note"] == "region not recorded in the plan: priced at the snapshot's us-east-1 rate"
    assert item["note"] in cost["assumptions"]
    # The note is part of the plan document's schema, on usage lines as on items.
    jsonschema.validate(cost, {"$ref": "#/$defs/cost", "$defs": load_schema()["$defs"]})


@pytest.mark.parametrize("stack", ["dev", "prod", "sandbox", "bootstrap"])
def test_every_priced_resource_of_the_home_region_stacks_has_its_region_recorded(stack):
    # These stacks are in us-east-1 / us-central1: everything priced there, nothing on a fallback.
    document = build_document(planned_run(stack))
    cost = estimate(document, DAY)
    regions = RegionIndex(document)
    for line in [*cost["items"], *cost["usage"]]:
        resource = next(r for r in document["resources"] if r["urn"] == line["urn"])
        assert regions.region_of(resource) in ("us-east-1", "us-central1"), line["name"]
        assert "region not recorded" not in line.get("note", "")
    assert not [u for u in cost["unpriced"] if u["reason"].startswith("no price recorded for")]
