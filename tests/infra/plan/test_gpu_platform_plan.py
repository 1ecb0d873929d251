"""The GPU platform in the prod plan: the scale check per pool, reservations billed unused, the views' lines."""

import copy

import pytest

from infra.cli.views.gpu_platform import gpu_platform_markdown, spot_pools, team_queues
from infra.offline.document import build_document
from infra.plan.cost import estimate
from infra.plan.cost_reserved_pools import reservation_items
from infra.plan.scale_check import scale_report
from tests.helpers import stack_run


@pytest.fixture(scope="module")
def prod():
    return build_document(stack_run("prod"))


def test_every_gpu_pool_of_prod_gets_a_scale_line_and_all_scale(prod):
    lines = {line.pool: line for line in scale_report(prod)}
    assert sorted(lines) == ["infer-gcp-a100-mig-pool", "infer-gcp-h100-flex-pool", "infer-gcp-l4-spot-pool",
                             "train-ci-l4-ng", "train-h100-ng", "train-l4-fallback-ng", "train-l4-ng"]
    assert all(line.ok for line in lines.values()), [line.text() for line in lines.values() if not line.ok]
    assert lines["train-h100-ng"].detail == (
        "from zero: ASG/node-group resources tags nvidia.com/gpu=8, ephemeral-storage=900Gi, vpc.amazonaws.com/efa=32; "
        "labels mlinfra.io/pool=train-h100 and taints nvidia.com/gpu=present:NO_SCHEDULE from DescribeNodegroup; "
        "scales back to 0 (max 4)")
    assert lines["infer-gcp-h100-flex-pool"].detail.startswith(
        "from 0: Dynamic Workload Scheduler (flex-start) provides the nodes; nvidia.com/gpu=8")


def _without(document, name, key):
    broken = copy.deepcopy(document)
    for resource in broken["resources"]:
        if resource["type"] == "aws:autoscaling/tag:Tag" and resource["inputs"]["tag"]["key"].endswith(key) \
                and resource["name"].startswith(name):
            resource["inputs"]["tag"]["key"] = "unrelated"
        if resource["name"] == f"{name}-ng":
            resource["inputs"]["tags"] = {k: v for k, v in resource["inputs"]["tags"].items() if not k.endswith(key)}
    return broken


def test_a_pool_whose_template_offers_no_ephemeral_storage_fails_the_check(prod):
    lines = {line.pool: line for line in scale_report(_without(prod, "train-ci-l4", "resources/ephemeral-storage"))}
    line = lines["train-ci-l4-ng"]
    assert (line.ok, line.detail) == (False, "no k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage "
                                             "tag, so a zero-node template offers no ephemeral-storage")
    assert lines["train-h100-ng"].ok


def test_an_efa_pool_without_its_efa_resources_tag_fails(prod):
    line = {x.pool: x for x in scale_report(_without(prod, "train-h100", "resources/vpc.amazonaws.com/efa"))}
    assert line["train-h100-ng"].ok is False
    missing = "no k8s.io/cluster-autoscaler/node-template/resources/vpc.amazonaws.com/efa tag"
    assert missing in line["train-h100-ng"].detail


def test_the_reserved_h100s_are_billed_when_no_node_uses_them(prod):
    [item] = reservation_items(prod)
    assert (item["name"], item["kind"], item["detail"]) == (
        "train-h100-ng", "reservation", "p5.48xlarge reserved x 4, unused: 4 idle, 0 at peak")
    # Idle: no node runs, all 4 reserved instances are billed at the on-demand rate; at peak the nodes use them.
    assert (item["idleUsdPerHour"], item["peakUsdPerHour"], item["idleUsdPerMonth"]) == (220.16, 0.0, 160716.8)
    cost = estimate(prod)
    assert [i["name"] for i in cost["items"] if i["kind"] == "reservation"] == ["train-h100-ng"]


def test_a_capacity_block_is_noted_as_priced_at_on_demand(prod):
    document = copy.deepcopy(prod)
    template = next(r for r in document["resources"] if r["name"] == "train-h100-lt")
    template["inputs"]["instanceMarketOptions"] = {"marketType": "capacity-block"}
    [item] = reservation_items(document)
    assert item["note"].startswith("Capacity Block price not in the catalog")


def test_the_views_show_team_queues_with_the_derivation_and_spot_handling(prod):
    rows = {row["queue"]: row for row in team_queues(prod)}
    assert rows["research"]["quota"] == "h100: 16 GPUs (+any idle borrowed)"
    assert rows["applied"]["quota"] == "l4: 4 GPUs (+any idle borrowed); h100: 11 GPUs (+8 borrowed)"
    assert rows["applied"]["derivation"].startswith("h100: $60,000.00/month / (730 h x $6.8800/GPU-h) = 11.95 -> 11")
    assert [pool for pool, _ in spot_pools(prod)] == ["infer-gcp-l4-spot-pool", "train-l4-ng"]
    markdown = "\n".join(gpu_platform_markdown(prod))
    assert "#### Team GPU queues" in markdown and "#### Would it scale?" in markdown
    assert "- ✅ `train-h100-ng`: from zero:" in markdown


def test_a_pool_that_would_not_scale_fails_the_plan_with_its_reason(monkeypatch):
    import infra.plan.make as make
    from infra.plan.scale_check import ScaleLine

    real = make.scale_report

    def one_pool_broken(document):
        lines = real(document)
        assert [line.pool for line in lines] == ["dev-gke-l4-pool", "dev-l4-ng"]  # the real check ran
        return [ScaleLine("dev-l4-ng", "aws", False, "no k8s.io/cluster-autoscaler/node-template/resources/"
                                                     "ephemeral-storage tag"), *lines[:1]]

    monkeypatch.setattr(make, "scale_report", one_pool_broken)
    outcome = make.make_plan("dev")
    assert (outcome.exit_code, outcome.error) == (make.EXIT_POLICY, (
        "GPU pool dev-l4-ng would not scale: no k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage "
        "tag"))
    assert outcome.document is not None
