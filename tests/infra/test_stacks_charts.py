"""Every Helm release in the plan documents of all stacks: pinned from the chart catalog, and
setting only value paths its chart reads at that pin (Helm silently drops any other key)."""

from __future__ import annotations

import copy

import pytest

from infra.catalog.chart_values import undeclared_paths
from infra.catalog.charts import AUTOSCALER_IMAGES, CHARTS, chart_for_release
from infra.offline.document import build_document
from tests.helpers import stack_run

RELEASE = "kubernetes:helm.sh/v3:Release"
STACKS = ("dev", "staging", "prod", "sandbox")


@pytest.fixture(scope="module")
def documents():
    return {stack: build_document(stack_run(stack)) for stack in STACKS}


def releases(document):
    return [r for r in document["resources"] if r["type"] == RELEASE]


def value_path_findings(document) -> list[str]:
    """One line per release value the release's chart does not read, or whose chart is not pinned."""
    findings = []
    for release in releases(document):
        inputs = release["inputs"]
        pin = chart_for_release(inputs["chart"])
        if pin is None:
            findings.append(f"{release['name']}: chart {inputs['chart']} is not in the chart catalog")
            continue
        for path in undeclared_paths(pin.value_paths, inputs.get("values", {})):
            findings.append(f"{release['name']} ({pin.label}): the chart does not read values path {path}")
    return findings


def test_no_release_sets_a_value_its_chart_does_not_read(documents):
    assert {stack: value_path_findings(doc) for stack, doc in documents.items()} == {s: [] for s in STACKS}


def test_the_check_reports_the_old_runner_annotation_path(documents):
    document = copy.deepcopy(documents["staging"])
    release = next(r for r in releases(document) if r["name"] == "train-runners-staging-cpu")
    release["inputs"]["values"]["containerMode"]["kubernetesModeServiceAccount"] = {
        "annotations": {"iam.gke.io/gcp-service-account": "ci@p.iam.gserviceaccount.com"}}
    assert value_path_findings(document) == [
        "train-runners-staging-cpu (gha-runner-scale-set@0.14.2): the chart does not read values path "
        "containerMode.kubernetesModeServiceAccount.annotations.iam.gke.io/gcp-service-account"]


def test_every_release_is_the_catalog_pin(documents):
    for stack, document in documents.items():
        for release in releases(document):
            inputs = release["inputs"]
            pin = chart_for_release(inputs["chart"])
            assert pin is not None and inputs["version"] == pin.version, (stack, release["name"])
            assert inputs.get("repositoryOpts", {}).get("repo") == pin.repository, (stack, release["name"])


def test_each_stack_installs_the_current_charts(documents):
    def charts(stack):
        return sorted({(chart_for_release(r["inputs"]["chart"]).key, r["inputs"]["version"])
                       for r in releases(documents[stack])})

    gpu_addons = [("cluster-autoscaler", "9.59.0"), ("dcgm-exporter", "4.8.2"), ("nvidia-device-plugin", "0.20.0")]
    # ARC with the operator that syncs its GitHub App secret from the cloud (#26).
    arc = [("external-secrets", "2.9.0"), ("gha-runner-scale-set", "0.14.2"),
           ("gha-runner-scale-set-controller", "0.14.2")]
    # Observability (#20) on every cluster of the stacks that have it (not sandboxes): the same charts on EKS and GKE.
    monitoring = [("grafana", "12.11.1"), ("kube-state-metrics", "8.3.1"), ("prometheus-node-exporter", "4.56.1")]
    # Kueue on every cluster with GPU pools, the EFA device plugin where a pool uses EFA (#32).
    kueue, efa = [("kueue", "0.19.2")], [("aws-efa-k8s-device-plugin", "v0.5.30")]
    assert charts("sandbox") == sorted(gpu_addons + kueue)
    assert charts("dev") == sorted(gpu_addons + arc + monitoring + kueue)
    assert charts("staging") == sorted(gpu_addons + arc + monitoring + kueue + efa)
    assert charts("prod") == sorted(gpu_addons + arc + monitoring + kueue + efa +
                                    [("aws-load-balancer-controller", "3.5.0")])


def test_autoscaler_runs_the_image_pinned_for_its_clusters_minor(documents):
    for stack, document in documents.items():
        clusters = {r["inputs"]["name"]: r["inputs"]["version"] for r in document["resources"]
                    if r["type"] == "aws:eks/cluster:Cluster"}
        [autoscaler] = [r for r in releases(document) if r["inputs"]["chart"] == CHARTS["cluster-autoscaler"].chart]
        values = autoscaler["inputs"]["values"]
        [version] = [v for name, v in clusters.items() if name == values["autoDiscovery"]["clusterName"]]
        assert values["image"] == {"tag": AUTOSCALER_IMAGES[version].tag} == {"tag": "v1.35.2"}, stack
