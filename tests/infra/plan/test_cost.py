"""The cost model: hand-checked arithmetic on the dev stack, each pricing rule, the budget check."""

from datetime import date

import jsonschema
import pytest

from infra.catalog import price_snapshot
from infra.offline.document import build_document, load_schema
from infra.offline.engine import STACKS_DIR
from infra.offline.stackfile import available_stacks
from infra.plan.cost import HOURS_PER_MONTH, add_cost, check_budget, estimate
from infra.plan.cost_compute import SPOT_AS_ON_DEMAND
from tests.helpers import stack_run

BEFORE_135_ENDS = date(2026, 12, 1)  # EKS 1.35 still in standard support
AFTER_135_ENDS = date(2027, 4, 1)


@pytest.fixture(scope="module")
def dev_document():
    return build_document(stack_run("dev"))


def _resource(rtype, inputs, name="r", custom=True):
    return {"urn": f"urn:pulumi:t::mlinfra::{rtype}::{name}", "type": rtype, "name": name, "custom": custom,
            "inputs": inputs}


def _doc(*resources):
    # The stack's explicit providers, in the catalog's regions, as every real stack records them.
    providers = [{"urn": f"urn:pulumi:t::mlinfra::pulumi:providers:{cloud}::{cloud}", "name": cloud, "custom": True,
                  "type": f"pulumi:providers:{cloud}", "inputs": {"region": region}}
                 for cloud, region in (("aws", "us-east-1"), ("gcp", "us-central1"))]
    return {"resources": [*providers, *resources]}


