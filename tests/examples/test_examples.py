"""examples/: each complete stack file plans offline, policy-clean, with the shape its comment promises."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from infra.plan.make import make_plan
from tests.helpers import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.fixture(scope="module")
def plans(tmp_path_factory) -> dict[str, dict]:
    stacks = tmp_path_factory.mktemp("examples")
    for path in EXAMPLES:
        shutil.copy(path, stacks / f"Pulumi.{path.stem}.yaml")
    out = {}
    for path in EXAMPLES:
        outcome = make_plan(path.stem, stacks)
        assert outcome.exit_code == 0, (path.name, outcome.error)
        out[path.stem] = outcome.document
    return out


def test_there_are_the_three_shapes():
    assert [p.stem for p in EXAMPLES] == ["aws-training", "gke-inference", "multi-cloud"]


def _types(document: dict) -> Counter:
    return Counter(r["type"] for r in document["resources"])


def test_every_example_is_policy_clean_and_priced(plans: dict[str, dict]):
    for name, document in plans.items():
        assert document["policy"]["violations"] == [], name
        assert document["cost"]["totals"]["peak"]["usdPerHour"] > 0, name


def test_aws_training_is_aws_only_with_an_efa_h100_pool(plans):
    types = _types(plans["aws-training"])
    assert not [t for t in types if t.startswith("gcp:")]
    assert types["aws:eks/cluster:Cluster"] == 1 and types["aws:eks/nodeGroup:NodeGroup"] == 3
    assert types["aws:s3/bucket:Bucket"] + types.get("aws:s3/bucketV2:BucketV2", 0) == 2
    assert types["aws:ec2/placementGroup:PlacementGroup"] == 1


def test_gke_inference_is_gcp_only_behind_a_gateway(plans):
    types = _types(plans["gke-inference"])
    assert not [t for t in types if t.startswith("aws:")]
    assert types["gcp:container/cluster:Cluster"] == 1
    assert types["kubernetes:gateway.networking.k8s.io/v1:Gateway"] == 1
    assert types["gcp:compute/securityPolicy:SecurityPolicy"] == 1  # the managed WAF of an internet-facing gateway


def test_multi_cloud_has_a_cluster_and_a_dataset_bucket_on_each_cloud(plans):
    types = _types(plans["multi-cloud"])
    assert types["aws:eks/cluster:Cluster"] == 1 and types["gcp:container/cluster:Cluster"] == 1
    assert types["gcp:storage/bucket:Bucket"] >= 1


def test_examples_are_documented(tmp_path: Path):
    page = (ROOT / "docs" / "concepts" / "stacks.md").read_text()
    assert "examples/" in page
    for path in EXAMPLES:
        assert "mlinfra stack new NAME --from examples/" in path.read_text()
