"""AMP workspace, managed scraper and their policies: encrypted, scoped to one workspace, routed to SNS."""

import json

import pytest
import yaml

from components.aws.amp_policies import (
    QUERY_ACTIONS,
    alert_manager_definition,
    observability_key_policy,
    query_policy,
    topic_policy,
)
from components.aws.amp_scraper import AmpScraper, AmpScraperArgs
from components.aws.amp_workspace import AmpWorkspace, AmpWorkspaceArgs
from components.aws.scrape_config import DCGM, ScrapeTarget, scrape_config, scrape_config_yaml

ACCOUNT = "123456789012"
WS = "arn:aws:aps:us-east-1:123456789012:workspace/ws-1"
TOPIC = "arn:aws:sns:us-east-1:123456789012:dev-metrics-alerts"
RULES = yaml.safe_dump({"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0"}]}]})


def test_query_policy_names_the_four_query_actions_on_one_workspace():
    [statement] = json.loads(query_policy(WS))["Statement"]
    assert statement["Action"] == ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"]
    assert statement["Resource"] == WS
    assert set(QUERY_ACTIONS) == set(statement["Action"])


def test_topic_policy_lets_only_the_workspace_publish():
    [statement] = json.loads(topic_policy(TOPIC, WS, ACCOUNT))["Statement"]
    assert statement["Principal"] == {"Service": "aps.amazonaws.com"}
    assert statement["Resource"] == TOPIC
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": WS},
                                      "StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_key_policy_lets_the_alert_manager_encrypt_for_this_account_only():
    statements = json.loads(observability_key_policy(ACCOUNT, "us-east-1"))["Statement"]
    assert statements[0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    aps = statements[1]
    assert aps["Action"] == ["kms:GenerateDataKey*", "kms:Decrypt"]
    assert aps["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}


def test_alert_manager_definition_routes_every_alert_to_the_topic():
    outer = yaml.safe_load(alert_manager_definition(TOPIC, "us-east-1"))
    config = yaml.safe_load(outer["alertmanager_config"])
    assert config["route"]["receiver"] == "sns"
    [receiver] = config["receivers"]
    assert receiver["sns_configs"] == [{"topic_arn": TOPIC, "sigv4": {"region": "us-east-1"}, "send_resolved": True}]


def test_scrape_config_keeps_dcgm_pods_by_label_and_port_and_labels_the_cluster():
    config = scrape_config("dev-train", 30, [DCGM], apiserver=False)
    assert config["global"] == {"scrape_interval": "30s", "external_labels": {"cluster": "dev-train"}}
    [job] = config["scrape_configs"]
    assert job["kubernetes_sd_configs"] == [{"role": "pod"}]
    keeps = [r for r in job["relabel_configs"] if r.get("action") == "keep"]
    assert {"source_labels": ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], "regex": "dcgm-exporter",
            "action": "keep"} in keeps
    assert {"source_labels": ["__meta_kubernetes_pod_container_port_name"], "regex": "metrics",
            "action": "keep"} in keeps
    assert yaml.safe_load(scrape_config_yaml("dev-train", 30, [DCGM])) == scrape_config("dev-train", 30, [DCGM])


def test_scrape_config_scrapes_the_api_server_as_amp_documents_it():
    jobs = {j["job_name"]: j for j in scrape_config("c", 30, [DCGM])["scrape_configs"]}
    api = jobs["kubernetes-apiservers"]
    assert api["kubernetes_sd_configs"] == [{"role": "endpoints"}] and api["scheme"] == "https"
    assert api["authorization"]["credentials_file"] == "/var/run/secrets/kubernetes.io/serviceaccount/token"
    assert api["relabel_configs"][0]["regex"] == "default;kubernetes;https"


def test_scrape_config_refuses_what_the_managed_scraper_refuses():
    with pytest.raises(ValueError, match="under 30s"):
        scrape_config("c", 15, [DCGM])
    with pytest.raises(ValueError, match="duplicate scrape jobs: dcgm-exporter"):
        scrape_config("c", 30, [DCGM, ScrapeTarget("dcgm-exporter", "a", "b", 1)])


def test_scraped_workspace_keeps_the_aws_owned_key_and_alerts_go_to_an_encrypted_topic(register):
    def program():
        return AmpWorkspace("metrics", AmpWorkspaceArgs(
            alias="dev-metrics", region="us-east-1", account_id=ACCOUNT, rules_yaml=RULES,
            customer_managed_key=False, emails=["oncall@example.com"], webhook_url="https://hooks.example.com/x"))

    reg = register(program)
    key = reg.one("aws:kms/key:Key").inputs
    assert key["enableKeyRotation"] is True and key["description"] == "The alerts of dev-metrics"
    workspace = reg.one("aws:amp/workspace:Workspace").inputs
    # No kmsKeyArn: AMP encrypts with its AWS owned key, the one a managed scraper can write to.
    assert workspace["alias"] == "dev-metrics" and "kmsKeyArn" not in workspace
    rules = reg.one("aws:amp/ruleGroupNamespace:RuleGroupNamespace").inputs
    assert rules["data"] == RULES
    topic = reg.one("aws:sns/topic:Topic").inputs
    assert topic["kmsMasterKeyId"]
    subscriptions = {r.name: r.inputs for r in reg.of_type("aws:sns/topicSubscription:TopicSubscription")}
    assert subscriptions["metrics-email-oncall-example-com"]["protocol"] == "email"
    assert subscriptions["metrics-webhook"]["protocol"] == "https"
    assert subscriptions["metrics-webhook"]["endpoint"] == "[secret]"
    alertmanager = yaml.safe_load(reg.one("aws:amp/alertManagerDefinition:AlertManagerDefinition")
                                  .inputs["definition"])
    assert yaml.safe_load(alertmanager["alertmanager_config"])["receivers"][0]["sns_configs"][0]["topic_arn"] == TOPIC


def test_unscraped_workspace_is_encrypted_with_the_stack_key(register):
    def program():
        return AmpWorkspace("metrics", AmpWorkspaceArgs(
            alias="dev-metrics", region="us-east-1", account_id=ACCOUNT, rules_yaml=RULES,
            customer_managed_key=True))

    reg = register(program)
    key = reg.one("aws:kms/key:Key")
    assert key.inputs["description"] == "The metrics and alerts of dev-metrics"
    workspace = reg.one("aws:amp/workspace:Workspace")
    assert workspace.inputs["kmsKeyArn"] and key.urn in workspace.options()["propertyDependencies"]["kmsKeyArn"]


def test_workspace_refuses_a_plain_http_webhook():
    with pytest.raises(ValueError, match="https://"):
        AmpWorkspace("metrics", AmpWorkspaceArgs(alias="a", region="us-east-1", account_id=ACCOUNT,
                                                 rules_yaml=RULES, customer_managed_key=False,
                                                 webhook_url="http://hooks.example.com"))


def test_scraper_writes_with_its_service_linked_role_from_two_subnets(register):
    def program():
        return AmpScraper("train-metrics", AmpScraperArgs(
            cluster_name="dev-train", cluster_arn="arn:aws:eks:us-east-1:1:cluster/dev-train",
            subnet_ids=["subnet-a", "subnet-b"], security_group_id="sg-1", workspace_arn=WS,
            scrape_configuration=scrape_config_yaml("dev-train", 30, [DCGM])))

    reg = register(program)
    scraper = reg.one("aws:amp/scraper:Scraper").inputs
    assert scraper["source"]["eks"]["subnetIds"] == ["subnet-a", "subnet-b"]
    assert scraper["destination"] == {"amp": {"workspaceArn": WS}}
    # No roleConfiguration (cross-account only) and no roles of its own: the service-linked role writes.
    assert "roleConfiguration" not in scraper
    assert not reg.of_type("aws:iam/role:Role") and not reg.of_type("aws:iam/rolePolicy:RolePolicy")


def test_scraper_refuses_a_single_subnet():
    with pytest.raises(ValueError, match="at least two zones"):
        AmpScraper("x", AmpScraperArgs(cluster_name="c", cluster_arn="arn", subnet_ids=["s"], security_group_id="sg",
                                       workspace_arn=WS, scrape_configuration=""))
