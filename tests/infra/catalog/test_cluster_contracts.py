"""The cluster contract facts: each names its upstream source, and the components that satisfy a
contract and the policy rules that check it use the same values."""

import json

from components.aws import eks_defaults, node_template
from components.k8s.runner_values import RunnerSet, container_mode_values
from infra.catalog import cluster_contracts as facts


def _all_facts():
    return {k: v for k, v in vars(facts).items() if isinstance(v, facts.UpstreamFact)}


def test_every_fact_names_its_source():
    assert len(_all_facts()) == 10
    for name, fact in _all_facts().items():
        assert fact.value and fact.source, name
        assert "@" in fact.source or "https://" in fact.source or fact.source.startswith("observed"), name


def test_components_use_the_facts_the_rules_check():
    assert facts.AWS_AUTOSCALER_GPU_LABEL.value == node_template.GPU_LABEL
    assert facts.AUTOSCALER_NODE_TEMPLATE_LABEL_PREFIX.value == f"{node_template.TEMPLATE}/label/"
    assert facts.EBS_CSI_PROVISIONER.value == eks_defaults.EBS_CSI_PROVISIONER
    assert list(json.loads(eks_defaults.vpc_cni_configuration())) == [facts.VPC_CNI_NETWORK_POLICY_KEY.value]
    rule = eks_defaults.pod_identity_agent_egress()
    assert rule["to"] == [{"ipBlock": {"cidr": facts.POD_IDENTITY_AGENT_CIDR.value}}]
    assert rule["ports"] == [{"protocol": "TCP", "port": int(facts.POD_IDENTITY_AGENT_PORT.value)}]


def test_the_runner_claim_sits_where_the_chart_reads_it():
    values = {"containerMode": container_mode_values(RunnerSet(
        "https://github.com/acme", max_runners=1, requests={}, limits={}, image="i:1", storage_class="c"))}
    node = values
    for step in facts.ARC_WORK_VOLUME_CLAIM_PATH.value.split("."):
        node = node[step]
    assert node["storageClassName"] == "c"
