"""AWS observability over the recorded dev, staging and prod plans: what the scraper keeps, which rules
the workspace evaluates, where alerts go, and that a stack with observability off creates none of it."""

import json
from types import SimpleNamespace

import pytest
import yaml

from components.monitoring.dataset_rules import dataset_alert_rules
from components.monitoring.rules import AlertThresholds, platform_alert_rules, rule_groups
from infra.compose.observability import runbook_base
from infra.compose.observability_aws import gpu_hourly_prices, rule_scope
from infra.config.load import ConfigError, config_from_stack_file
from infra.config.observability import effective_alerts
from infra.config.stack import budget_for
from infra.offline.document import build_document
from infra.offline.engine import STACKS_DIR, ProgramError, run_stack
from tests.helpers import stack_run

ACCOUNT = "123456789012"  # what infra/offline/invokes.py answers for the caller identity
OBSERVABILITY_TYPES = ("aws:amp/", "aws:sns/", "mlinfra:aws:Amp")


@pytest.fixture(scope="module", params=["dev", "staging", "prod"])
def plan(request):
    return request.param, build_document(stack_run(request.param))


def _of(document, resource_type):
    return [r for r in document["resources"] if r["type"] == resource_type]


def _keep(job, label):
    """The regex a scrape job's relabelling keeps for a discovery label."""
    return [r["regex"] for r in job["relabel_configs"] if r.get("action") == "keep" and r["source_labels"] == [label]]


def test_scraper_keeps_the_dcgm_exporter_pods_on_their_metrics_port(plan):
    stack, document = plan
    [scraper] = _of(document, "aws:amp/scraper:Scraper")
    config = yaml.safe_load(scraper["inputs"]["scrapeConfiguration"])
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    dcgm = jobs["dcgm-exporter"]
    # The chart's pods (which its affinity runs on GPU nodes only), on their `metrics` port.
    assert _keep(dcgm, "__meta_kubernetes_pod_label_app_kubernetes_io_name") == ["dcgm-exporter"]
    assert _keep(dcgm, "__meta_kubernetes_pod_container_port_name") == ["metrics"]
    assert int(config["global"]["scrape_interval"].rstrip("s")) >= 30
    [cluster] = _of(document, "aws:eks/cluster:Cluster")
    assert config["global"]["external_labels"]["cluster"] == cluster["inputs"]["name"]
    assert {"kube-state-metrics", "prometheus-node-exporter", "cluster-autoscaler",
            "kubernetes-apiservers"} <= set(jobs)
    releases = {r["inputs"]["chart"]: r["inputs"]["values"] for r in _of(document, "kubernetes:helm.sh/v3:Release")}
    assert releases["dcgm-exporter"]["affinity"]["nodeAffinity"]  # the pods the job keeps are GPU-node pods
    # Two subnets in two zones, the cluster's security group, and the stack's workspace.
    assert len(scraper["inputs"]["source"]["eks"]["subnetIds"]) >= 2
    # Its own account's workspace with its service-linked role: no cross-account roleConfiguration.
    assert "roleConfiguration" not in scraper["inputs"]


