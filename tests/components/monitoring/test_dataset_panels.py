"""The datasets dashboard: its queries read only what the GCS FUSE CSI driver serves, and promtool computes them.

promtool evaluates each panel query over series shaped as the driver's node pods serve them (gcsfuse's names
and labels plus volume_name and the other labels the driver adds; infra/catalog/exporter_metrics.py), so a
wrong label value, name or ratio shows up as a wrong number, not as an empty panel after `pulumi up`.
"""

from __future__ import annotations

import yaml

from components.monitoring.dashboards import SCHEMA_VERSION
from components.monitoring.dataset_panels import (
    DATASETS_UID,
    GCSFUSE_METRICS_READ,
    dataset_dashboards,
    gcsfuse_hit_ratio,
    gcsfuse_panels,
)
from infra.catalog.exporter_metrics import EXPORTER_METRICS, SCRAPED_ON
from tests.components.monitoring.prom_tools import promtool
from tests.components.monitoring.promql_ast import metric_names

DRIVER_LABELS = 'namespace_name="training",pod_name="trainer-0",bucket_name="acme-ml-dev-datasets-gcs"'


def test_one_dashboard_on_the_given_data_source_every_query_from_the_driver():
    boards = dataset_dashboards("gmp")
    assert list(boards) == [DATASETS_UID]
    board = boards[DATASETS_UID]
    assert board["schemaVersion"] == SCHEMA_VERSION and board["tags"] == ["mlinfra", "datasets"]
    assert [p["title"] for p in board["panels"]] == [
        "Node cache hit ratio (GCS FUSE file cache)", "Dataset read throughput", "Dataset file system errors"]
    served = EXPORTER_METRICS["gcs-fuse-csi-driver"].series_names()
    # The scrape keeps exactly what the panels read (GCSFUSE_METRICS_READ) and drops the rest.
    read = {n for p in board["panels"] for t in p["targets"] for n in metric_names(t["expr"])}
    assert read == set(GCSFUSE_METRICS_READ)
    assert "gcs-fuse-csi-driver" in SCRAPED_ON["gcp"] and "gcs-fuse-csi-driver" not in SCRAPED_ON["aws"]
    for panel in board["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": "gmp"}
        for target in panel["targets"]:
            names = metric_names(target["expr"])
            assert names and names <= served, (panel["title"], names - served)


def _series(name: str, labels: str, per_minute: int, minutes: int = 10) -> dict:
    return {"series": f"{name}{{{DRIVER_LABELS},{labels}}}", "values": f"0+{per_minute}x{minutes}"}


def test_promtool_computes_hit_ratio_throughput_and_errors_per_volume(tmp_path):
    hit_ratio, throughput, errors = gcsfuse_panels()
    volume = 'volume_name="dataset-imagenet-gcs-gke"'
    # Per minute: 90 cache hits and 30 misses (3 read types summed away), 120 MiB from the cache, 30 MiB from GCS,
    # 6 permission errors on OpenFile.
    series = [
        _series("file_cache_read_count", f'{volume},cache_hit="true",read_type="Sequential"', 60),
        _series("file_cache_read_count", f'{volume},cache_hit="true",read_type="Random"', 30),
        _series("file_cache_read_count", f'{volume},cache_hit="false",read_type="Sequential"', 30),
        _series("file_cache_read_bytes_count", f'{volume},read_type="Sequential"', 120 * 2**20),
        _series("gcs_read_bytes_count", volume, 30 * 2**20),
        _series("fs_ops_error_count", f'{volume},fs_op="OpenFile",fs_error_category="PERM_ERROR"', 6),
    ]
    tests = {"rule_files": [], "evaluation_interval": "1m", "tests": [{
        "interval": "1m", "input_series": series,
        "promql_expr_test": [
            {"expr": hit_ratio.queries[0].expr, "eval_time": "10m",
             "exp_samples": [{"labels": f"{{{volume}}}", "value": 0.75}]},
            {"expr": throughput.queries[0].expr, "eval_time": "10m",
             "exp_samples": [{"labels": f"{{{volume}}}", "value": 120 * 2**20 / 60}]},
            {"expr": throughput.queries[1].expr, "eval_time": "10m",
             "exp_samples": [{"labels": f"{{{volume}}}", "value": 30 * 2**20 / 60}]},
            {"expr": errors.queries[0].expr, "eval_time": "10m",
             "exp_samples": [{"labels": f'{{{volume},fs_op="OpenFile",fs_error_category="PERM_ERROR"}}',
                              "value": 0.1}]},
        ]}]}
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(tests, sort_keys=False))
    result = promtool("test", "rules", "test.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_catches_a_ratio_over_the_wrong_label_value(tmp_path):
    # The same check with gcsfuse's label value spelt otherwise ("True") finds no hits: the ratio test is real.
    volume = 'volume_name="v"'
    series = [_series("file_cache_read_count", f'{volume},cache_hit="true",read_type="Sequential"', 60)]
    wrong = gcsfuse_hit_ratio().replace('cache_hit="true"', 'cache_hit="True"')
    tests = {"rule_files": [], "evaluation_interval": "1m", "tests": [{
        "interval": "1m", "input_series": series,
        "promql_expr_test": [{"expr": wrong, "eval_time": "10m",
                              "exp_samples": [{"labels": f"{{{volume}}}", "value": 1}]}]}]}
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(tests, sort_keys=False))
    result = promtool("test", "rules", "test.yaml", cwd=tmp_path)
    assert result.returncode == 1 and "FAILED" in result.stdout + result.stderr
