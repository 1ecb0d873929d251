"""Node disks: a line per node pool beside its machines, priced per GB-month from the region's snapshot row,
unpriced (under its own type, never as GPU capacity) where the size, type or regional price is not known."""

from datetime import date

import pytest

from infra.catalog import price_snapshot
from infra.plan.cost import check_budget, estimate

DAY = date(2026, 12, 1)


def _provider(cloud, region):
    return {"urn": f"urn:pulumi:t::p::pulumi:providers:{cloud}::{cloud}", "type": f"pulumi:providers:{cloud}",
            "name": cloud, "custom": True, "inputs": {"region": region}}


def _gke_pool(name, region, disk_type="pd-balanced", size=200, machine="e2-standard-4"):
    return {"urn": f"urn:pulumi:t::p::gcp:container/nodePool:NodePool::{name}", "name": name, "custom": True,
            "type": "gcp:container/nodePool:NodePool",
            "provider": "urn:pulumi:t::p::pulumi:providers:gcp::gcp::id",
            "inputs": {"location": region, "nodeConfig": {"machineType": machine, "diskSizeGb": size,
                                                          "diskType": disk_type},
                       "autoscaling": {"totalMinNodeCount": 1, "totalMaxNodeCount": 3}}}


def _eks_pool(name, mappings):
    template = {"urn": f"urn:pulumi:t::p::aws:ec2/launchTemplate:LaunchTemplate::{name}-lt", "name": f"{name}-lt",
                "custom": True, "type": "aws:ec2/launchTemplate:LaunchTemplate",
                "provider": "urn:pulumi:t::p::pulumi:providers:aws::aws::id",
                "inputs": {"blockDeviceMappings": mappings}}
    pool = {"urn": f"urn:pulumi:t::p::aws:eks/nodeGroup:NodeGroup::{name}", "name": name, "custom": True,
            "type": "aws:eks/nodeGroup:NodeGroup", "provider": "urn:pulumi:t::p::pulumi:providers:aws::aws::id",
            "inputs": {"instanceTypes": ["m7i.large"], "scalingConfig": {"minSize": 2, "maxSize": 4},
                       "launchTemplate": {"id": "lt-0123", "version": "1"}},
            "propertyDependencies": {"launchTemplate": [template["urn"]]}}
    return [template, pool]


def _disks(cost, name):
    return [i for i in cost["items"] if i["kind"] == "node-disk" and i["name"] == f"{name}-disks"]


def test_an_eks_pool_s_launch_template_volumes_are_priced_per_node_at_its_region_s_gp3_row():
    mappings = [{"deviceName": "/dev/xvda", "ebs": {"volumeType": "gp3", "volumeSize": 50}},
                {"deviceName": "/dev/xvdb", "ebs": {"volumeType": "gp3", "volumeSize": 150}}]
    cost = estimate({"resources": [_provider("aws", "eu-west-1"), *_eks_pool("sys", mappings)]}, DAY)
    [line] = _disks(cost, "sys")
    row = price_snapshot.load().find("aws:ebs:gp3", "eu-west-1")
    # The AWS price list dump gives 0.088 USD per GB-month for gp3 in eu-west-1 (2022-02-10).
    assert (row.usd, row.as_of, row.basis) == (0.088, "2022-02-10", "list")
    assert line["detail"] == "200 GiB gp3 at 0.088 USD/GB-month x 2..4 nodes"
    assert (line["idleCount"], line["peakCount"]) == (2, 4)
    assert line["idleUsdPerMonth"] == pytest.approx(2 * 200 * 0.088)
    assert line["peakUsdPerMonth"] == pytest.approx(4 * 200 * 0.088)
    assert line["source"] == row.source and line["asOf"] == "2022-02-10"


def test_a_gke_pool_s_boot_disk_is_priced_at_the_derived_pd_balanced_row():
    cost = estimate({"resources": [_provider("gcp", "us-central1"), _gke_pool("sys", "us-central1")]}, DAY)
    [line] = _disks(cost, "sys")
    assert (line["basis"], line["asOf"]) == ("derived", "2026-04-13")
    assert line["peakUsdPerMonth"] == pytest.approx(3 * 200 * 0.10)
    assert "Balanced PD Capacity" in line["source"]


@pytest.mark.parametrize(("region", "disk_type", "reason"), [
    ("europe-west4", "pd-balanced",
     "node disks: no on-demand price for europe-west4 in the price snapshot (infra/catalog/prices.json): it has "
     "gcp:disk:pd-balanced on-demand prices for asia-east1, europe-west1, us-central1, us-central2, us-east1, "
     "us-west1"),
    ("us-central1", "hyperdisk-balanced",
     "node disks: no on-demand price for us-central1 in the price snapshot (infra/catalog/prices.json): it has no "
     "gcp:disk:hyperdisk-balanced price"),
])
def test_a_disk_without_a_regional_price_is_unpriced_under_its_own_type(region, disk_type, reason):
    pool = _gke_pool("gpu", region, disk_type, machine="a2-highgpu-1g")
    cost = estimate({"resources": [_provider("gcp", region), pool]}, DAY)
    assert _disks(cost, "gpu") == []
    [entry] = [u for u in cost["unpriced"] if u["name"] == "gpu-disks"]
    assert entry == {"name": "gpu-disks", "type": f"gcp:disk:{disk_type}", "urn": pool["urn"], "reason": reason}
    assert cost["coverage"]["unpricedTypes"][f"gcp:disk:{disk_type}"] == 1
    # Disks are not GPU capacity: a budget is still judged on the pool, and the total says what it leaves out.
    if region == "us-central1":
        assert cost["coverage"]["unpricedCapacity"] == []
        assert check_budget(cost, 1000.0) is None


def test_every_stack_prices_a_disk_line_for_every_node_pool():
    from infra.offline.document import build_document
    from tests.helpers import stack_run

    for stack in ("dev", "prod", "sandbox", "staging"):
        document = build_document(stack_run(stack))
        cost = estimate(document, DAY)
        pools = {r["name"] for r in document["resources"]
                 if r["type"] in ("aws:eks/nodeGroup:NodeGroup", "gcp:container/nodePool:NodePool")}
        disks = {i["name"] for i in cost["items"] if i["kind"] == "node-disk"}
        assert disks == {f"{p}-disks" for p in pools}, stack
        assert not [u for u in cost["unpriced"] if u["name"].endswith("-disks")], stack
