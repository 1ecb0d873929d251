"""AWS observability from config: one AMP workspace per stack, and per EKS cluster its managed scraper,
the exporters it scrapes and an in-cluster Grafana reading the workspace.

Why the managed scraper and not an agent: it runs no pods, needs no write role in the cluster, and
AMP gives it its Kubernetes access itself through an access entry (the clusters use API
authentication). What it cannot do is resolve names other than the API server's, so it finds
every target by pod discovery; that is all the targets need (components/aws/scrape_config.py).

Grafana's identity is EKS Pod Identity: Grafana signs SigV4 with the AWS SDK for Go's default
credential chain, whose container provider reads Pod Identity credentials from aws-sdk-go v1.47.11
and aws-sdk-go-v2 release-2023-11-14 on (EKS User Guide, "Use pod identity with the AWS SDK",
https://docs.aws.amazon.com/eks/latest/userguide/pod-id-minimum-sdk.html, read 2026-11-29); Grafana's
go.mod carries aws-sdk-go v1.55.5 and grafana-aws-sdk v0.31.5 (grafana/grafana@00033edd, read
2026-11-29). The role may only query the stack's workspace.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pulumi
import yaml

from components.aws.amp_policies import query_policy
from components.aws.amp_scraper import AmpScraper, AmpScraperArgs
from components.aws.amp_workspace import AmpWorkspace, AmpWorkspaceArgs
from components.aws.gpu_node_pool import LABEL_PREFIX
from components.aws.pod_identity import WorkloadBucketAccess, WorkloadBucketAccessArgs
from components.aws.scrape_config import (
    APISERVER_JOB,
    ARC_LISTENER,
    AUTOSCALER,
    DCGM,
    ScrapeTarget,
    scrape_config_yaml,
)
from components.monitoring.dashboards import platform_dashboards
from components.monitoring.dataset_rules import dataset_alert_rules
from components.monitoring.exporters import (
    KUBE_STATE_METRICS,
    NODE_EXPORTER,
    SCRAPE_PORTS,
    SCRAPE_SELECTORS,
    SCRAPE_TARGET_LABELS,
    MetricsExporters,
    MetricsExportersArgs,
)
from components.monitoring.grafana import ClusterGrafana, ClusterGrafanaArgs
from components.monitoring.rules import ClusterScope, RuleScope, platform_alert_rules, rule_groups
from infra.catalog.accelerators import Cloud, accelerators_on, offers_for, resolve
from infra.compose.charts import helm_chart
from infra.compose.context import PROTECTED_ENVIRONMENTS, AwsContext, physical_name
from infra.compose.observability import alert_thresholds, runbook_base
from infra.config.observability import observability_enabled
from infra.config.rules.names import scale_set_name
from infra.config.stack import ClusterConfig, budget_for

if TYPE_CHECKING:
    from components.aws.eks_cluster import EksCluster

# The data source every dashboard reads (its uid is what the dashboards' panels name). Grafana 13 (the
# pinned chart's appVersion 13.2.0) deprecates SigV4 in its core Prometheus data source and migrates such
# data sources to the dedicated plugin at startup; new setups configure that plugin ("Migrate from
# Prometheus SigV4 to Amazon Managed Service for Prometheus", https://grafana.com/docs/grafana/v13.1/
# datasources/prometheus/configure/aws-authentication/; provisioning keys from the plugin's "Configure"
# page, https://grafana.com/docs/plugins/grafana-amazonprometheus-datasource/latest/configure/; both read
# 2026-11-29). The plugin is installed by the chart's `plugins` value when the pod starts.
DATASOURCE_UID = "amp"
DATASOURCE_TYPE = "grafana-amazonprometheus-datasource"
# The plugin, pinned: the chart hands `plugins` to Grafana's GF_PLUGINS_PREINSTALL_SYNC, whose entries are
# `<id>@<version>[@<url>]` (grafana-community/helm-charts@grafana-12.11.1:charts/grafana/values.yaml `plugins`
# comment, templates/_pod.tpl, _config.tpl). 3.3.4 is the newest released version in the plugin's changelog,
# built against @grafana/* 13.3.0 (https://grafana.com/grafana/plugins/grafana-amazonprometheus-datasource/
# changelog.md, read 2026-12-07). Unpinned, every pod start could install a different plugin.
DATASOURCE_PLUGIN_VERSION = "3.3.4"
DATASOURCE_PLUGIN = f"{DATASOURCE_TYPE}@{DATASOURCE_PLUGIN_VERSION}"
GRAFANA_NAMESPACE = "grafana"
GRAFANA_SERVICE_ACCOUNT = "grafana"


def gpu_hourly_prices() -> dict[str, float]:
    """The hourly on-demand price of each AWS GPU instance type in the catalog, by instance type."""
    return {offer.machine_type: offer.price.usd_per_hour
            for accelerator in accelerators_on(Cloud.AWS) for offer in offers_for(Cloud.AWS, accelerator)}


def cluster_scope(stack: str, name: str, cluster: ClusterConfig) -> ClusterScope:
    """What one EKS cluster runs, as its rules see it; its series carry `cluster=<physical name>`."""
    pools: dict[str, int] = {}
    for pool_name, pool in cluster.gpu_pools.items():
        gpus = resolve(Cloud.AWS, pool.accelerator, pool.gpus_per_node).gpus
        # The pool label is the node group component's name (infra/compose/aws_cluster._pool_args).
        pools[f"{name}-{pool_name}"] = gpus
        if pool.aws.on_demand_fallback_max_nodes:
            pools[f"{name}-{pool_name}-fallback"] = gpus
    targets = scrape_targets(cluster)
    return ClusterScope(
        cluster=physical_name(stack, name), gpu_pools=pools, dcgm=cluster.aws.gpu_addons,
        runner_scale_sets=tuple(scale_set_name(stack, key) for key in cluster.runners),
        cluster_autoscaler=cluster.aws.cluster_autoscaler,
        scrape_jobs=(*(t.job for t in targets), APISERVER_JOB["job_name"]))


def rule_scope(ctx: AwsContext) -> RuleScope:
    """Every EKS cluster of the stack: they share the stack's workspace and so its rules."""
    clusters = tuple(cluster_scope(ctx.stack, name, c) for name, c in ctx.config.clusters.items()
                     if c.cloud == Cloud.AWS)
    # The platform's dcgm-exporter exports the XID, row-remap, throttling and NVLink counters
    # (components/monitoring/dcgm_counters.py).
    return RuleScope(clusters, dcgm_error_counters=True, dcgm_health_counters=True)


