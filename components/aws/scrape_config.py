"""The AMP managed scraper's Prometheus configuration, as plain data: which pods it scrapes, and how.

Each target is found by Kubernetes pod discovery (the only service discovery the managed scraper
supports) and kept by the pod labels and the container port its chart sets at the pinned version;
everything else the scraper discovers is dropped, so a new workload never adds series (and cost)
unnoticed.

Sources, read 2026-11-29:
- Amazon Managed Service for Prometheus User Guide, "Using an AWS managed collector"
  (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-collector-how-to.html): the allowed
  sections (`global`, `scrape_config`, `static_config`, `relabel_config`, `metric_relabel_configs`,
  `kubernetes_sd_config` only), a scrape interval of no less than 30 seconds, at most 30,000
  endpoints per scraper, a /metrics body of at most 50 MB; private endpoint access required.
- NVIDIA/dcgm-exporter@4.5.3-4.8.2:deployment/templates/{_helpers.tpl,daemonset.yaml},
  values.yaml: pod label `app.kubernetes.io/name: dcgm-exporter`, container port `metrics`
  (`service.port` 9400), plain HTTP unless `tlsServerConfig.enabled`.
- kubernetes/autoscaler@cluster-autoscaler-chart-9.59.0:cluster-autoscaler/charts/cluster-autoscaler/
  templates/{_helpers.tpl,deployment.yaml}: pod label `app.kubernetes.io/name:
  <cloudProvider>-cluster-autoscaler` (`aws-cluster-autoscaler` here), container port 8085 (unnamed;
  the same port serves /health-check and /metrics).
- actions/actions-runner-controller@gha-runner-scale-set-0.14.2:charts/gha-runner-scale-set-controller/
  templates/{_helpers.tpl,deployment.yaml}: pod label `app.kubernetes.io/name:
  gha-runner-scale-set-controller`, container port `metrics` only when `metrics` values are set;
  controllers/actions.github.com/resourcebuilder.go: listener pods carry `app.kubernetes.io/component:
  runner-scale-set-listener` and serve `--listener-metrics-addr` / `--listener-metrics-endpoint`.
- kube-state-metrics and prometheus-node-exporter: the labels and ports are passed in from the chart
  catalog (`ScrapeTarget`), where obscore's exporter pins record them with their sources.

Which pod metadata each job stamps on its series (`ScrapeTarget.target_labels`), and why only that:
Prometheus attaches a job's target labels to every scraped series and, with `honor_labels` false (the
default, and the only behaviour the managed scraper's documented fields let us rely on), renames an
exporter's own label of the same name to `exported_<name>` ("honor_labels controls how Prometheus handles
conflicts between labels that are already present in scraped data and labels that Prometheus would
attach server-side": prometheus/prometheus@v2.42.0:docs/configuration/configuration.md, scrape_config).
Several exporters describe other objects with exactly those names:
- kube-state-metrics: `node`, `namespace`, `pod` of the object each series describes
  (kubernetes/kube-state-metrics@v2.19.1:docs/metrics/cluster/node-metrics.md, workload/pod-metrics.md);
- dcgm-exporter: `namespace`, `pod`, `container` of the pod holding the GPU
  (NVIDIA/dcgm-exporter@4.5.3-4.8.2:internal/pkg/transformation/const.go, kubernetes.go);
- the ARC listener: `name`, `namespace` of its scale set
  (actions/actions-runner-controller@gha-runner-scale-set-0.14.2:cmd/ghalistener/metrics/metrics.go).
So a job only adds the metadata its exporter never emits: none for kube-state-metrics and the listener,
`node` for node-exporter and DCGM (neither emits it), all three for the autoscaler. This is what
GMP's `targetLabels.metadata` does on GKE (components/gcp/gmp_manifests.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import yaml

MIN_SCRAPE_INTERVAL_SECONDS = 30
NAMESPACE, POD, NODE = "namespace", "pod", "node"
# The discovery meta label each target label is copied from.
_TARGET_META = {NAMESPACE: "__meta_kubernetes_namespace", POD: "__meta_kubernetes_pod_name",
                NODE: "__meta_kubernetes_pod_node_name"}
DCGM_PORT_NAME = "metrics"
AUTOSCALER_PORT = 8085
ARC_METRICS_PORT = 8080


@dataclass(frozen=True)
class ScrapeTarget:
    """One exporter the scraper keeps: its job name, the pod label that identifies it, and its port."""

    job: str
    label: str
    """Pod label key, e.g. `app.kubernetes.io/name`."""
    value: str
    """Regex the label's value must match in full."""
    port: str | int
    """Container port name, or number when the chart leaves the port unnamed."""
    path: str = "/metrics"
    namespace: str | None = None
    """Only pods of this namespace, when set."""
    target_labels: tuple[str, ...] = (NODE,)
    """Pod metadata stamped on every series (of namespace, pod, node): only names the exporter never emits."""


DCGM = ScrapeTarget("dcgm-exporter", "app.kubernetes.io/name", "dcgm-exporter", DCGM_PORT_NAME,
                    target_labels=(NODE,))
