"""Observability on one GKE cluster: exporters, GMP scrapes, the shared alert rules, the managed Alertmanager's
receivers, and the in-cluster Grafana reading GMP through the query frontend.

GKE runs the collectors, the rule evaluator and Alertmanager itself (managed collection is always on in
GkeCluster), so this module adds only what GKE does not: kube-state-metrics and node-exporter, the platform's
dcgm-exporter on GPU clusters in place of GKE's DCGM package (whose counters lack XID and error counters:
components/gcp/dcgm_exporter.py), the scrape objects, the rules and receivers, and a read-only way for Grafana
to query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi

from components.gcp.dcgm_exporter import gke_dcgm_values
from components.gcp.gmp_frontend import GmpQueryFrontend, GmpQueryFrontendArgs
from components.gcp.gmp_manifests import ScrapeTarget, SmtpRelay, alertmanager_config
from components.gcp.managed_prometheus import GmpMonitoring, GmpMonitoringArgs
from components.k8s.runner_values import LISTENER_SELECTOR, METRICS_PORT
from components.monitoring.dashboards import platform_dashboards
from components.monitoring.dataset_panels import GCSFUSE_METRICS_READ, dataset_dashboards
from components.monitoring.dataset_rules import dataset_alert_rules
from components.monitoring.exporters import (
    DCGM_EXPORTER,
    KUBE_STATE_METRICS,
    NODE_EXPORTER,
    SCRAPE_PORTS,
    SCRAPE_SELECTORS,
    SCRAPE_TARGET_LABELS,
    MetricsExporters,
    MetricsExportersArgs,
)
from components.monitoring.grafana import GRAFANA_NAMESPACE, ClusterGrafana, ClusterGrafanaArgs
from components.monitoring.rules import ClusterScope, RuleScope, platform_alert_rules, rule_groups
from infra.catalog import gmp
from infra.catalog.accelerators import Cloud, resolve
from infra.catalog.dataset_drivers import GCS_FUSE_METRICS_PORT, GCS_FUSE_NODE_POD_LABELS
from infra.compose.charts import helm_chart
from infra.compose.datasets import consumers_on
from infra.compose.observability import alert_thresholds, runbook_base
from infra.config.observability import observability_enabled
from infra.config.rules.names import scale_set_name
from infra.config.stack import ClusterConfig, StackConfig, budget_for

if TYPE_CHECKING:
    from components.gcp.gke_cluster import GkeCluster

SYSTEM_POOL = {"mlinfra.io/pool": "system"}
DATASOURCE_UID = "gmp"
LABELS = {"app.kubernetes.io/managed-by": "mlinfra", "app.kubernetes.io/part-of": "mlinfra-observability"}


def gpu_hourly_prices(cluster: ClusterConfig) -> dict[str, float]:
    """The catalog's on-demand hourly price of one node of each GPU machine type the cluster's pools use."""
    prices: dict[str, float] = {}
    for pool in cluster.gpu_pools.values():
        offer = resolve(Cloud.GCP, pool.accelerator, pool.gpus_per_node)
        prices[offer.machine_type] = offer.price.usd_per_hour
    return prices


def scrape_targets(cluster: ClusterConfig, mounts_datasets: bool = False) -> dict[str, ScrapeTarget]:
    """What GMP scrapes on a GKE cluster besides GKE's own packages, keyed by a stable name.

    Every target that describes other objects (kube-state-metrics, the ARC listeners' `name`/`namespace`
    labels of a scale set) keeps its own labels: GMP's target labels are left empty for them.
    `mounts_datasets`: the cluster mounts GCS datasets, whose gcsfuse metrics the CSI driver's node pods serve.
    """
    targets = {
        "kube-state-metrics": ScrapeTarget(SCRAPE_SELECTORS[KUBE_STATE_METRICS], SCRAPE_PORTS[KUBE_STATE_METRICS],
                                           target_labels=SCRAPE_TARGET_LABELS[KUBE_STATE_METRICS]),
        # node-exporter only knows the node's IP; GMP names the node the pod runs on.
        "node-exporter": ScrapeTarget(SCRAPE_SELECTORS[NODE_EXPORTER], SCRAPE_PORTS[NODE_EXPORTER],
                                      target_labels=SCRAPE_TARGET_LABELS[NODE_EXPORTER]),
    }
    if cluster.gpu_pools:
        # The platform's dcgm-exporter, cluster-wide, keeping the GPU's own namespace/pod labels.
        targets["dcgm-exporter"] = ScrapeTarget(SCRAPE_SELECTORS[DCGM_EXPORTER], SCRAPE_PORTS[DCGM_EXPORTER],
                                                target_labels=SCRAPE_TARGET_LABELS[DCGM_EXPORTER])
    if cluster.runners:
        # The listeners' gha_* metrics (on when observability is: compose.runners passes GMP's collectors to
        # CiRunners, whose NetworkPolicy admits them). Cluster-wide with no target labels: a PodMonitoring
        # would stamp its own namespace on every series and rename the scale set's `namespace` label.
        targets["arc-listeners"] = ScrapeTarget(LISTENER_SELECTOR, METRICS_PORT, target_labels=())
    if mounts_datasets:
        # GKE's managed driver pods (kube-system, host network) serve every mount's gcsfuse metrics, labelled with
        # the mount's own pod, namespace and volume; GMP adds only the node (infra/catalog/exporter_metrics.py). A
        # numeric port is scraped whether the pod declares it or not (prometheus-engine@v0.17.2:pkg/operator/apis/
        # monitoring/v1/pod_config.go, read 2026-12-07).
        targets["gcs-fuse-csi-driver"] = ScrapeTarget(dict(GCS_FUSE_NODE_POD_LABELS), GCS_FUSE_METRICS_PORT,
                                                      target_labels=("node",), keep_metrics=GCSFUSE_METRICS_READ)
    return targets


def rule_scope(stack: str, name: str, cluster: ClusterConfig) -> RuleScope:
    """What one GKE cluster runs, as its ClusterRules see it.

    No `cluster` filter: GMP's rule evaluator scopes a ClusterRules object to its own cluster. No `up`
    rules: the absence rules read the exporters' series, which GMP stores like any other. The platform's
    dcgm-exporter runs here with the same counters as on EKS (components/gcp/dcgm_exporter.py), so the XID,
    row-remap, throttling and NVLink rules are rendered too.
    """
    pools = {f"{name}-{pool_name}": pool.gpus_per_node for pool_name, pool in cluster.gpu_pools.items()}
    return RuleScope((ClusterScope(
        cluster=None, gpu_pools=pools, dcgm=bool(cluster.gpu_pools),
        runner_scale_sets=tuple(scale_set_name(stack, key) for key in cluster.runners),
        cluster_autoscaler=gmp.AUTOSCALER_SCRAPED),),
        dcgm_error_counters=True, dcgm_health_counters=True)


def receivers_config(config: StackConfig) -> pulumi.Output[str]:
    """The managed Alertmanager's config as a secret Output: the webhook URL is only ever inside it."""
    notify = config.observability.notify
    relay = config.gcp.alert_smtp if config.gcp else None
    smtp = SmtpRelay(relay.smarthost, relay.sender) if relay else None
    emails = list(notify.emails) if smtp else []
    webhook = notify.webhook_url.get_secret_value() if notify.webhook_url else None
    return pulumi.Output.secret(webhook).apply(lambda url: alertmanager_config(emails, url, smtp))


