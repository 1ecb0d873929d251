"""Every resource type of every stack is free (with a reason), priced, or known to have no price yet.

Over recorded plans of all stacks (bootstrap included): "Unpriced" lists only types that cost
money, and prod's total moves by exactly the new network and edge prices.
"""

from datetime import date

import pytest

from infra.offline.document import build_document
from infra.offline.engine import STACKS_DIR
from infra.offline.stackfile import available_stacks
from infra.plan.cost import FIXED_RATES, LOAD_BALANCERS, NETWORK_PRICERS, USAGE_RATES, estimate
from infra.plan.cost_datasets import TYPES as DATASET_TYPES
from infra.plan.cost_types import FREE, NO_PRICE_YET
from tests.helpers import planned_run

DAY = date(2026, 11, 29)
PRICED = {*FIXED_RATES, *LOAD_BALANCERS, *NETWORK_PRICERS, *USAGE_RATES, "gcp:compute/routerNat:RouterNat",
          "aws:eks/cluster:Cluster", "gcp:container/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup",
          "gcp:container/nodePool:NodePool", *DATASET_TYPES}  # the last: infra/plan/cost_datasets.py (#27)


def _document(stack: str) -> dict:
    return build_document(planned_run(stack))


STACKS = [*available_stacks(STACKS_DIR), "bootstrap"]


def test_the_three_lists_do_not_overlap():
    assert not FREE.keys() & NO_PRICE_YET.keys()
    assert not FREE.keys() & PRICED and not NO_PRICE_YET.keys() & PRICED
    assert all(reason for reason in (*FREE.values(), *NO_PRICE_YET.values()))


@pytest.mark.parametrize("stack", STACKS)
def test_every_type_is_classified_and_unpriced_means_it_costs_money(stack):
    document = _document(stack)
    types = {r["type"] for r in document["resources"] if r["custom"] and not r["type"].startswith("pulumi:providers:")}
    unclassified = sorted(types - FREE.keys() - NO_PRICE_YET.keys() - PRICED)
    assert unclassified == [], f"{stack}: classify these types in infra/plan/cost_types.py: {unclassified}"
    cost = estimate(document, DAY)
    assert not [u for u in cost["unpriced"] if u["type"] in FREE]
    assert not [u for u in cost["unpriced"] if u["reason"] == "no price model for this resource type"]
    # ACM certificates are free only when public: none of the stacks issues one from a private CA.
    assert not [r for r in document["resources"] if r["type"] == "aws:acm/certificate:Certificate"
                and r["inputs"].get("certificateAuthorityArn")]


def test_prod_total_moves_by_the_new_prices():
    document = _document("prod")
    cost = estimate(document, DAY)
    items = {(i["kind"], i["name"]): i for i in cost["items"]}
    # Cloud NAT: 0.0014 per GKE node using it (2 idle, 17 at peak: 15, then the flex-start H100 pool's 2, #32)
    # + 0.005 for its address.
    assert items[("nat", "infer-gcp-net-nat")]["idleUsdPerHour"] == pytest.approx(2 * 0.0014 + 0.005)
    assert items[("nat", "infer-gcp-net-nat")]["peakUsdPerHour"] == pytest.approx(17 * 0.0014 + 0.005)
    # The GKE Gateway's global forwarding rule, its external address, the ALB's assumed LCU,
    # three interface endpoints in three AZs, and the WAF web ACL with its two rule groups.
    added_fixed = 0.025 + 0.005 + 0.008 + 3 * 3 * 0.01 + (5 + 2 * 1) / 730
    assert items[("load-balancer", "infer-gcp-infer-gateway")]["idleUsdPerHour"] == 0.025
    assert items[("public-ip", "infer-gcp-infer-ip")]["idleUsdPerHour"] == 0.005
    assert items[("load-balancer", "train-infer-lb")]["idleUsdPerHour"] == pytest.approx(0.0305)
    assert [items[("endpoint", n)]["idleUsdPerHour"] for n in ("train-net-ecr-api", "train-net-ecr-dkr",
                                                               "train-net-sts")] == [0.03, 0.03, 0.03]
    assert items[("firewall", "train-infer-waf")]["idleUsdPerMonth"] == pytest.approx(7.00)
    without = [i for i in cost["items"] if i["kind"] not in ("endpoint", "firewall")
               and i["name"] not in ("infer-gcp-net-nat", "infer-gcp-infer-gateway", "infer-gcp-infer-ip")]
    before_idle = sum(i["idleUsdPerHour"] for i in without) - 0.008  # the ALB was priced before, without LCU
    assert cost["totals"]["idle"]["usdPerHour"] == pytest.approx(
        before_idle + added_fixed + 2 * 0.0014 + 0.005, abs=1e-4)
    # What stays unpriced in prod costs money and has no price read yet.
    assert sorted(u["type"] for u in cost["unpriced"]) == sorted([
        "gcp:certificatemanager/certificate:Certificate", "gcp:certificatemanager/certificateMap:CertificateMap",
        "gcp:certificatemanager/certificateMapEntry:CertificateMapEntry",
        "gcp:certificatemanager/dnsAuthorization:DnsAuthorization", "gcp:compute/securityPolicy:SecurityPolicy",
        "aws:secretsmanager/secret:Secret"])  # the empty GitHub App secret (#26)
    # Usage-based parts are listed with their unit price, never counted as zero volume.
    usage = {(u["name"], u["unit"]): u["usd"] for u in cost["usage"]}
    assert usage[("infer-gcp-net-nat", "GiB processed")] == 0.045
    assert usage[("train-infer-waf", "million requests")] == 0.60
    assert usage[("train-net-sts", "GB processed")] == 0.01
    assert usage[("train-prod-cpu-registry-repo", "GB-month")] == 0.10


def test_cloud_nat_is_capped_above_32_vms_and_gateway_endpoints_are_free():
    pool = {"urn": "urn:pulumi:t::p::gcp:container/nodePool:NodePool::pool", "name": "pool", "custom": True,
            "type": "gcp:container/nodePool:NodePool",
            "inputs": {"nodeConfig": {"machineType": "e2-standard-4"},
                       "autoscaling": {"totalMinNodeCount": 20, "totalMaxNodeCount": 40}}}
    nat = {"urn": "urn:pulumi:t::p::gcp:compute/routerNat:RouterNat::nat", "type": "gcp:compute/routerNat:RouterNat",
           "name": "nat", "custom": True, "inputs": {"natIpAllocateOption": "AUTO_ONLY"}}
    s3 = {"urn": "urn:pulumi:t::p::aws:ec2/vpcEndpoint:VpcEndpoint::s3", "type": "aws:ec2/vpcEndpoint:VpcEndpoint",
          "name": "s3", "custom": True, "inputs": {"vpcEndpointType": "Gateway"}}
    cost = estimate({"resources": [pool, nat, s3]}, DAY)
    [item] = [i for i in cost["items"] if i["name"] == "nat"]
    assert item["idleUsdPerHour"] == pytest.approx(20 * 0.0014 + 0.005)
    assert item["peakUsdPerHour"] == pytest.approx(0.044 + 0.005)
    assert "s3" not in {i["name"] for i in cost["items"]} | {u["name"] for u in cost["unpriced"]}
