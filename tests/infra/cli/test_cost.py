"""`mlinfra cost` and the budget in `mlinfra plan`, as subprocesses, the way people and CI run them."""

import json
import os

import pytest

from tests.helpers import mlinfra

OVER_BUDGET = """config:
  mlinfra:environment: dev
  mlinfra:tags: {owner: ml, cost-center: cc}
  mlinfra:aws: {region: us-east-1}
  mlinfra:budget_per_hour: 20
  mlinfra:clusters:
    train:
      cloud: aws
      kubernetes_version: "1.35"
      gpu_pools:
        h100: {accelerator: nvidia-h100-80gb, gpus_per_node: 8, min_nodes: 0, max_nodes: 1}
        l4: {accelerator: nvidia-l4, min_nodes: 1, max_nodes: 2}
"""


def test_cost_dev_json_totals_match_the_items():
    result = mlinfra("cost", "dev", "--format", "json")
    assert result.returncode == 0, result.stderr
    cost = json.loads(result.stdout)
    [pool] = [i for i in cost["items"] if i["kind"] == "node-pool" and i["name"] == "dev-l4-ng"]
    assert pool["detail"] == "g6.xlarge spot x 0..2"
    assert pool["peakUsdPerHour"] == pytest.approx(2 * 0.4011)  # the us-east-1 spot row, not on-demand
    peak = sum(i["peakUsdPerHour"] for i in cost["items"])
    assert cost["totals"]["peak"]["usdPerHour"] == pytest.approx(peak, abs=1e-4)


def test_cost_table_prints_idle_and_peak_totals():
    result = mlinfra("cost", "sandbox")
    assert result.returncode == 0, result.stderr
    # sandbox: EKS 1.35 0.10 + NAT 0.045 + IPv4 0.005 + KMS 1/730 + one m7i.large system node 0.1008
    # idle; at peak one spot g6.xlarge 0.4011 (the snapshot's us-east-1 spot row) and a second system node
    # 0.1008 on top. Node disks at us-east-1's gp3 0.08 USD/GB-month: one 50 GiB system volume idle (4.00 a
    # month), at peak two and the GPU node's 200 GiB (24.00). The totals line says what it covers and the prices'
    # own dates: the oldest is now the EBS price list dump's (2022-02-10).
    text = " ".join(result.stdout.split())
    assert ("Idle 0.2604 USD/h (190.08 USD/month) · peak 0.7897 USD/h (576.47 USD/month) · priced 576.47 "
            "USD/month at peak; every billed resource priced · prices as of 2022-02-10 to 2026-12-07 (oldest and "
            "newest source)") in text
    assert "Within the budget of 5.00 USD/h" in result.stdout


def test_plan_over_budget_exits_1_naming_the_pools(tmp_path):
    (tmp_path / "Pulumi.dev.yaml").write_text(OVER_BUDGET)
    result = mlinfra("plan", "dev", "--stacks-dir", str(tmp_path), "--format", "markdown")
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("### mlinfra plan: `dev`")
    assert "#### Cost estimate" in result.stdout
    # 56.80 for the GPU pools and fixed fees, plus the default system pool at peak: 3 x m7i.large 0.1008, plus
    # the node disks at gp3 0.08 USD/GB-month: 200 GiB on the H100 node, 2 x 200 GiB on the L4 nodes, 3 x 50 GiB.
    assert round(57.11 + (200 + 2 * 200 + 3 * 50) * 0.08 / 730, 2) == 57.19
    expected = ("stack 'dev' is over budget: estimated peak cost 57.19 USD/h exceeds the budget of 20.00 USD/h; "
                "node pools at peak: train-h100-ng 55.04 USD/h (p5.48xlarge on-demand x 0..1), "
                "train-l4-ng 1.61 USD/h (g6.xlarge on-demand x 1..2), "
                "train-system-ng 0.30 USD/h (m7i.large on-demand x 2..3)")
    assert expected in " ".join(result.stderr.split())


def test_cost_out_writes_the_table_to_a_file_at_a_fixed_width(tmp_path):
    out = tmp_path / "cost.txt"
    result = mlinfra("cost", "dev", "--out", str(out), env={**os.environ, "COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert f"Cost estimate written to {out}" in result.stderr.replace("\n", "")
    text = out.read_text()
    # Written at 160 columns whatever the terminal: the hourly figures are there, nothing is cut.
    assert "Idle /h" in text and "…" not in text
    assert "│ dev-l4-ng " in text and "585.61" in text  # 2 x 0.4011 (spot) x 730


def test_cost_staging_lists_us_west_2_resources_as_unpriced_with_the_reason():
    result = mlinfra("cost", "staging", "--format", "json")
    assert result.returncode == 0, result.stderr
    cost = json.loads(result.stdout)
    reasons = {u["name"]: u["reason"] for u in cost["unpriced"]}
    assert reasons["checkpoints-bucket"] == ("no on-demand price for us-west-2 in the price snapshot "
                                             "(infra/catalog/prices.json): it has aws:s3/bucket:Bucket on-demand "
                                             "prices for us-east-1")
    # What a source prices alike in every region (EKS 0.10/h, the NAT's public IPv4 0.005/h, 7 KMS keys), the NAT
    # gateway at its us-west-2 row 0.045, and the machines the snapshot prices in us-west-2: one p5.48xlarge
    # 55.04, two spot g6.xlarge at the us-west-2 spot row 0.4541, four on-demand g6.xlarge 0.8048, three m7i.large
    # 0.1008; and their disks at gp3 0.08 USD/GB-month (500 GiB, 2 x 200, 4 x 200, 3 x 50).
    disks = (500 + 2 * 200 + 4 * 200 + 3 * 50) * 0.08 / 730
    assert cost["totals"]["peak"]["usdPerHour"] == round(
        0.10 + 0.005 + 0.045 + 7 / 730 + 55.04 + 2 * 0.4541 + 4 * 0.8048 + 3 * 0.1008 + disks, 4)
    # The total says it leaves out what it could not price, by type; every node pool is priced.
    assert cost["coverage"]["unpricedCapacity"] == []
    assert cost["coverage"]["unpricedTypes"] == {
        "aws:cloudwatch/logGroup:LogGroup": 2, "aws:ecr/repository:Repository": 1, "aws:eks/cluster:Cluster": 1,
        "aws:s3/bucket:Bucket": 3,
        # The empty GitHub App secret (#26), whose price is not read yet in any region.
        "aws:secretsmanager/secret:Secret": 1}
    assert cost["coverage"]["unpricedCount"] == len(cost["unpriced"]) == 8


def test_a_budget_in_a_region_without_prices_cannot_be_checked_and_exits_1(tmp_path):
    # sa-east-1: no GPU or system machine has a row there (SkyPilot's AWS catalog does not cover the region).
    (tmp_path / "Pulumi.dev.yaml").write_text(OVER_BUDGET.replace("region: us-east-1", "region: sa-east-1"))
    result = mlinfra("plan", "dev", "--stacks-dir", str(tmp_path), "--format", "markdown")
    assert result.returncode == 1, result.stderr
    stderr = " ".join(result.stderr.split())
    assert "cannot check the budget of 20.00 USD/h: node pools without a price: train-h100-ng (no on-demand price " \
           "for sa-east-1 in the price snapshot" in stderr