AUTOSCALER = ScrapeTarget("cluster-autoscaler", "app.kubernetes.io/name", "aws-cluster-autoscaler",
                          AUTOSCALER_PORT, namespace="kube-system", target_labels=(NAMESPACE, POD, NODE))
ARC_CONTROLLER = ScrapeTarget("arc-controller", "app.kubernetes.io/name", "gha-runner-scale-set-controller",
                              "metrics", target_labels=(NAMESPACE, POD, NODE))
ARC_LISTENER = ScrapeTarget("arc-listener", "app.kubernetes.io/component", "runner-scale-set-listener",
                            ARC_METRICS_PORT, target_labels=())


def _label_meta(label: str) -> str:
    """Prometheus' discovery meta label for a pod label: non-alphanumerics become underscores."""
    return "__meta_kubernetes_pod_label_" + "".join(c if c.isalnum() else "_" for c in label)


def _job(target: ScrapeTarget, cluster: str) -> dict:
    """One scrape_config: pod discovery, kept by label and port, labelled with the metadata the exporter lacks."""
    unknown = sorted(set(target.target_labels) - set(_TARGET_META))
    if unknown:
        raise ValueError(f"{target.job}: target_labels may only name {sorted(_TARGET_META)} (got {unknown})")
    keep: list[dict] = [{"source_labels": [_label_meta(target.label)], "regex": target.value, "action": "keep"}]
    if isinstance(target.port, str):
        keep.append({"source_labels": ["__meta_kubernetes_pod_container_port_name"], "regex": target.port,
                     "action": "keep"})
    else:
        keep.append({"source_labels": ["__meta_kubernetes_pod_container_port_number"],
                     "regex": str(target.port), "action": "keep"})
    discovery: dict = {"role": "pod"}
    if target.namespace is not None:
        discovery["namespaces"] = {"names": [target.namespace]}
    return {
        "job_name": target.job,
        "metrics_path": target.path,
        "kubernetes_sd_configs": [discovery],
        "relabel_configs": [
            *keep,
            # Only running pods: a finished pod's address may already belong to another.
            {"source_labels": ["__meta_kubernetes_pod_phase"], "regex": "Running", "action": "keep"},
            *({"source_labels": [_TARGET_META[label]], "target_label": label} for label in target.target_labels),
            # The cluster on every stored series, not only at remote write (external_labels): the scraper's own
            # `up` and the rules that filter on `cluster` see the same label (no exporter emits `cluster`).
            {"target_label": "cluster", "replacement": cluster},
        ],
    }


# The Kubernetes API server, as the AMP user guide's sample configuration scrapes it: the `kubernetes`
# service's https endpoints in `default`, with the scraper's service-account token (the only
# authorization the managed scraper allows; AMP-collector-how-to.html, read 2026-11-29). Its access
# entry grants `get` on the /metrics non-resource URL.
APISERVER_JOB = {
    "job_name": "kubernetes-apiservers",
    "scheme": "https",
    "authorization": {"type": "Bearer", "credentials_file": "/var/run/secrets/kubernetes.io/serviceaccount/token"},
    "kubernetes_sd_configs": [{"role": "endpoints"}],
    "relabel_configs": [{"source_labels": ["__meta_kubernetes_namespace", "__meta_kubernetes_service_name",
                                           "__meta_kubernetes_endpoint_port_name"],
                         "regex": "default;kubernetes;https", "action": "keep"}],
}


def _apiserver_job(cluster: str) -> dict:
    job = dict(APISERVER_JOB)
    job["relabel_configs"] = [*APISERVER_JOB["relabel_configs"], {"target_label": "cluster", "replacement": cluster}]
    return job


def scrape_config(cluster: str, interval_seconds: int, targets: Sequence[ScrapeTarget],
                  apiserver: bool = True) -> dict:
    """The scraper's configuration: one job per target (and the API server), every series labelled with its cluster."""
    if interval_seconds < MIN_SCRAPE_INTERVAL_SECONDS:
        raise ValueError(f"the managed scraper refuses intervals under {MIN_SCRAPE_INTERVAL_SECONDS}s "
                         f"(got {interval_seconds}s)")
    jobs = [t.job for t in targets] + ([APISERVER_JOB["job_name"]] if apiserver else [])
    duplicates = sorted({j for j in jobs if jobs.count(j) > 1})
    if duplicates:
        raise ValueError(f"duplicate scrape jobs: {', '.join(duplicates)}")
    return {
        "global": {"scrape_interval": f"{interval_seconds}s", "external_labels": {"cluster": cluster}},
        "scrape_configs": [_job(t, cluster) for t in targets] + ([_apiserver_job(cluster)] if apiserver else []),
    }


def scrape_config_yaml(cluster: str, interval_seconds: int, targets: Sequence[ScrapeTarget]) -> str:
    """`scrape_config` as the YAML document the Scraper resource takes."""
    return yaml.safe_dump(scrape_config(cluster, interval_seconds, targets), sort_keys=False)
