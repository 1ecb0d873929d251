"""The failing-mount alert: its metrics are scraped on both clouds, and the dev stack sends it to both."""

import pytest
import yaml

from components.monitoring.dataset_rules import dataset_alert_rules
from infra.catalog.exporter_metrics import SCRAPED_ON, producers
from infra.offline.document import build_document
from tests.components.monitoring.promql_ast import metric_names
from tests.helpers import stack_run


@pytest.mark.parametrize("cloud", sorted(SCRAPED_ON))
def test_mount_alert_reads_only_kube_state_metrics_both_clouds_scrape(cloud):
    [rule] = dataset_alert_rules(10)
    names = metric_names(rule.expr)
    assert names == {"kube_pod_container_status_waiting_reason", "kube_pod_spec_volumes_persistentvolumeclaims_info"}
    assert all(producers(metric, SCRAPED_ON[cloud]) == ["kube-state-metrics"] for metric in names)
    assert rule.as_rule()["for"] == "10m" and rule.severity == "critical"


def test_dev_sends_the_alert_to_amp_and_gmp():
    document = build_document(stack_run("dev"))
    amp = [r for r in document["resources"] if r["type"] == "aws:amp/ruleGroupNamespace:RuleGroupNamespace"]
    alerts = {rule["alert"] for r in amp for group in yaml.safe_load(r["inputs"]["data"])["groups"]
              for rule in group["rules"]}
    assert "DatasetMountFailing" in alerts
    gmp = [r for r in document["resources"] if r["type"] == "kubernetes:monitoring.googleapis.com/v1:ClusterRules"]
    assert any(rule.get("alert") == "DatasetMountFailing" for r in gmp for group in r["inputs"]["spec"]["groups"]
               for rule in group["rules"])