def rules_yaml(ctx: AwsContext) -> str:
    """The stack's alert rules as the Prometheus rule file AMP takes."""
    rules = platform_alert_rules(alert_thresholds(ctx.config), rule_scope(ctx),
                                 spend_per_hour_budget=budget_for(ctx.config), gpu_hourly_prices=gpu_hourly_prices())
    if ctx.config.datasets:  # a pod stuck on a dataset mount (components/monitoring/dataset_rules.py)
        rules += dataset_alert_rules()
    return yaml.safe_dump(rule_groups(rules, runbook_base=runbook_base(ctx.config)), sort_keys=False)


def stack_workspace(ctx: AwsContext) -> AmpWorkspace | None:
    """The stack's AMP workspace with its rules and alerting, or None when observability is off."""
    config = ctx.config
    if not observability_enabled(config) or not any(c.cloud == Cloud.AWS for c in config.clusters.values()):
        return None
    notify = config.observability.notify
    webhook = None
    if notify.webhook_url is not None:
        webhook = pulumi.Output.secret(notify.webhook_url.get_secret_value())
    # Every EKS cluster's managed scraper writes here: the AWS owned key (components/aws/amp_workspace.py).
    return AmpWorkspace("metrics", AmpWorkspaceArgs(
        alias=f"{ctx.stack}-metrics", region=ctx.region, account_id=ctx.account_id, rules_yaml=rules_yaml(ctx),
        customer_managed_key=False,
        emails=list(notify.emails), webhook_url=webhook,
        protect=config.environment in PROTECTED_ENVIRONMENTS, tags=ctx.tags), opts=ctx.opts)


def scrape_targets(cluster: ClusterConfig) -> list[ScrapeTarget]:
    """What the cluster's scraper keeps: the exporters this cluster runs, and only those."""
    targets = [ScrapeTarget(chart, *next(iter(SCRAPE_SELECTORS[chart].items())), SCRAPE_PORTS[chart],
                            target_labels=SCRAPE_TARGET_LABELS[chart])
               for chart in (KUBE_STATE_METRICS, NODE_EXPORTER)]
    if cluster.aws.gpu_addons:
        targets.append(DCGM)
    if cluster.aws.cluster_autoscaler:
        targets.append(AUTOSCALER)
    if cluster.runners:
        # The listeners only: the controller namespace admits the scraper to them alone
        # (components/k8s/runner_values.metrics_ingress_policy), and the runner rules read their gha_* series.
        targets.append(ARC_LISTENER)
    return targets


