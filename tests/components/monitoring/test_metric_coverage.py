"""Every metric an alert rule or dashboard panel reads is produced by an exporter that cloud scrapes."""

import pytest

from components.monitoring.dashboards import platform_dashboards
from components.monitoring.dataset_panels import dataset_dashboards
from components.monitoring.dcgm_counters import counter_names
from components.monitoring.rules import AlertThresholds, ClusterScope, RuleScope, platform_alert_rules
from infra.catalog.exporter_metrics import EXPORTER_METRICS, SCRAPED_ON, producers
from tests.components.monitoring.promql_ast import metric_names

THRESHOLDS = AlertThresholds(30, 5, 10, 5, 5, 10, 15)
PRICES = {"g6.xlarge": 0.8048}


def expressions(cloud: str) -> dict[str, str]:
    """Every PromQL expression one cloud renders, by where it appears."""
    aws = cloud == "aws"
    # Everything each cloud can render: GPU pools, runners, and on EKS the autoscaler and `up`.
    cluster = ClusterScope("c" if aws else None, gpu_pools={"c-l4": 1}, runner_scale_sets=("s",),
                           cluster_autoscaler=aws, scrape_jobs=("kube-state-metrics",) if aws else ())
    rules = platform_alert_rules(THRESHOLDS, RuleScope((cluster,), dcgm_error_counters=aws, dcgm_health_counters=aws),
                                 spend_per_hour_budget=10.0, gpu_hourly_prices=PRICES)
    found = {f"rule {r.name}": r.expr for r in rules}
    # GKE clusters that mount datasets add the datasets dashboard (EKS has no scrapable dataset metrics).
    boards = {**platform_dashboards("ds", PRICES, runners=True), **({} if aws else dataset_dashboards("ds"))}
    for uid, board in boards.items():
        for panel in board["panels"]:
            for target in panel["targets"]:
                found[f"{uid} / {panel['title']} / {target['refId']}"] = target["expr"]
    return found


@pytest.mark.parametrize("cloud", sorted(SCRAPED_ON))
def test_every_metric_used_is_produced_by_a_scraped_exporter(cloud):
    scraped = SCRAPED_ON[cloud]
    missing = {f"{where}: {metric}" for where, expr in expressions(cloud).items()
               for metric in metric_names(expr) if not producers(metric, scraped)}
    assert missing == set()


def test_a_metric_nobody_scrapes_is_caught():
    assert producers("cluster_autoscaler_failed_scale_ups_total", SCRAPED_ON["gcp"]) == []
    assert producers("cluster_autoscaler_failed_scale_ups_total", SCRAPED_ON["aws"]) == ["cluster-autoscaler"]
    assert producers("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL") == []  # commented out in the chart's counters list
    # GKE's managed DCGM package has no XID counter; the platform's dcgm-exporter, which GKE runs now too, has.
    assert producers("DCGM_FI_DEV_XID_ERRORS", frozenset({"gke-dcgm"})) == []
    assert producers("DCGM_FI_DEV_XID_ERRORS", SCRAPED_ON["gcp"]) == ["dcgm-exporter"]
    assert producers("DCGM_FI_DEV_XID_ERRORS", SCRAPED_ON["aws"]) == ["dcgm-exporter"]
    assert producers("gha_job_startup_duration_seconds_bucket") == ["arc-listener"]


def test_every_scraped_exporter_is_in_the_catalog_with_a_source():
    for cloud, keys in SCRAPED_ON.items():
        assert keys <= set(EXPORTER_METRICS), cloud
    for key, exporter in EXPORTER_METRICS.items():
        assert exporter.metrics and exporter.version in exporter.source or key == "kube-apiserver", key
        assert exporter.read_on in ("2026-11-29", "2026-12-07"), key


def test_the_dcgm_exporter_table_is_the_counters_list_the_platform_sets():
    # The chart's `customMetrics` is the whole list (components/monitoring/dcgm_counters.py): the catalog's
    # metric names for the platform's dcgm-exporter are exactly its fields.
    assert EXPORTER_METRICS["dcgm-exporter"].metrics == counter_names()
