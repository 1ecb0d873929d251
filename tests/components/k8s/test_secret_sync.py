"""SecretSync under the offline engine: the pinned operator, its values and the one scoped ClusterSecretStore."""

import pulumi_kubernetes as k8s
import pytest

from components.k8s.helm_chart import HelmChart
from components.k8s.secret_sync import (
    SecretSync,
    SecretSyncArgs,
    aws_store_provider,
    cluster_store_spec,
    gcp_store_provider,
)
from infra.catalog.chart_values import undeclared_paths
from infra.catalog.charts import CHARTS

RELEASE = "kubernetes:helm.sh/v3:Release"
STORE = "kubernetes:external-secrets.io/v1:ClusterSecretStore"
CHART = HelmChart("external-secrets", "2.9.0", "https://charts.external-secrets.io")


def sync(provider_block, namespaces=("arc-dev-cpu", "arc-dev-deploy")):
    def program():
        waited = k8s.core.v1.Namespace("identity-ready")
        SecretSync("dev-secret-sync", SecretSyncArgs(
            provider=k8s.Provider("k8s", kubeconfig="{}"), chart=CHART, store_provider=provider_block,
            namespaces=list(namespaces), depends_on=[waited]))
    return program


def test_the_operator_serves_only_cluster_stores_and_stays_out_of_namespace_roles(register):
    reg = register(sync(aws_store_provider("us-east-1")))
    release = reg.one(RELEASE).inputs
    assert (release["chart"], release["version"], release["namespace"]) == ("external-secrets", "2.9.0",
                                                                             "external-secrets")
    assert release["repositoryOpts"] == {"repo": "https://charts.external-secrets.io"}
    assert release["values"] == {
        "installCRDs": True, "serviceAccount": {"create": True, "name": "external-secrets"},
        "processClusterStore": True, "processSecretStore": False, "processClusterExternalSecret": False,
        "processPushSecret": False, "processClusterPushSecret": False, "processClusterGenerator": False,
        "rbac": {"aggregateToView": False, "aggregateToEdit": False, "aggregateToAdmin": False}}
    # Every value is one the chart reads at the pin (a misspelt switch would be dropped without a word).
    assert undeclared_paths(CHARTS["external-secrets"].value_paths, release["values"]) == []
    assert reg.one("kubernetes:core/v1:Namespace", "identity-ready").urn in reg.one(RELEASE).request.dependencies


def test_the_store_reads_secrets_manager_as_the_controller_for_the_named_namespaces_only(register):
    reg = register(sync(aws_store_provider("us-east-1"), namespaces=("arc-dev-deploy", "arc-dev-cpu")))
    store = reg.one(STORE)
    assert store.inputs["apiVersion"] == "external-secrets.io/v1"
    assert store.inputs["metadata"]["name"] == "github-app"
    assert store.inputs["spec"] == {"provider": {"aws": {"service": "SecretsManager", "region": "us-east-1"}},
                                    "conditions": [{"namespaces": ["arc-dev-cpu", "arc-dev-deploy"]}]}
    # The CRDs come with the release.
    assert reg.one(RELEASE).urn in store.request.dependencies


def test_the_gcp_store_reads_the_projects_secret_manager(register):
    store = register(sync(gcp_store_provider("acme-ml-dev"))).one(STORE)
    assert store.inputs["spec"]["provider"] == {"gcpsm": {"projectID": "acme-ml-dev"}}


def test_a_store_serving_no_namespace_is_refused():
    with pytest.raises(ValueError, match="at least one namespace"):
        cluster_store_spec(aws_store_provider("us-east-1"), [])
