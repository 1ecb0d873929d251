"""Reserved capacity is billed whether used or not: its idle cost shows, priced from the snapshot."""

import pytest

from infra.catalog.accelerators import Cloud
from infra.plan.cost import estimate
from infra.plan.cost_network import Unpriced
from infra.plan.cost_reservations import reservation_item, reserved_pool_item


def test_a_reservation_costs_its_instances_at_the_on_demand_rate_even_idle():
    item = reservation_item(Cloud.AWS, "p5.48xlarge", "us-west-2", 2, "capacity-reservation")
    assert (item["kind"], item["idleCount"], item["peakCount"]) == ("reservation", 2, 2)
    assert item["idleUsdPerHour"] == item["peakUsdPerHour"] == pytest.approx(2 * 55.04)
    assert item["note"].startswith("an On-Demand Capacity Reservation is billed at the on-demand rate")


def test_a_pool_in_a_reservation_pays_the_reservation_at_zero_nodes_and_only_the_excess_above_it():
    item = reserved_pool_item(Cloud.GCP, "a2-highgpu-1g", "us-central1", 2, 0, 5, "gcp-reservation")
    assert (item["idleCount"], item["peakCount"]) == (2, 5)
    assert item["idleUsdPerHour"] == pytest.approx(2 * 3.673385)
    assert item["peakUsdPerHour"] == pytest.approx(5 * 3.673385)


def test_a_capacity_block_without_a_price_row_is_unpriced_with_the_reason():
    with pytest.raises(Unpriced, match=r"^Capacity Block for p5\.48xlarge: its price is set per block"):
        reservation_item(Cloud.AWS, "p5.48xlarge", "us-east-1", 1, "capacity-block")


def test_a_reservation_in_a_region_without_a_price_is_unpriced_not_zero():
    with pytest.raises(Unpriced, match="no on-demand price for eu-west-1"):
        reservation_item(Cloud.AWS, "g6.xlarge", "eu-west-1", 4, "capacity-reservation")


def test_reservation_resources_in_a_plan_are_priced_by_the_cost_model():
    provider = {"urn": "urn:pulumi:t::p::pulumi:providers:aws::aws", "type": "pulumi:providers:aws", "name": "aws",
                "custom": True, "inputs": {"region": "us-east-2"}}
    odcr = {"urn": "urn:pulumi:t::p::aws:ec2/capacityReservation:CapacityReservation::r", "name": "r", "custom": True,
            "type": "aws:ec2/capacityReservation:CapacityReservation", "provider": f"{provider['urn']}::id",
            "inputs": {"instanceType": "p5en.48xlarge", "instanceCount": 1, "availabilityZone": "us-east-2a"}}
    cost = estimate({"resources": [provider, odcr]})
    [item] = cost["items"]
    assert (item["kind"], item["unitUsdPerHour"]) == ("reservation", 63.296)
    assert cost["totals"]["idle"]["usdPerHour"] == 63.296  # billed at idle: nothing needs to run in it
