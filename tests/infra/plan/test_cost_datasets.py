"""Dataset lines of the cost estimate: the copy's egress, the S3 Express cache, cross-region reads; no silent zero."""

from __future__ import annotations

import copy

import pytest

from infra.offline.document import build_document
from infra.plan.cost import estimate
from infra.plan.cost_datasets import dataset_lines
from tests.helpers import stack_run


@pytest.fixture(scope="module")
def documents():
    found = {stack: build_document(stack_run(stack)) for stack in ("dev", "prod")}
    for document in found.values():
        document["cost"] = estimate(document)
    return found


def lines(cost):
    return {i["name"]: (i["detail"], i["peakUsdPerMonth"], i["source"]) for i in cost["items"]
            if i["kind"] == "datasets"}


def test_prod_prices_the_cross_cloud_copy_and_the_zonal_cache(documents):
    found = lines(documents["prod"]["cost"])
    assert found["dataset-imagenet-transfer-job"][:2] == ("S3 -> GCS copy: 1500 GiB at 0.09 USD/GB egress", 135.0)
    assert found["dataset-imagenet-cache-bucket"][:2] == (
        "S3 Express One Zone cache: up to 1500 GiB at 0.11 USD/GB-month", 165.0)
    assert found["dataset-imagenet-cache-bucket"][2].startswith("https://aws.amazon.com/s3/faqs/")
    notes = {i["name"]: i["note"] for i in documents["prod"]["cost"]["items"] if i["kind"] == "datasets"}
    assert "estimate, not read on the provider's page" in notes["dataset-imagenet-transfer-job"]


def test_dev_lists_the_anywhere_cache_as_unpriced_not_zero(documents):
    unpriced = {u["name"]: u["reason"] for u in documents["dev"]["cost"]["unpriced"]}
    assert unpriced["dataset-imagenet-gcs-cache-us-central1-b"].startswith("Anywhere Cache storage, ingest")
    assert not any(n.startswith(("dev-imagenet-eks-p", "dev-gke-imagenet-gcs-gke-p")) for n in unpriced)


def test_a_cross_region_read_is_priced_per_read(documents):
    document = copy.deepcopy(documents["dev"])
    for resource in document["resources"]:
        if resource["name"] == "dev-imagenet-eks-pv":
            annotations = resource["inputs"]["metadata"]["annotations"]
            annotations["mlinfra.dev/dataset-home"] = "aws:us-west-2:elsewhere/imagenet/"
            annotations["mlinfra.dev/dataset-size-gib"] = "100"
    items, _ = dataset_lines(document, {"aws": "us-east-1", "gcp": "us-central1"})
    [line] = [i for i in items if i["name"] == "dev-imagenet-eks-pv"]
    # 100 GiB, 4 full reads a month (the default), 0.02 USD/GB between AWS regions.
    assert (line["detail"], line["peakUsdPerMonth"]) == (
        "reads from us-west-2: 100 GiB x 4 a month at 0.02 USD/GB", 8.0)