def test_dev_idle_and_peak_by_hand(dev_document):
    cost = estimate(dev_document, BEFORE_135_ENDS)
    items = {(i["kind"], i["name"]): i for i in cost["items"]}
    pool = items[("node-pool", "dev-l4-ng")]
    # dev's AWS l4 pool: spot g6.xlarge, 0 nodes idle, 2 at peak, at the snapshot's us-east-1 spot row
    # (0.4011 USD/h, the highest AZ spot price SkyPilot's catalog shows there), not on-demand's 0.8048.
    spot = price_snapshot.load().find("aws:ec2:g6.xlarge", "us-east-1", "spot")
    assert (spot.usd, spot.basis, spot.as_of) == (0.4011, "spot-snapshot", "2026-12-07")
    assert (pool["idleCount"], pool["peakCount"]) == (0, 2)
    assert pool["idleUsdPerHour"] == 0
    assert pool["peakUsdPerHour"] == pytest.approx(2 * 0.4011)
    assert pool["peakUsdPerMonth"] == pytest.approx(round(2 * 0.4011 * 730, 2))
    assert (pool["basis"], pool["asOf"]) == ("spot-snapshot", "2026-12-07")
    assert pool["note"] == "spot price observed 2026-12-07 (spot prices move; a snapshot, not a quote)"
    # Every priced line of dev, by hand. Idle: EKS 0.10 + GKE 0.10 + one m7i.large system node
    # 0.1008 + one e2-standard-2 GKE system node 0.067006 + one NAT 0.045 and its IPv4 0.005
    # + seven AWS KMS keys (two buckets, EKS secrets, control-plane logs, flow logs, the CI image
    # repository, the metrics workspace and alert topic) at 1 USD/month + two Cloud KMS keys (GKE
    # secrets and node disks) at 0.06 USD/month. Idle runners cost nothing: min_runners is 0.
    # + Cloud NAT for the GKE side: 0.0014 per node using it (1 idle) and 0.005 for its one IP.
    idle = 0.10 + 0.10 + 0.1008 + 0.067006 + 0.045 + 0.005 + 7 * 1.00 / 730 + 2 * 0.06 / 730 + 0.0014 + 0.005
    # Peak adds: both system pools at 2 nodes, the AWS l4 pool at 2 x 0.4011 (spot), the GKE l4 pool
    # at 2 x g2-standard-4 0.706832 (spot: no spot price for it anywhere in the snapshot, so an
    # on-demand upper bound, labelled), and Cloud NAT for the 3 more GKE nodes.
    peak = idle + 0.1008 + 0.067006 + 2 * 0.4011 + 2 * 0.706832 + 3 * 0.0014
    # Node disks, per GB-month over 730 hours (us-east-1 gp3 0.08, us-central1 pd-balanced 0.10): idle, one 50 GiB
    # system volume on EKS and one 100 GiB system disk on GKE; peak, every pool at its maximum (two 50 GiB and two
    # 200 GiB gp3, two 100 GiB and two 200 GiB pd-balanced).
    disks_idle = (50 * 0.08 + 100 * 0.10) / 730
    disks_peak = (2 * 50 * 0.08 + 2 * 200 * 0.08 + 2 * 100 * 0.10 + 2 * 200 * 0.10) / 730
    idle, peak = idle + disks_idle, peak + disks_peak
    assert items[("node-pool", "dev-gke-l4-pool")]["note"] == SPOT_AS_ON_DEMAND
    assert items[("node-pool", "dev-gke-l4-pool")]["basis"] == "spot-estimate"
    assert sorted(items) == sorted([
        ("control-plane", "dev-cluster"), ("control-plane", "dev-gke-cluster"),
        ("node-pool", "dev-gke-l4-pool"), ("node-pool", "dev-gke-system"), ("node-pool", "dev-l4-ng"),
        ("node-pool", "dev-system-ng"), ("node-disk", "dev-gke-l4-pool-disks"), ("node-disk", "dev-gke-system-disks"),
        ("node-disk", "dev-l4-ng-disks"), ("node-disk", "dev-system-ng-disks"),
        ("nat", "dev-net-nat-us-east-1a"), ("nat", "dev-gke-net-nat"),
        ("public-ip", "dev-net-nat-us-east-1a"), ("kms-key", "checkpoints-key"), ("kms-key", "datasets-key"),
        ("kms-key", "dev-gke-secrets-key"), ("kms-key", "dev-gke-disks-key"), ("kms-key", "dev-secrets"),
        ("kms-key", "dev-logs-key"), ("kms-key", "dev-net-flow-logs-key"), ("kms-key", "dev-dev-cpu-registry-key"),
        ("kms-key", "metrics-key")])
    assert cost["totals"]["idle"]["usdPerHour"] == pytest.approx(idle, abs=1e-4)
    assert cost["totals"]["idle"]["usdPerMonth"] == pytest.approx(idle * 730, abs=0.05)
    assert cost["totals"]["peak"]["usdPerHour"] == pytest.approx(peak, abs=1e-4)
    assert cost["totals"]["peak"]["usdPerMonth"] == pytest.approx(peak * 730, abs=0.05)
    # Usage-priced resources are listed per unit, never counted as zero volume.
    assert sorted(u["name"] for u in cost["usage"]) == [
        "checkpoints-bucket", "datasets-bucket", "datasets-gcs-bucket", "dev-dev-cpu-registry-repo", "dev-gke-net-nat",
        "dev-logs", "dev-net-flow-logs"]
    assert {u["usd"] for u in cost["usage"] if u["type"] == "aws:s3/bucket:Bucket"} == {0.023}
    # Only what costs money and has no price yet is unpriced: no tags, namespaces or policies, and not
    # the internal gateway's internal address (billed through its forwarding rule, not by itself).
    assert sorted(u["type"] for u in cost["unpriced"]) == [
        # The empty GitHub App secret (#26): its price not read at its source yet (infra/plan/cost_types.py).
        "aws:secretsmanager/secret:Secret",
        "gcp:certificatemanager/certificate:Certificate",
        "gcp:certificatemanager/dnsAuthorization:DnsAuthorization",
        # The dev GCS dataset's Anywhere Cache (#27): its prices not read yet (infra/catalog/dataset_prices.py).
        "gcp:storage/anywhereCache:AnywhereCache",
        "kubernetes:gateway.networking.k8s.io/v1:Gateway"]
    assert "dev-gke-llm-ip" not in {i["name"] for i in cost["items"]}


