"""The GitHub App key's way on both clouds, planned through `mlinfra plan`: dev with runners on its EKS cluster
and (added here) on its GKE cluster. Each cloud gets one empty secret, the operator's identity on that secret
alone, a ClusterSecretStore scoped to the cluster's runner namespaces and an ExternalSecret per namespace."""

from __future__ import annotations

import json

import pytest
import yaml

from infra.compose.app_secret import app_secret_name, creates_app_secret
from infra.config.load import parse_stack_config
from tests.helpers import ROOT, mlinfra

GKE_RUNNERS = {"cpu": {"github_config_url": "https://github.com/acme-ml", "runner_group": "dev-gke-ci",
                       "max_runners": 2, "resources": {"requests": {"cpu": "1", "memory": "2Gi"},
                                                       "limits": {"cpu": "2", "memory": "4Gi"}}}}


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    document = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    gke = next(k for k, c in document["config"]["mlinfra:clusters"].items() if c["cloud"] == "gcp")
    document["config"]["mlinfra:clusters"][gke]["runners"] = GKE_RUNNERS
    folder = tmp_path_factory.mktemp("stacks")
    (folder / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    result = mlinfra("plan", "dev", "--format", "json", "--stacks-dir", str(folder))
    assert result.returncode == 0, result.stderr
    return gke, json.loads(result.stdout)


def of_type(document, kind):
    return [r for r in document["resources"] if r["type"] == kind]


def test_gke_plans_an_empty_secret_manager_secret_read_only_by_the_operator(planned):
    gke, document = planned
    [secret] = of_type(document, "gcp:secretmanager/secret:Secret")
    assert (secret["inputs"]["secretId"], secret["inputs"]["project"]) == ("acme-ml-dev-github-app", "acme-ml-dev")
    assert of_type(document, "gcp:secretmanager/secretVersion:SecretVersion") == []
    [binding] = of_type(document, "gcp:secretmanager/secretIamMember:SecretIamMember")
    assert binding["inputs"]["role"] == "roles/secretmanager.secretAccessor"
    assert binding["inputs"]["member"].endswith(
        "/workloadIdentityPools/acme-ml-dev.svc.id.goog/subject/ns/external-secrets/sa/external-secrets")
    # One store per cluster, each reading its own cloud, each serving only that cluster's runner namespaces.
    stores = sorted((s["name"], s["inputs"]["spec"]) for s in
                    of_type(document, "kubernetes:external-secrets.io/v1:ClusterSecretStore"))
    assert stores == [
        (f"{gke}-secret-sync-store",
         {"provider": {"gcpsm": {"projectID": "acme-ml-dev"}}, "conditions": [{"namespaces": ["arc-dev-cpu"]}]}),
        ("dev-secret-sync-store", {"provider": {"aws": {"service": "SecretsManager", "region": "us-east-1"}},
                                   "conditions": [{"namespaces": ["arc-dev-cpu", "arc-dev-deploy",
                                                                  "arc-dev-preview"]}]}),
    ]


def test_each_cloud_has_one_secret_and_every_runner_namespace_syncs_it(planned):
    _, document = planned
    assert [s["inputs"]["name"] for s in of_type(document, "aws:secretsmanager/secret:Secret")] == [
        "acme-ml-dev-github-app"]
    synced = of_type(document, "kubernetes:external-secrets.io/v1:ExternalSecret")
    assert {s["inputs"]["spec"]["data"][0]["remoteRef"]["key"] for s in synced} == {"acme-ml-dev-github-app"}
    assert len(synced) == 4  # dev-cpu, dev-deploy, dev-preview on EKS; the added set on GKE
    assert document["policy"]["violations"] == [] and document["policy"]["notChecked"] == []


def test_the_first_cluster_on_a_cloud_creates_the_secret_and_later_ones_only_read_it():
    runners = {"cpu": GKE_RUNNERS["cpu"]}
    config = parse_stack_config({
        "environment": "dev", "name_prefix": "acme", "tags": {"owner": "o", "cost-center": "c"},
        "gcp": {"project": "acme-dev", "region": "us-central1"},
        "github_app": {"app_id": "1", "installation_id": "2", "platform_repository": "acme/ml"},
        "clusters": {"a": {"cloud": "gcp", "runners": {"a-cpu": {**runners["cpu"], "runner_group": "a"}}},
                     "b": {"cloud": "gcp", "network": {"cidr": "10.20.0.0/16"},
                           "runners": {"b-cpu": {**runners["cpu"], "runner_group": "b"}}}}}, "dev")
    assert [creates_app_secret(config, name, "gcp") for name in ("a", "b")] == [True, False]
    assert app_secret_name(config, "dev") == "acme-dev-github-app"
