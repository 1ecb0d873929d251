"""Refuse a cluster whose Kubernetes version a chart it would install does not support.

The supported versions are the chart catalog's, read upstream at each pinned tag; a plan or an
apply never reaches a cluster with an add-on that cannot run there.
"""

from __future__ import annotations

from collections.abc import Iterator

from infra.catalog.accelerators import Cloud
from infra.catalog.charts import CHARTS, autoscaler_image_problem, support_problem
from infra.config.observability import observability_enabled
from infra.config.stack import ClusterConfig, StackConfig

Problem = tuple[str, str]
FIX = "set a Kubernetes version every chart of the cluster supports, or move the pin in the chart catalog"


def charts_installed(cluster: ClusterConfig) -> list[str]:
    """Catalog keys of the charts the program installs on this cluster, as compose decides them."""
    keys: list[str] = []
    if cluster.cloud == Cloud.AWS:
        if cluster.aws.cluster_autoscaler:
            keys.append("cluster-autoscaler")
        if cluster.aws.gpu_addons:
            keys += ["nvidia-device-plugin", "dcgm-exporter"]
        if cluster.gateways:
            keys.append("aws-load-balancer-controller")
    if cluster.runners:
        keys += ["gha-runner-scale-set-controller", "gha-runner-scale-set"]
    return keys


def observability_charts(config: StackConfig) -> list[str]:
    """Catalog keys of the charts observability installs on every cluster of the stack (none when off).

    Both clouds run the project's kube-state-metrics (the rules join on the node labels it allowlists) and
    node-exporter; Grafana unless `observability.grafana` is false.
    """
    if not observability_enabled(config):
        return []
    return ["kube-state-metrics", "prometheus-node-exporter"] + (["grafana"] if config.observability.grafana else [])


def chart_problems(config: StackConfig) -> Iterator[Problem]:
    """One problem per chart (and the autoscaler image) that cannot run on its cluster's version."""
    for name, cluster in config.clusters.items():
        path = f"clusters.{name}.kubernetes_version"
        installed = charts_installed(cluster) + observability_charts(config)
        for key in installed:
            problem = support_problem(CHARTS[key], cluster.kubernetes_version)
            if problem:
                yield path, f"{problem}; {FIX} (got {cluster.kubernetes_version!r})"
        image_problem = autoscaler_image_problem(cluster.kubernetes_version)
        if "cluster-autoscaler" in installed and image_problem:
            yield path, f"{image_problem}; {FIX} (got {cluster.kubernetes_version!r})"
