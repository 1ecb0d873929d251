"""The price snapshot (infra/catalog/prices.json): every row says where its price came from and when,
every region that sells a GPU machine has a row (a price, or the reason there is none), and the rows the
catalog's own figures came from still equal them."""

import copy
import json

import pytest

from infra.catalog import accelerators as catalog
from infra.catalog import network_prices as net
from infra.catalog import observability_prices as obs
from infra.catalog import price_snapshot
from infra.catalog.gpu_availability import AVAILABILITY
from infra.catalog.price_snapshot import SnapshotError, parse

SNAPSHOT = price_snapshot.load()


def test_every_row_has_a_source_a_date_and_a_basis_and_unpriced_rows_say_why():
    assert len(SNAPSHOT.rows) > 150
    for row in SNAPSHOT.rows:
        assert row.source and row.as_of[:4].isdigit() and row.basis in price_snapshot.BASES
        assert row.priced or row.reason
    unpriced = [r for r in SNAPSHOT.rows if not r.priced]
    assert unpriced and all("no price" in r.reason for r in unpriced)


@pytest.mark.parametrize(("cloud", "machine"), sorted(AVAILABILITY), ids=lambda v: str(v))
def test_every_region_that_sells_a_gpu_machine_has_a_row_for_it(cloud, machine):
    family = f"{'aws:ec2' if cloud == catalog.Cloud.AWS else 'gcp:compute'}:{machine}"
    for region in AVAILABILITY[(cloud, machine)].regions:
        row = SNAPSHOT.find(family, region)
        assert row is not None, f"{family} in {region}: no row (neither a price nor the reason there is none)"
        assert row.priced or region in row.reason


def test_spot_rows_differ_from_on_demand_where_the_snapshot_has_both():
    pairs = [(r, SNAPSHOT.find(r.family, r.region)) for r in SNAPSHOT.rows if r.capacity == "spot"]
    both = [(s, o) for s, o in pairs if o is not None and o.priced and o.region == s.region]
    assert len(both) > 20
    assert sum(1 for s, o in both if s.usd < o.usd) > len(both) * 0.7
    assert all(s.usd <= o.usd for s, o in both)  # a spot row never above on-demand


def test_the_catalog_figures_and_their_home_rows_agree():
    for offer in catalog.OFFERS:
        family = f"{'aws:ec2' if offer.cloud == catalog.Cloud.AWS else 'gcp:compute'}:{offer.machine_type}"
        home = "us-east-1" if offer.cloud == catalog.Cloud.AWS else "us-central1"
        row = SNAPSHOT.find(family, home)
        assert (row.usd, row.as_of, row.source) == (offer.price.usd_per_hour, offer.price.as_of, offer.price.source)
        if offer.spot_usd_per_hour is not None:
            assert SNAPSHOT.find(family, home, "spot").usd == offer.spot_usd_per_hour
    for (cloud, machine), price in catalog.CPU_PRICES.items():
        family = f"{'aws:ec2' if cloud == catalog.Cloud.AWS else 'gcp:compute'}:{machine}"
        assert SNAPSHOT.find(family, "us-east-1" if cloud == catalog.Cloud.AWS else "us-central1").usd == \
            price.usd_per_hour
    # Constants the network and observability pricers still use directly: their rows must not drift.
    for family, region, usd in [("aws:lb/loadBalancer:LoadBalancer", "us-east-1", catalog.LOAD_BALANCER_AWS.usd),
                                ("gcp:compute/routerNat:RouterNat", "us-central1", net.CLOUD_NAT_PER_VM.usd),
                                ("aws:wafv2/webAcl:WebAcl", "eu-west-1", net.WAF_WEB_ACL.usd),
                                ("gateway:gke-l7-global-external-managed", "europe-west4", net.GCP_FORWARDING_RULE.usd),
                                ("aws:amp/ingestion", "us-east-1", obs.AMP_INGESTION.usd_per_million),
                                ("gcp:gmp/ingestion", "us-central1", obs.GMP_INGESTION.usd_per_million)]:
        assert SNAPSHOT.find(family, region).usd == usd, family


def _document():
    return json.loads(price_snapshot.SNAPSHOT_PATH.read_text())


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r.pop("source"), "prices.json rows[0].source: must be a non-empty string (got None)"),
    (lambda r: r.update(capacity="reserved"),
     "prices.json rows[0].capacity: must be one of on-demand, spot (got 'reserved')"),
    (lambda r: r.update(usd=-1), "prices.json rows[0].usd: must be a number >= 0 or null (got -1)"),
    (lambda r: r.update(usd=None), "prices.json rows[0].reason: an unpriced row (usd null) must say why"),
    (lambda r: r.update(basis="guess"),
     "prices.json rows[0].basis: must be one of list, derived, estimate, spot-snapshot (got 'guess')"),
])
def test_a_malformed_row_is_refused_naming_the_row_and_field(change, message):
    document = _document()
    change(document["rows"][0])
    with pytest.raises(SnapshotError) as err:
        parse(document)
    assert str(err.value) == message


def test_a_second_row_for_the_same_price_is_refused():
    document = _document()
    document["rows"].append(copy.deepcopy(document["rows"][0]))
    first = document["rows"][0]
    with pytest.raises(SnapshotError, match=rf"rows\[{len(document['rows']) - 1}\]: a second row for "
                                            rf"\('{first['family']}', '{first['region']}', '{first['capacity']}'\)"):
        parse(document)


def test_the_file_is_written_in_its_stable_layout():
    # A refresh rewrites the file through `write`: the stored file must already be in that layout, so the
    # pull request a refresh opens shows only the prices that moved.
    assert price_snapshot.SNAPSHOT_PATH.read_text() == \
        json.dumps(SNAPSHOT.to_json(), indent=1, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("machine", ["g4dn.xlarge", "g4dn.metal", "g5.12xlarge"])
def test_the_t4_and_a10g_shapes_are_priced_in_every_region_skypilot_lists_them(machine):
    # Every row of these blocks of SkyPilot's AWS catalog was read (2026-12-07): one on-demand price per region, and
    # a spot snapshot (the highest AZ spot price there) that differs from it.
    regions = AVAILABILITY[(catalog.Cloud.AWS, machine)].regions
    assert len(regions) >= 15 and {"us-east-1", "us-west-2", "eu-west-1"} <= set(regions)
    for region in regions:
        on_demand = SNAPSHOT.find(f"aws:ec2:{machine}", region)
        spot = SNAPSHOT.find(f"aws:ec2:{machine}", region, "spot")
        assert on_demand.region == region and spot.region == region and spot.basis == "spot-snapshot"
        assert 0 < spot.usd <= on_demand.usd, region
    assert SNAPSHOT.find("aws:ec2:g4dn.xlarge", "eu-west-1").usd == 0.587
    assert SNAPSHOT.find("aws:ec2:g5.12xlarge", "us-west-2", "spot").usd == 3.3699