def test_eks_control_plane_bills_extended_support_after_standard_ends(dev_document):
    [plane] = [i for i in estimate(dev_document, AFTER_135_ENDS)["items"]
               if i["kind"] == "control-plane" and i["name"] == "dev-cluster"]
    assert plane["unitUsdPerHour"] == 0.60
    assert plane["detail"] == "EKS 1.35 extended support (standard ended 2027-03-27)"
    assert plane["source"].startswith("https://aws.amazon.com/eks/pricing/; holds in every region: ")


@pytest.mark.parametrize("stack", available_stacks(STACKS_DIR))
def test_every_stack_cost_adds_up_and_matches_the_schema(stack):
    document = build_document(stack_run(stack))
    add_cost(document, None)
    jsonschema.validate(document, load_schema())
    cost = document["cost"]
    for scenario in ("idle", "peak"):
        total = sum(i[f"{scenario}UsdPerHour"] for i in cost["items"])
        assert cost["totals"][scenario]["usdPerHour"] == pytest.approx(total, abs=1e-4)
    assert cost["totals"]["peak"]["usdPerHour"] >= cost["totals"]["idle"]["usdPerHour"] > 0
    assert all(i["source"] and i["asOf"] for i in cost["items"])


def test_gke_pool_uses_catalog_spot_price_and_zone_count():
    pool = _resource("gcp:container/nodePool:NodePool", {
        "nodeConfig": {"machineType": "a2-highgpu-1g", "spot": True},
        "autoscaling": {"minNodeCount": 1, "maxNodeCount": 2},
        "nodeLocations": ["us-central1-a", "us-central1-b"]}, name="a100")
    [item] = estimate(_doc(pool), BEFORE_135_ENDS)["items"]
    assert (item["idleCount"], item["peakCount"], item["unitUsdPerHour"]) == (2, 4, 1.80385)
    assert item["peakUsdPerHour"] == pytest.approx(4 * 1.80385)
    # A spot row of the snapshot, with its date: a spot price is an observation, not a quote.
    assert item["note"] == "spot price observed 2025-03 (spot prices move; a snapshot, not a quote)"
    assert item["basis"] == "list"


def test_gke_total_counts_and_cluster_fee_and_cpu_machine():
    pool = _resource("gcp:container/nodePool:NodePool", {
        "nodeConfig": {"machineType": "e2-standard-4"},
        "autoscaling": {"totalMinNodeCount": 1, "totalMaxNodeCount": 3}}, name="system")
    cluster = _resource("gcp:container/cluster:Cluster", {}, name="gke")
    cost = estimate(_doc(pool, cluster), BEFORE_135_ENDS)
    assert [(i["name"], i["idleUsdPerHour"], i["peakUsdPerHour"]) for i in cost["items"]] == [
        ("gke", 0.10, 0.10), ("system", 0.134012, pytest.approx(3 * 0.134012))]


def test_fixed_prices_per_hour_and_per_month():
    cost = estimate(_doc(_resource("aws:lb/loadBalancer:LoadBalancer", {}, "alb"),
                         _resource("gcp:kms/cryptoKey:CryptoKey", {}, "key")), BEFORE_135_ENDS)
    lb, key = cost["items"]
    # The hourly part plus one load balancer capacity unit assumed at 0.008 USD/LCU-hour.
    assert lb["peakUsdPerHour"] == pytest.approx(0.0225 + 0.008) and lb["peakUsdPerMonth"] == pytest.approx(22.27)
    assert lb["detail"] == "0.0225 USD/hour + 1 LCU assumed"
    assert key["peakUsdPerMonth"] == 0.06


