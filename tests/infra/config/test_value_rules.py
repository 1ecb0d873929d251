"""infra.config.rules.values: each refused value named by its config path, through parse_stack_config."""

import copy

import pytest

from infra.config.load import parse_stack_config
from tests.helpers import changed, config_problems

RESOURCES = {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}}
VALID = {
    "environment": "dev",
    "tags": {"owner": "ml-platform", "cost-center": "cc-1"},
    "aws": {"region": "us-east-1"},
    "gcp": {"project": "acme-ml-dev", "region": "us-central1",
            "alert_smtp": {"smarthost": "smtp-relay.gmail.com:587", "sender": "alerts@acme.example"}},
    "github_app": {"app_id": "123456", "installation_id": "7890123",
                   "platform_repository": "acme/ml-platform"},
    "observability": {"enabled": True, "notify": {"emails": ["oncall@acme.example"]}},
    "clusters": {
        "train": {
            "cloud": "aws",
            "gpu_pools": {"l4": {"accelerator": "nvidia-l4", "max_nodes": 2, "labels": {"team": "vision"}}},
            "runners": {"cpu": {"github_config_url": "https://github.com/acme", "runner_group": "ci",
                                "repositories": ["acme/ml"], "max_runners": 4, "resources": copy.deepcopy(RESOURCES)}},
        },
        "infer": {
            "cloud": "gcp", "gcp": {"location": "zonal",
                                    "node_service_account": "acme-ml-dev-nodes@acme-ml-dev.iam.gserviceaccount.com"},
            "gpu_pools": {"l4": {"accelerator": "nvidia-l4", "max_nodes": 2}},
        },
    },
}


problems = config_problems


def one(path: str, value) -> str:
    [problem] = problems(changed(VALID, path, value))
    return problem


def test_the_valid_config_parses():
    parse_stack_config(VALID, "dev")