def test_scraper_reaches_the_runner_listeners_the_namespace_admits(plan):
    _, document = plan
    [scraper] = _of(document, "aws:amp/scraper:Scraper")
    jobs = {j["job_name"]: j for j in yaml.safe_load(scraper["inputs"]["scrapeConfiguration"])["scrape_configs"]}
    listener = jobs["arc-listener"]
    assert _keep(listener, "__meta_kubernetes_pod_label_app_kubernetes_io_component") == ["runner-scale-set-listener"]
    assert _keep(listener, "__meta_kubernetes_pod_container_port_number") == ["8080"]
    # The controller namespace denies all ingress but this: the VPC, where the scraper's ENIs sit, to the
    # listener pods on the port the job scrapes.
    [policy] = [r for r in _of(document, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
                if r["name"].endswith("controller-allow-metrics")]
    spec = policy["inputs"]["spec"]
    assert spec["podSelector"] == {"matchLabels": {"app.kubernetes.io/component": "runner-scale-set-listener"}}
    [rule] = spec["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8080}]
    [vpc] = _of(document, "aws:ec2/vpc:Vpc")
    assert rule["from"] == [{"ipBlock": {"cidr": vpc["inputs"]["cidrBlock"]}}]


def test_grafana_reads_the_workspace_with_a_query_only_pod_identity(plan):
    _, document = plan
    [workspace] = _of(document, "aws:amp/workspace:Workspace")
    # The EKS cluster's Grafana (dev and prod have a GKE cluster with its own Grafana too).
    [eks] = [r["name"] for r in _of(document, "mlinfra:aws:EksCluster")]
    [grafana] = [r for r in _of(document, "kubernetes:helm.sh/v3:Release")
                 if r["inputs"]["chart"] == "grafana" and r["name"] == f"{eks}-grafana-release"]
    values = grafana["inputs"]["values"]
    assert values["service"] == {"type": "ClusterIP"}
    assert values["plugins"] == ["grafana-amazonprometheus-datasource@3.3.4"]  # pinned, never "latest"
    [source] = values["datasources"]["datasources.yaml"]["datasources"]
    assert (source["type"], source["uid"]) == ("grafana-amazonprometheus-datasource", "amp")
    assert source["jsonData"]["sigV4Auth"] is True and source["jsonData"]["sigV4AuthType"] == "default"
    assert workspace["urn"] in grafana["propertyDependencies"]["values"]  # the url is the workspace's endpoint
    [association] = [r for r in _of(document, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
                     if r["name"].endswith("-grafana-association")]
    assert (association["inputs"]["namespace"], association["inputs"]["serviceAccount"]) == ("grafana", "grafana")
    assert values["serviceAccount"]["name"] == "grafana"
    [query] = [r for r in _of(document, "aws:iam/rolePolicy:RolePolicy") if r["name"].endswith("-grafana-query")]
    assert query["propertyDependencies"]["policy"] == [workspace["urn"]]
    boards = [r for r in _of(document, "kubernetes:core/v1:ConfigMap") if r["name"].startswith(
        grafana["name"].removesuffix("-release") + "-dashboard-")]
    panels = [p for b in boards for board in b["inputs"]["data"].values() for p in json.loads(board)["panels"]]
    assert panels and {p["datasource"]["uid"] for p in panels} == {"amp"}


def test_workspace_evaluates_exactly_the_shared_rule_list(plan):
    stack, document = plan
    config = config_from_stack_file(stack_run(stack).stack_file)
    ctx = SimpleNamespace(stack=stack, config=config)
    expected = platform_alert_rules(AlertThresholds(**effective_alerts(config).model_dump()), rule_scope(ctx),
                                    spend_per_hour_budget=budget_for(config), gpu_hourly_prices=gpu_hourly_prices())
    expected += dataset_alert_rules() if config.datasets else ()  # a stack with datasets alerts on stuck mounts
    [namespace] = _of(document, "aws:amp/ruleGroupNamespace:RuleGroupNamespace")
    assert yaml.safe_load(namespace["inputs"]["data"]) == rule_groups(expected, runbook_base=runbook_base(config))
    rules = yaml.safe_load(namespace["inputs"]["data"])["groups"][0]["rules"]
    # Every alert links its runbook in the platform repository; per-cluster rules filter on the cluster.
    assert all(r["annotations"]["runbook_url"].startswith(
        "https://github.com/acme-ml/ml-platform/blob/main/docs/runbooks/") for r in rules)
    [ksm] = [r for r in rules if r["alert"] == "KubeStateMetricsMissing"]
    assert ksm["expr"] == f'absent(kube_node_info{{cluster="{stack}-{next(iter(config.clusters))}"}})'


def test_alert_manager_routes_every_alert_to_the_encrypted_topic(plan):
    stack, document = plan
    [topic] = _of(document, "aws:sns/topic:Topic")
    assert topic["inputs"]["name"] == f"{stack}-metrics-alerts"
    assert topic["inputs"]["kmsMasterKeyId"]
    [definition] = _of(document, "aws:amp/alertManagerDefinition:AlertManagerDefinition")
    config = yaml.safe_load(yaml.safe_load(definition["inputs"]["definition"])["alertmanager_config"])
    [receiver] = [r for r in config["receivers"] if r["name"] == config["route"]["receiver"]]
    region = config_from_stack_file(stack_run(stack).stack_file).aws.region
    assert receiver["sns_configs"] == [{"topic_arn": f"arn:aws:sns:{region}:{ACCOUNT}:{stack}-metrics-alerts",
                                        "sigv4": {"region": region}, "send_resolved": True}]
    [workspace] = _of(document, "aws:amp/workspace:Workspace")
    assert "kmsKeyArn" not in workspace["inputs"]  # the AWS owned key, which the managed scraper can write to
    assert workspace["protect"] is (stack in ("staging", "prod"))


def test_sandbox_creates_no_observability():
    document = build_document(stack_run("sandbox"))
    assert not [r for r in document["resources"] if r["type"].startswith(OBSERVABILITY_TYPES)]


def test_dev_with_observability_off_creates_none_of_it(tmp_path):
    body = (STACKS_DIR / "Pulumi.dev.yaml").read_text()
    assert "  mlinfra:observability:\n    enabled: true\n" in body
    (tmp_path / "Pulumi.dev.yaml").write_text(
        body.replace("  mlinfra:observability:\n    enabled: true\n", "  mlinfra:observability:\n    enabled: false\n"))
    document = build_document(run_stack("dev", tmp_path))
    assert not [r for r in document["resources"] if r["type"].startswith(OBSERVABILITY_TYPES)]
    controller = next(r for r in document["resources"] if r["type"] == "kubernetes:helm.sh/v3:Release"
                      and r["inputs"]["chart"].endswith("/gha-runner-scale-set-controller"))
    assert "metrics" not in controller["inputs"]["values"]
    # dev as it was before observability (152), with its two datasets (24: namespaces, service accounts, volumes,
    # claims, role, Anywhere Cache, warming Jobs and their components), and 7 for the GPU platform (#32;
    # tests/infra/test_stacks.py).
    # claims, role, Anywhere Cache, warming Jobs and their components), and 8 for #26 (the dev-preview runner
    # set: namespace, 2 network policies, release, App secret; a ResourceQuota in each of 3 runner namespaces),
    # and 9 for the App key's sync (#26: the empty secret, the operator's Pod Identity and the operator).
    assert document["counts"]["total"] == 200


def test_grafana_false_leaves_out_grafana_on_both_clouds_and_keeps_the_metrics(tmp_path):
    body = (STACKS_DIR / "Pulumi.dev.yaml").read_text()
    on = "  mlinfra:observability:\n    enabled: true\n"
    assert on in body
    (tmp_path / "Pulumi.dev.yaml").write_text(body.replace(on, on + "    grafana: false\n"))
    document = build_document(run_stack("dev", tmp_path))
    releases = [r["inputs"]["chart"] for r in _of(document, "kubernetes:helm.sh/v3:Release")]
    assert "grafana" not in releases
    assert releases.count("kube-state-metrics") == 2  # the exporters still run on EKS and GKE
    assert not [r for r in _of(document, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
                if r["name"].endswith("-grafana-association")]
    assert len(_of(document, "aws:amp/scraper:Scraper")) == 1


AMP_LIMITS = """\
config:
  mlinfra:environment: staging
  mlinfra:tags: {owner: ml, cost-center: cc}
  mlinfra:aws: {region: us-east-1}
  mlinfra:observability: {scrape_interval_seconds: 15}
  mlinfra:clusters:
    train:
      cloud: aws
      aws:
        existing_network:
          vpc_id: vpc-0123456789abcdef0
          private_subnet_ids: {us-east-1a: subnet-0123456789abcdef0}
"""


def test_what_the_managed_scraper_refuses_is_a_config_error(tmp_path):
    (tmp_path / "Pulumi.staging.yaml").write_text(AMP_LIMITS)
    with pytest.raises(ProgramError) as err:
        run_stack("staging", tmp_path)
    assert isinstance(err.value.cause, ConfigError)
    problems = dict(err.value.cause.problems)
    assert problems["observability.scrape_interval_seconds"] == (
        "must be at least 30 with AWS clusters: the AMP managed scraper refuses shorter intervals (got 15)")
    assert problems["clusters.train.aws.existing_network.private_subnet_ids"] == (
        "the AMP managed scraper needs subnets in at least 2 zones; give the cluster 2 or turn observability off "
        "(got 1)")
    assert err.value.resources == []


def test_the_scraper_writes_to_the_stacks_workspace_which_keeps_the_aws_owned_key(plan):
    _, document = plan
    # AWS managed collectors cannot write to a workspace with a customer managed key (components/aws/
    # amp_workspace.py): the workspace has no kmsKeyArn, the scraper no roles of its own.
    [workspace] = _of(document, "aws:amp/workspace:Workspace")
    assert "kmsKeyArn" not in workspace["inputs"]
    assert not [r for r in document["resources"] if r["name"].endswith(("-metrics-source", "-metrics-target"))]
    [scraper] = _of(document, "aws:amp/scraper:Scraper")
    assert workspace["urn"] in scraper["propertyDependencies"]["destination"]
    # The key still encrypts the alert topic, which AMP's alert manager publishes to.
    [topic] = _of(document, "aws:sns/topic:Topic")
    [key] = [r for r in _of(document, "aws:kms/key:Key") if r["name"] == "metrics-key"]
    assert topic["propertyDependencies"]["kmsMasterKeyId"] == [key["urn"]]
