"""The chart catalog: pins with sources, supported Kubernetes minors, and the value-path check."""

from __future__ import annotations

import pytest

from components.k8s.runner_values import RunnerSet, scale_set_values
from infra.catalog.chart_values import VALUE_PATHS, set_paths, undeclared_paths
from infra.catalog.charts import (
    AUTOSCALER_IMAGES,
    CHARTS,
    autoscaler_image_problem,
    chart_for_release,
    minors,
    support_problem,
)

RUNNER = RunnerSet("https://github.com/acme", 2, {"cpu": "1"}, {"cpu": "2"}, "runner:2.338.1",
                   service_account_annotations={"iam.gke.io/gcp-service-account": "ci@p.iam.gserviceaccount.com"})


def test_every_pin_has_a_source_at_its_version_and_value_paths():
    for key, pin in CHARTS.items():
        assert pin.version in pin.version_source, key
        assert pin.kubernetes and pin.kubernetes_source and pin.read_on in ("2026-11-29", "2026-12-07"), key
        assert VALUE_PATHS[key].paths and VALUE_PATHS[key].source, key
    assert set(VALUE_PATHS) == set(CHARTS)
    for minor, image in AUTOSCALER_IMAGES.items():
        assert image.tag.startswith(f"v{minor}.") and image.tag.lstrip("v") in image.source


def test_pins_are_the_releases_the_issue_asks_for():
    versions = {key: pin.version for key, pin in CHARTS.items()}
    assert versions == {"cluster-autoscaler": "9.59.0", "nvidia-device-plugin": "0.20.0", "dcgm-exporter": "4.8.2",
                        "aws-load-balancer-controller": "3.5.0", "gha-runner-scale-set-controller": "0.14.2",
                        "gha-runner-scale-set": "0.14.2", "grafana": "12.11.1", "kube-state-metrics": "8.3.1",
                        "prometheus-node-exporter": "4.56.1", "kueue": "0.19.2", "aws-efa-k8s-device-plugin": "v0.5.30",
                        "external-secrets": "2.9.0"}
    # 9.54.0 is the first chart whose ClusterRole grants the resource.k8s.io DRA resources.
    assert tuple(int(p) for p in CHARTS["cluster-autoscaler"].version.split(".")) >= (9, 54, 0)


def test_every_pin_supports_the_stacks_kubernetes_version():
    assert [key for key, pin in CHARTS.items() if support_problem(pin, "1.35")] == []
    assert autoscaler_image_problem("1.35") is None
    assert AUTOSCALER_IMAGES["1.35"].tag == "v1.35.2"


def test_support_problem_names_the_chart_and_both_versions():
    assert minors("1.34", "1.36") == ("1.34", "1.35", "1.36")
    assert support_problem(CHARTS["cluster-autoscaler"], "1.33") == (
        "cluster-autoscaler@9.59.0 does not support Kubernetes 1.33 (it supports 1.34, 1.35)")
    assert autoscaler_image_problem("1.36") == (
        "cluster-autoscaler has no pinned image for Kubernetes 1.36 (pinned: 1.34, 1.35); "
        "its minor must match the cluster's")


def test_releases_are_matched_by_their_chart_reference():
    assert chart_for_release("oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set") \
        is CHARTS["gha-runner-scale-set"]
    assert chart_for_release("gha-runner-scale-set") is None
    assert chart_for_release("dcgm-exporter") is CHARTS["dcgm-exporter"]


def test_set_paths_walk_maps_and_treat_lists_and_empty_maps_as_leaves():
    values = {"a": {"b": 1, "c": [{"d": 2}]}, "e": {}, "f": "x"}
    assert list(set_paths(values)) == ["a.b", "a.c", "e", "f"]
    assert undeclared_paths(frozenset({"a"}), values) == ["e", "f"]
    # A declared path covers what lies under it, but not a sibling that merely shares a prefix.
    assert undeclared_paths(frozenset({"a.b", "e", "f"}), {"a": {"bb": 1}}) == ["a.bb"]


def test_the_old_runner_annotation_path_is_one_the_chart_ignores():
    paths = CHARTS["gha-runner-scale-set"].value_paths
    values = scale_set_values("ci", RUNNER)
    assert undeclared_paths(paths, values) == []
    old = {**values, "containerMode": {**values["containerMode"], "kubernetesModeServiceAccount": {
        "annotations": {"iam.gke.io/gcp-service-account": "ci@p.iam.gserviceaccount.com"}}}}
    old.pop("resourceMeta")
    assert undeclared_paths(paths, old) == [
        "containerMode.kubernetesModeServiceAccount.annotations.iam.gke.io/gcp-service-account"]


@pytest.mark.parametrize("key, path", [
    ("cluster-autoscaler", "extraArgs.scale-down-gpu-utilization-threshold"),
    ("cluster-autoscaler", "image.tag"),
    ("gha-runner-scale-set", "resourceMeta.kubernetesModeServiceAccount.annotations.x"),
    ("gha-runner-scale-set", "template.spec.containers"),
    ("aws-load-balancer-controller", "enableServiceMutatorWebhook"),
    ("dcgm-exporter", "serviceMonitor.enabled"),
])
def test_paths_the_program_sets_are_ones_the_charts_read(key, path):
    assert undeclared_paths(CHARTS[key].value_paths, _nested(path)) == []


def _nested(path: str) -> dict:
    *parents, last = path.split(".")
    node: dict = {last: "v"}
    for step in reversed(parents):
        node = {step: node}
    return node
