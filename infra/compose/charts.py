"""Chart coordinates for the components, from the chart catalog: the one place versions are pinned."""

from __future__ import annotations

from components.k8s.helm_chart import HelmChart
from infra.catalog.charts import AUTOSCALER_IMAGES, CHARTS


def helm_chart(key: str) -> HelmChart:
    """The catalog's pin for `key` as the HelmChart the components take."""
    pin = CHARTS[key]
    return HelmChart(chart=pin.chart, version=pin.version, repository=pin.repository)


def autoscaler_image_tag(kubernetes_version: str) -> str:
    """The cluster-autoscaler image tag pinned for the cluster's minor (config rules refuse others)."""
    return AUTOSCALER_IMAGES[kubernetes_version].tag