def gcp_observability(config: StackConfig, stack: str, name: str, cluster: ClusterConfig, gke: GkeCluster,
                      labels: dict[str, str], opts: pulumi.ResourceOptions) -> dict[str, Any]:
    """A GKE cluster's observability objects when the stack has observability on; returns its outputs."""
    if not observability_enabled(config):
        return {}
    assert config.gcp is not None  # guaranteed by infra.config.rules
    obs = config.observability
    on_system = [gke.system_pool]
    exporters = MetricsExporters(f"{name}-exporters", MetricsExportersArgs(
        provider=gke.provider, kube_state_metrics_chart=helm_chart(KUBE_STATE_METRICS),
        node_exporter_chart=helm_chart(NODE_EXPORTER),
        dcgm_chart=helm_chart(DCGM_EXPORTER) if cluster.gpu_pools else None, dcgm_values=gke_dcgm_values(LABELS),
        node_selector=SYSTEM_POOL, labels=LABELS, depends_on=on_system), opts=opts)
    prices = gpu_hourly_prices(cluster)
    rules = platform_alert_rules(alert_thresholds(config), rule_scope(stack, name, cluster),
                                 spend_per_hour_budget=budget_for(config), gpu_hourly_prices=prices)
    if config.datasets:  # a pod stuck on a dataset mount (components/monitoring/dataset_rules.py)
        rules += dataset_alert_rules()
    mounts_datasets = any(True for _ in consumers_on(config, name))
    monitoring = GmpMonitoring(f"{name}-gmp", GmpMonitoringArgs(
        k8s_provider=gke.provider, targets=scrape_targets(cluster, mounts_datasets),
        scrape_interval_seconds=obs.scrape_interval_seconds,
        rule_file=rule_groups(rules, interval_seconds=obs.scrape_interval_seconds * 2,
                              runbook_base=runbook_base(config)),
        alertmanager_config=receivers_config(config), labels=LABELS,
        depends_on=[*on_system, *exporters.releases.values()]), opts=opts)
    outputs: dict[str, Any] = {"rules": monitoring.rules.metadata["name"],
                               "scrapes": sorted(monitoring.monitorings)}
    if obs.grafana:
        frontend = GmpQueryFrontend(f"{name}-query", GmpQueryFrontendArgs(
            k8s_provider=gke.provider, project=config.gcp.project, image=f"{gmp.FRONTEND_IMAGE.repository}:"
            f"{gmp.FRONTEND_IMAGE.tag}", account_base=f"{config.name_prefix}-{stack}",
            reader_service_account=cluster.gcp.metrics_reader_service_account, node_selector=SYSTEM_POOL,
            client_namespaces=[GRAFANA_NAMESPACE], labels=LABELS, depends_on=on_system), opts=opts)
        grafana = ClusterGrafana(f"{name}-grafana", ClusterGrafanaArgs(
            provider=gke.provider, chart=helm_chart("grafana"),
            datasource={"name": "Google Cloud Managed Prometheus", "type": "prometheus", "uid": DATASOURCE_UID,
                        "url": frontend.url, "access": "proxy"},
            dashboards={**platform_dashboards(DATASOURCE_UID, prices, runners=bool(cluster.runners)),
                        **(dataset_dashboards(DATASOURCE_UID) if mounts_datasets else {})},
            node_selector=SYSTEM_POOL, labels=LABELS,
            depends_on=on_system), opts=opts)
        outputs["grafana"] = {"namespace": grafana.namespace, "service": grafana.service,
                              "query_frontend": frontend.url}
    return {"observability": outputs}
