"""Dataset lines of the cost estimate: the copy's egress, the S3 Express cache, cross-region reads; no silent zero."""

from __future__ import annotations

import copy

import pytest

from infra.catalog import price_snapshot
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


def _with_home(documents, home, size="100"):
    document = copy.deepcopy(documents["dev"])
    for resource in document["resources"]:
        if resource["name"] == "dev-imagenet-eks-pv":
            annotations = resource["inputs"]["metadata"]["annotations"]
            annotations["mlinfra.dev/dataset-home"] = home
            annotations["mlinfra.dev/dataset-size-gib"] = size
    return document


def test_a_cross_region_read_is_priced_per_read_at_the_sending_region_s_row(documents):
    # The bucket in us-east-1, read by a cluster in us-west-2: the data leaves us-east-1, priced at its row.
    document = _with_home(documents, "aws:us-east-1:elsewhere/imagenet/")
    items, _ = dataset_lines(document, {"aws": "us-west-2", "gcp": "us-central1"})
    [line] = [i for i in items if i["name"] == "dev-imagenet-eks-pv"]
    row = price_snapshot.load().find("aws:transfer/inter-region", "us-east-1")
    # 100 GiB, 4 full reads a month (the default), 0.02 USD/GB between AWS regions.
    assert (line["detail"], line["peakUsdPerMonth"]) == (
        "reads from us-east-1: 100 GiB x 4 a month at 0.02 USD/GB", 8.0)
    assert (line["source"], line["asOf"]) == (row.source, row.as_of)
    assert "estimate, not read on the provider's page" in line["note"]


def test_a_read_sent_from_a_region_without_a_transfer_row_is_unpriced_not_priced_elsewhere(documents):
    document = _with_home(documents, "aws:us-west-2:elsewhere/imagenet/")
    items, unpriced = dataset_lines(document, {"aws": "us-east-1", "gcp": "us-central1"})
    assert not [i for i in items if i["name"] == "dev-imagenet-eks-pv"]
    [entry] = [u for u in unpriced if u["name"] == "dev-imagenet-eks-pv"]
    assert entry["reason"] == (
        "cross-region dataset reads from us-west-2: no on-demand price for us-west-2 in the price snapshot "
        "(infra/catalog/prices.json): it has aws:transfer/inter-region on-demand prices for us-east-1")


def test_the_copy_and_the_cache_read_their_snapshot_rows(documents):
    items = {i["name"]: i for i in documents["prod"]["cost"]["items"] if i["kind"] == "datasets"}
    snapshot = price_snapshot.load()
    egress = snapshot.find("aws:transfer/internet-egress", "us-east-1")
    express = snapshot.find("aws:s3express/storage", "us-east-1")
    assert (egress.usd, egress.basis) == (0.09, "estimate") and (express.usd, express.basis) == (0.11, "list")
    assert items["dataset-imagenet-transfer-job"]["source"] == egress.source
    assert items["dataset-imagenet-cache-bucket"]["source"] == express.source
