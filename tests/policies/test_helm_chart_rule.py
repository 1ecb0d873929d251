"""helm-chart-supports-cluster-version through the real pack process: a release's chart must be the
catalog's pin and support the Kubernetes version of the cluster its provider talks to."""

from __future__ import annotations

import dataclasses

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as apb

from infra.catalog.charts import AUTOSCALER_IMAGES, CHARTS
from tests.policies.conftest import TAGS, recorded_inputs, resource, triples

M = "mandatory"
RULE = "helm-chart-supports-cluster-version"
EKS = "aws:eks/cluster:Cluster"
GKE = "gcp:container/cluster:Cluster"
RELEASE = "kubernetes:helm.sh/v3:Release"


def cluster_stack(releases: dict[str, dict], *, cluster_type=EKS, version="1.35"):
    """A cluster, the Kubernetes provider built from its outputs, and releases on that provider.

    `releases` maps a release name to its inputs; the catalog's pins fill in what a case leaves out.
    """
    prop, tags = ("version", "tags") if cluster_type == EKS else ("minMasterVersion", "resourceLabels")
    cluster = resource(cluster_type, "train", {prop: version, tags: TAGS})
    provider = resource("pulumi:providers:kubernetes", "train-k8s", {"kubeconfig": "[unknown]"},
                        deps={"kubeconfig": [cluster]})
    on_provider = apb.AnalyzerProviderResource(type=provider.type, urn=provider.urn, name=provider.name)
    stack = [cluster, provider]
    for name, inputs in releases.items():
        release = resource(RELEASE, name, inputs)
        release.provider = on_provider
        stack.append(release)
    return stack


def pinned(key: str, **values) -> dict:
    pin = CHARTS[key]
    return {"chart": pin.chart, "version": pin.version, "values": values}


AUTOSCALER = pinned("cluster-autoscaler", image={"tag": AUTOSCALER_IMAGES["1.35"].tag})
EVERY_PIN = {"ca": AUTOSCALER, **{key: pinned(key) for key in CHARTS if key != "cluster-autoscaler"}}

CASES = [
    ("every pinned chart on EKS 1.35", cluster_stack(EVERY_PIN), []),
    ("the old autoscaler chart, whose RBAC predates DRA",
     cluster_stack({"ca": {**AUTOSCALER, "version": "9.46.6"}}),
     [(RULE, M, "Helm release 'ca' installs cluster-autoscaler@9.46.6, but the chart catalog pins "
                "cluster-autoscaler@9.59.0")]),
    ("an autoscaler image of another patch than the pin",
     cluster_stack({"ca": {**AUTOSCALER, "values": {"image": {"tag": "v1.35.0"}}}}),
     [(RULE, M, "Helm release 'ca' on cluster 'train' (Kubernetes 1.35) runs cluster-autoscaler image "
                "v1.35.0; the catalog pins v1.35.2 for 1.35")]),
    ("a chart the catalog does not pin",
     cluster_stack({"x": {"chart": "ingress-nginx", "version": "4.0.0", "values": {}}}),
     [(RULE, M, "Helm release 'x' installs chart 'ingress-nginx', which the chart catalog does not pin "
                "(pinned: aws-efa-k8s-device-plugin, aws-load-balancer-controller, cluster-autoscaler, dcgm-exporter, "
                "external-secrets, "
                "gha-runner-scale-set, gha-runner-scale-set-controller, grafana, kube-state-metrics, kueue, "
                "nvidia-device-plugin, prometheus-node-exporter)")]),
]


def _unsupported(label: str, version: str, key: str) -> str:
    pin = CHARTS[key]
    return (f"{label} does not support Kubernetes {version} (it supports {', '.join(pin.kubernetes)}); source: "
            f"{pin.kubernetes_source}, read 2026-11-29")


def test_charts_on_a_cluster_version_they_do_not_support_are_named_with_the_cluster(pack):
    stack = cluster_stack({"runners": pinned("gha-runner-scale-set"), "gpu": pinned("nvidia-device-plugin")},
                          version="1.33")
    assert triples(pack.analyze_stack(stack)) == [
        (RULE, M, f"Helm release 'runners' on cluster 'train': "
                  f"{_unsupported('gha-runner-scale-set@0.14.2', '1.33', 'gha-runner-scale-set')}")]


def test_gke_minor_comes_from_min_master_version(pack):
    stack = cluster_stack({"ca": pinned("cluster-autoscaler", image={"tag": "v1.34.5"})},
                          cluster_type=GKE, version="1.33.4-gke.1200")
    assert triples(pack.analyze_stack(stack)) == [
        (RULE, M, f"Helm release 'ca' on cluster 'train': "
                  f"{_unsupported('cluster-autoscaler@9.59.0', '1.33', 'cluster-autoscaler')}"),
        (RULE, M, "Helm release 'ca' on cluster 'train' (Kubernetes 1.33) runs cluster-autoscaler image "
                  "v1.34.5; the catalog pins none for 1.33")]


@pytest.mark.parametrize("stack, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_helm_chart_rule(pack, stack, expected):
    assert triples(pack.analyze_stack(stack)) == expected


def test_real_staging_plan_links_each_release_to_its_cluster(pack):
    """The recorded staging stack, as the engine sends it: clean, and every release is checked against the
    EKS cluster its provider's kubeconfig depends on once that cluster moves to a minor ARC does not support."""
    def ours(findings):
        return [f.message for f in findings if f.policy == RULE]

    recorded = recorded_inputs("staging")
    assert ours(pack.analyze_stack(recorded)) == []
    [cluster] = [i for i in recorded if i.type == EKS]
    properties = struct_pb2.Struct()
    properties.CopyFrom(cluster.properties)
    properties["version"] = "1.34"
    moved = [dataclasses.replace(i, properties=properties) if i is cluster else i for i in recorded]
    arc = _unsupported("gha-runner-scale-set@0.14.2", "1.34", "gha-runner-scale-set")
    ksm = _unsupported("kube-state-metrics@8.3.1", "1.34", "kube-state-metrics")
    assert sorted(ours(pack.analyze_stack(moved))) == [
        f"Helm release 'train-exporters-kube-state-metrics' on cluster 'staging-train': {ksm}",
        "Helm release 'train-k8s-cluster-autoscaler' on cluster 'staging-train' (Kubernetes 1.34) runs "
        "cluster-autoscaler image v1.35.2; the catalog pins v1.34.5 for 1.34",
        "Helm release 'train-runners-controller' on cluster 'staging-train': "
        + _unsupported("gha-runner-scale-set-controller@0.14.2", "1.34", "gha-runner-scale-set-controller"),
        f"Helm release 'train-runners-staging-cpu' on cluster 'staging-train': {arc}",
        f"Helm release 'train-runners-staging-deploy' on cluster 'staging-train': {arc}",
        f"Helm release 'train-runners-staging-gpu-l4' on cluster 'staging-train': {arc}",
    ]