@pytest.mark.parametrize("path, value, expected", [
    ("clusters.infer.gcp.node_service_account", "acme-ml-dev-nodes@acme-ml-dev.iam.gserviceaccount.com\n",
     "clusters.infer.gcp.node_service_account: character 54 is U+000A"),
    ("clusters.infer.gcp.node_service_account", "acme-ml-prod-nodes@acme-ml-dev.iam.gserviceaccount.com",
     "clusters.infer.gcp.node_service_account: names the prod environment, and this is a dev stack"),
    ("clusters.infer.gcp.node_service_account", "acme-ml-dev-nodes@acme-ml-prod.iam.gserviceaccount.com",
     "clusters.infer.gcp.node_service_account: is in project acme-ml-prod, not this stack's project acme-ml-dev"),
    ("clusters.infer.gpu_pools.l4.gcp", {"max_surge": 0, "max_unavailable": 0},
     "clusters.infer.gpu_pools.l4.gcp.max_surge: max_surge + max_unavailable must be at least 1"),
    ("clusters.train.network", {"cidr": "127.0.0.0/16"},
     "clusters.train.network.cidr: 127.0.0.0/16 is in 127.0.0.0/8, loopback"),
    ("clusters.infer.gcp.master_cidr", "169.254.0.0/28",
     "clusters.infer.gcp.master_cidr: 169.254.0.0/28 is in 169.254.0.0/16, link-local"),
    ("clusters.train.endpoint", {"public_access_cidrs": ["224.0.0.0/24"]},
     "clusters.train.endpoint.public_access_cidrs.0: 224.0.0.0/24 is in 224.0.0.0/4, multicast"),
    ("clusters.train.endpoint", {"public_access_cidrs": [f"203.0.{i}.0/24" for i in range(41)]},
     "clusters.train.endpoint.public_access_cidrs: an EKS public endpoint takes at most 40 CIDR ranges (got 41)"),
    ("clusters.infer.gcp.master_authorized_networks", [f"10.{i}.0.0/16" for i in range(51)],
     "clusters.infer.gcp.master_authorized_networks: GKE's authorized networks (public_access_cidrs and "
     "master_authorized_networks together) takes at most 50 CIDR ranges (got 51)"),
    ("clusters.train.log_retention_days", 4, "clusters.train.log_retention_days: CloudWatch Logs keeps logs"),
    ("clusters.train.aws", {"flow_log_retention_days": 100},
     "clusters.train.aws.flow_log_retention_days: CloudWatch Logs keeps logs"),
    ("clusters.train.gpu_pools.l4.labels", {"kubernetes.io/role": "x"},
     "clusters.train.gpu_pools.l4.labels.kubernetes.io/role: the kubernetes.io/ prefix is reserved"),
    ("clusters.train.gpu_pools.l4.labels", {"team": "a b"}, "clusters.train.gpu_pools.l4.labels.team: a label value"),
    ("clusters.train.runners.cpu.github_config_url", "https://ghp_abcdefghijklmnopqrst@github.com/acme",
     "clusters.train.runners.cpu.github_config_url: holds credentials before the host"),
    ("clusters.train.runners.cpu.runner_group", "ci\u200b",
     "clusters.train.runners.cpu.runner_group: character 3 is U+200B"),
    ("clusters.train.runners.cpu.repositories", ["other-org/ml"],
     "clusters.train.runners.cpu.repositories.0: belongs to other-org, but the runners register in acme"),
    ("clusters.train.runners.cpu.repositories", ["acme/.."],
     "clusters.train.runners.cpu.repositories.0: GitHub reserves the repository name '..'"),
    ("clusters.train.runners.cpu.resources", {"requests": {"cpu": "0", "memory": "0"},
                                              "limits": {"cpu": "0", "memory": "1Gi"}},
     "clusters.train.runners.cpu.resources.limits.cpu: must be more than 0"),
    ("github_app.platform_repository", "acme/repo.git",
     "github_app.platform_repository: GitHub rewrites a repository name ending in .git"),
    ("observability.notify.emails", ["x" * 65 + "@acme.example"],
     "observability.notify.emails.0: the part before @ has at most 64 characters (RFC 5321)"),
    ("gcp.alert_smtp.smarthost", "smtp-relay.gmail.com:99999",
     "gcp.alert_smtp.smarthost: the port must be 1 to 65535 (got 99999)"),
    ("gcp.alert_smtp.smarthost", "smtp-relay.gmail.com:0", "gcp.alert_smtp.smarthost: the port must be 1 to 65535"),
    ("tags.extra", {"team": "vision\U0001f441"}, "tags.extra.team: tags become AWS tags and GCP labels: character 7"),
    ("tags.owner", "ml\tplatform", "tags.owner: tags become AWS tags and GCP labels: character 3 is U+0009"),
])
def test_each_refused_value_is_named_by_its_path(path, value, expected):
    assert one(path, value).startswith(expected)


def test_a_runner_storage_class_must_be_a_kubernetes_object_name():
    problem = one("clusters.train.runners.cpu.storage_class", "Fast_SSD")
    assert problem.startswith("clusters.train.runners.cpu.storage_class: a StorageClass name must be a DNS subdomain")
    parse_stack_config(changed(VALID, "clusters.train.runners.cpu.storage_class", "gp3.fast"), "dev")


@pytest.mark.parametrize("path, value", [
    ("clusters.train.runners.cpu.image", "ghcr.io/actions/actions-runner:2.338.1 "),
    # With the zone and size a specific reservation needs (#32), so only the name is wrong.
    ("clusters.infer.gpu_pools.l4.gcp", {"reservation": {"affinity": "SPECIFIC_RESERVATION", "name": "h100 block",
                                                          "zone": "us-central1-b", "nodes": 1}}),
    ("clusters.train.aws", {"addon_versions": {"coredns": "v1.11.4 -eksbuild.1"}}),
])
def test_an_identifier_with_a_space_is_refused(path, value):
    problem = one(path, value)
    assert "an identifier has no spaces; remove them" in problem
