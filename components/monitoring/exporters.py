"""MetricsExporters: kube-state-metrics, prometheus-node-exporter and (GKE) dcgm-exporter, for a cloud that does
not run them.

kube-state-metrics allowlists the node labels the rules and dashboards join on (promql.NODE_LABELS);
node-exporter tolerates every taint so GPU nodes report too. The collectors select the pods by the
labels in SCRAPE_SELECTORS on the ports in SCRAPE_PORTS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.k8s.helm_chart import HelmChart
from components.monitoring.promql import NODE_LABELS, TARGET_NODE_LABEL

KUBE_STATE_METRICS = "kube-state-metrics"
NODE_EXPORTER = "prometheus-node-exporter"
DCGM_EXPORTER = "dcgm-exporter"
# Pod labels the charts set (app.kubernetes.io/name is the chart name) and the metrics port names.
SCRAPE_SELECTORS: Mapping[str, Mapping[str, str]] = {
    KUBE_STATE_METRICS: {"app.kubernetes.io/name": KUBE_STATE_METRICS},
    NODE_EXPORTER: {"app.kubernetes.io/name": NODE_EXPORTER},
    DCGM_EXPORTER: {"app.kubernetes.io/name": DCGM_EXPORTER},
}
# dcgm-exporter's container port is named `metrics` (NVIDIA/dcgm-exporter@4.5.3-4.8.2:deployment/templates/
# daemonset.yaml), as components/aws/scrape_config.DCGM scrapes it.
SCRAPE_PORTS: Mapping[str, int | str] = {KUBE_STATE_METRICS: 8080, NODE_EXPORTER: 9100, DCGM_EXPORTER: "metrics"}
# The pod metadata a collector may stamp on each exporter's series: kube-state-metrics names the node,
# namespace and pod of the object a series describes, so it gets none (or its own pod's would rename them
# to exported_*); node-exporter only knows the node's IP, so it gets the node it runs on.
# dcgm-exporter labels each GPU with the namespace, pod and container using it and names its node in
# `Hostname` (promql.dcgm), so it gets none either.
SCRAPE_TARGET_LABELS: Mapping[str, tuple[str, ...]] = {KUBE_STATE_METRICS: (), NODE_EXPORTER: (TARGET_NODE_LABEL,),
                                                       DCGM_EXPORTER: ()}
TOLERATE_ALL = {"operator": "Exists"}


@dataclass(frozen=True)
class MetricsExportersArgs:
    """Inputs of MetricsExporters; a chart left None is not installed (the cloud provides it)."""

    provider: pulumi.ProviderResource
    kube_state_metrics_chart: HelmChart | None
    node_exporter_chart: HelmChart | None
    # dcgm-exporter and its values, where the cloud's own GPU metrics lack what the rules read (GKE).
    dcgm_chart: HelmChart | None = None
    dcgm_values: Mapping[str, object] = field(default_factory=dict)
    namespace: str = "kube-system"
    # Where kube-state-metrics runs: the system pool.
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: Sequence[Mapping[str, str]] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    depends_on: Sequence[pulumi.Resource] = ()


def kube_state_metrics_values(args: MetricsExportersArgs) -> dict:
    """kube-state-metrics values: node labels allowlisted for the joins, on the system pool."""
    return {
        "metricLabelsAllowlist": [f"nodes=[{','.join(NODE_LABELS)}]"],
        "nodeSelector": dict(args.node_selector),
        "tolerations": [dict(t) for t in args.tolerations],
        "customLabels": dict(args.labels),
    }


def node_exporter_values(args: MetricsExportersArgs) -> dict:
    """node-exporter values: on every node, GPU nodes included (they are tainted)."""
    return {"tolerations": [TOLERATE_ALL], "podLabels": dict(args.labels)}


class MetricsExporters(pulumi.ComponentResource):
    """kube-state-metrics and node-exporter releases, whichever the cloud needs."""

    releases: dict[str, k8s.helm.v3.Release]

    def __init__(self, name: str, args: MetricsExportersArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:monitoring:MetricsExporters", name, None, opts)
        if args.kube_state_metrics_chart is None and args.node_exporter_chart is None and args.dcgm_chart is None:
            raise ValueError("MetricsExporters needs at least one chart")
        child = pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=list(args.depends_on))
        self.releases = {}
        for key, chart, values in (
                (KUBE_STATE_METRICS, args.kube_state_metrics_chart, kube_state_metrics_values(args)),
                (NODE_EXPORTER, args.node_exporter_chart, node_exporter_values(args)),
                (DCGM_EXPORTER, args.dcgm_chart, dict(args.dcgm_values))):
            if chart is not None:
                self.releases[key] = k8s.helm.v3.Release(
                    f"{name}-{key}", name=key, **chart.release_args(), namespace=args.namespace,
                    values=values, atomic=True, opts=child)
        self.register_outputs({})