@pytest.mark.parametrize("resource, reason", [
    (_resource("aws:eks/nodeGroup:NodeGroup", {"instanceTypes": ["x9.huge"], "scalingConfig": {
        "minSize": 0, "maxSize": 1}}), "x9.huge is not in the catalog's aws machine prices"),
    (_resource("aws:eks/nodeGroup:NodeGroup", {"instanceTypes": ["[unknown]"]}),
     "instanceTypes unknown at plan time"),
    (_resource("aws:eks/nodeGroup:NodeGroup", {"instanceTypes": ["m6i.large"], "scalingConfig": {
        "minSize": "[unknown]", "maxSize": 2}}), "scalingConfig.minSize unknown at plan time (got '[unknown]')"),
    (_resource("gcp:container/nodePool:NodePool", {"nodeConfig": {"machineType": "g2-standard-4"},
                                                   "autoscaling": {"minNodeCount": 0, "maxNodeCount": 1}}),
     "per-zone node counts without nodeLocations: zone count unknown at plan time"),
    (_resource("aws:rds/instance:Instance", {}), "no price model for this resource type"),
])
def test_what_cannot_be_priced_is_listed_with_the_reason(resource, reason):
    cost = estimate(_doc(resource), BEFORE_135_ENDS)
    assert cost["items"] == []
    assert [u for u in cost["unpriced"] if u["name"] == "r"] == [
        {"name": "r", "type": resource["type"], "urn": resource["urn"], "reason": reason}]
    # A node pool's disks are a line of their own: without a launch template or disk size in the plan they are
    # unpriced too, under their own type, so they never count as unpriced GPU capacity.
    disks = [u for u in cost["unpriced"] if u["name"] == "r-disks"]
    if resource["type"] in ("aws:eks/nodeGroup:NodeGroup", "gcp:container/nodePool:NodePool"):
        assert [d["type"] for d in disks] in (["aws:ebs"], ["gcp:disk"])
        assert disks[0]["reason"].startswith("node disks: ")
        assert cost["coverage"]["unpricedCapacity"] == ["r"]
    else:
        assert disks == []


def test_free_types_and_components_are_not_listed():
    cost = estimate(_doc(_resource("aws:ec2/vpc:Vpc", {}), _resource("mlinfra:aws:Network", {}, custom=False)))
    assert cost["items"] == cost["unpriced"] == cost["usage"] == []


def _pools_doc():
    return _doc(
        _resource("aws:eks/nodeGroup:NodeGroup", {"instanceTypes": ["p5.48xlarge"], "capacityType": "ON_DEMAND",
                                                  "scalingConfig": {"minSize": 0, "maxSize": 1}}, "h100-ng"),
        _resource("aws:eks/nodeGroup:NodeGroup", {"instanceTypes": ["m6i.large"],
                                                  "scalingConfig": {"minSize": 2, "maxSize": 2}}, "system-ng"))


def test_budget_breach_names_pools_and_numbers():
    cost = estimate(_pools_doc(), BEFORE_135_ENDS)
    assert check_budget(cost, None) is None
    assert check_budget(cost, 60.0) is None
    breach = check_budget(cost, 10.0)
    assert breach.message == ("estimated peak cost 55.23 USD/h exceeds the budget of 10.00 USD/h; node pools at "
                              "peak: h100-ng 55.04 USD/h (p5.48xlarge on-demand x 0..1), "
                              "system-ng 0.19 USD/h (m6i.large on-demand x 2..2)")


def test_budget_cannot_be_checked_with_an_unpriced_pool():
    doc = _doc(_resource("aws:eks/nodeGroup:NodeGroup", {"instanceTypes": ["x9.huge"],
                                                         "scalingConfig": {"minSize": 0, "maxSize": 1}}, "odd"))
    breach = check_budget(estimate(doc), 100.0)
    assert breach.message == ("cannot check the budget of 100.00 USD/h: node pools without a price: "
                              "odd (x9.huge is not in the catalog's aws machine prices)")


def test_add_cost_records_the_verdict():
    doc = _pools_doc()
    breach = add_cost(doc, 10.0, BEFORE_135_ENDS)
    assert doc["cost"]["budget"] == {"usdPerHour": 10.0, "exceeded": True, "message": breach.message}
    assert HOURS_PER_MONTH == 730