def cluster_observability(ctx: AwsContext, name: str, cluster_name: str, cluster: ClusterConfig,
                          workspace: AmpWorkspace, eks: EksCluster, cluster_arn: pulumi.Input[str],
                          subnets: Sequence[pulumi.Input[str]],
                          depends_on: Sequence[pulumi.Resource]) -> dict[str, Any]:
    """The cluster's scraper, exporters and Grafana; returns its stack outputs."""
    scraper = AmpScraper(f"{name}-metrics", AmpScraperArgs(
        cluster_name=cluster_name, cluster_arn=cluster_arn, subnet_ids=list(subnets),
        security_group_id=eks.security_group_id, workspace_arn=workspace.workspace_arn,
        scrape_configuration=scrape_config_yaml(cluster_name, ctx.config.observability.scrape_interval_seconds,
                                                scrape_targets(cluster)),
        tags=ctx.tags), opts=ctx.opts)
    outputs: dict[str, Any] = {"metrics_scraper": scraper.scraper_arn}
    outputs.update(_in_cluster(ctx, name, cluster, eks, cluster_arn, workspace, depends_on))
    return outputs


def grafana_datasource(query_endpoint: pulumi.Input[str], region: str) -> dict[str, Any]:
    """The Grafana data source for the workspace: the AMP plugin, SigV4 with the pod's own credentials."""
    return {"name": "Amazon Managed Prometheus", "type": DATASOURCE_TYPE, "uid": DATASOURCE_UID,
            "access": "proxy", "url": query_endpoint,
            # AWS SDK Default: the SDK's credential chain, which finds the Pod Identity credentials.
            "jsonData": {"httpMethod": "POST", "sigV4Auth": True, "sigV4AuthType": "default",
                         "sigV4Region": region}}


def _in_cluster(ctx: AwsContext, name: str, cluster: ClusterConfig, eks: EksCluster, cluster_arn: pulumi.Input[str],
                workspace: AmpWorkspace, depends_on: Sequence[pulumi.Resource]) -> dict[str, Any]:
    """kube-state-metrics, node-exporter and Grafana."""
    system = {f"{LABEL_PREFIX}/pool": "system"}
    labels = {"app.kubernetes.io/managed-by": "mlinfra"}
    MetricsExporters(f"{name}-exporters", MetricsExportersArgs(
        provider=eks.provider, kube_state_metrics_chart=helm_chart(KUBE_STATE_METRICS),
        node_exporter_chart=helm_chart(NODE_EXPORTER), node_selector=system, labels=labels,
        depends_on=list(depends_on)), opts=ctx.opts)
    if not ctx.config.observability.grafana:
        return {}  # `observability.grafana: false`: metrics and alerts only, as on GKE
    identity = WorkloadBucketAccess(f"{name}-grafana", WorkloadBucketAccessArgs(
        cluster_name=eks.cluster_name, cluster_arn=cluster_arn, account_id=ctx.account_id,
        namespace=GRAFANA_NAMESPACE, service_account=GRAFANA_SERVICE_ACCOUNT, buckets={},
        extra_policies={"query": workspace.workspace_arn.apply(query_policy)}, tags=ctx.tags, bounds=ctx.bounds,
    ), opts=ctx.opts)
    ClusterGrafana(f"{name}-grafana", ClusterGrafanaArgs(
        provider=eks.provider, chart=helm_chart("grafana"),
        datasource=grafana_datasource(workspace.query_endpoint, ctx.region),
        dashboards=platform_dashboards(DATASOURCE_UID, gpu_hourly_prices(), datasource_type=DATASOURCE_TYPE,
                                       runners=bool(cluster.runners)),
        plugins=[DATASOURCE_PLUGIN],
        namespace=GRAFANA_NAMESPACE, service_account_name=GRAFANA_SERVICE_ACCOUNT, node_selector=system,
        labels=labels, depends_on=[*depends_on, identity]), opts=ctx.opts)
    return {"grafana": {"namespace": GRAFANA_NAMESPACE, "service": "grafana", "role_arn": identity.role_arn}}
