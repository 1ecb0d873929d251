"""SecretSync: the External Secrets Operator and one ClusterSecretStore, so a key that lives in a cloud secret
(AWS Secrets Manager, GCP Secret Manager) reaches named namespaces as a Kubernetes Secret without ever passing
through Pulumi config or state.

Facts relied on, read 2026-12-07 at external-secrets/external-secrets@helm-chart-2.9.0 (the pinned chart):
- API `external-secrets.io/v1`, kinds ClusterSecretStore and ExternalSecret (apis/externalsecrets/v1/
  secretstore_types.go, externalsecret_types.go). A ClusterSecretStore's `spec.conditions[].namespaces`
  "constrain[s] a ClusterSecretStore to specific namespaces", checked for every ExternalSecret that references
  it (pkg/controllers/secretstore/client_manager.go, Manager.Get -> shouldProcessSecret).
- ExternalSecret: `secretStoreRef {name, kind: ClusterSecretStore}`, `target {name, creationPolicy: Owner,
  template {engineVersion: v2, mergePolicy: Replace, data}}`, `data[] {secretKey, remoteRef {key}}`,
  `refreshInterval`. With `template.data` the Secret holds exactly the rendered keys (Replace is the default).
- With no `auth` in the store, both providers use the controller pod's own identity: AWS "inherits the
  credentials from the runtime environment" and for EKS Pod Identity "No `auth` section is defined for the
  SecretStore" with the chart's `serviceAccount.name` associated (docs/provider/aws-access.md, "EKS Pod
  Identity Setup"); GCP "Authorizing the Core Controller Pod": the controller's service account is given
  Secret Manager access through GKE Workload Identity and stores carry no auth (docs/provider/
  google-secrets-manager.md).
- Because any store without `auth` uses the controller's identity, nobody but the cluster admin may make one:
  `processSecretStore: false` turns the namespaced SecretStore reconciler off (templates/deployment.yaml,
  `--enable-secret-store-reconciler=false`; with the default `--enable-flood-gate` an ExternalSecret is served
  only by a store whose Ready condition is true, client_manager.go assertStoreIsUsable), and the chart's
  `rbac.aggregateTo{View,Edit,Admin}: false` keeps the operator's kinds out of Kubernetes' namespace `edit` and
  `admin` roles (templates/rbac.yaml). Push secrets and generators stay off: nothing here writes to a cloud.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.k8s.helm_chart import HelmChart

API_VERSION = "external-secrets.io/v1"
OPERATOR_NAMESPACE = "external-secrets"
# The controller's service account: the one the cloud identity (Pod Identity association, Workload Identity
# binding) is granted to.
OPERATOR_SERVICE_ACCOUNT = "external-secrets"
STORE_NAME = "github-app"
# How often the operator re-reads the cloud secret: a rotated App key reaches the runners within this.
REFRESH_INTERVAL = "1h"
# The keys ARC reads from a pre-defined GitHub App secret (actions/actions-runner-controller@
# gha-runner-scale-set-0.14.2:charts/gha-runner-scale-set/values.yaml, "(Variation C) When using a pre-defined
# secret": github_app_id, github_app_installation_id, github_app_private_key; read 2026-12-07).
APP_ID_KEY, INSTALLATION_KEY, PRIVATE_KEY_KEY = "github_app_id", "github_app_installation_id", "github_app_private_key"


def operator_values() -> dict:
    """Chart values: a known service account name, CRDs installed, only cluster-admin-made stores served."""
    return {
        "installCRDs": True,
        "serviceAccount": {"create": True, "name": OPERATOR_SERVICE_ACCOUNT},
        "processClusterStore": True,
        "processSecretStore": False,
        "processClusterExternalSecret": False,
        "processPushSecret": False,
        "processClusterPushSecret": False,
        "processClusterGenerator": False,
        "rbac": {"aggregateToView": False, "aggregateToEdit": False, "aggregateToAdmin": False},
    }


def aws_store_provider(region: str) -> dict:
    """The store's AWS Secrets Manager provider, authenticated as the controller (EKS Pod Identity)."""
    return {"aws": {"service": "SecretsManager", "region": region}}


def gcp_store_provider(project: str) -> dict:
    """The store's GCP Secret Manager provider, authenticated as the controller (GKE Workload Identity)."""
    return {"gcpsm": {"projectID": project}}


def cluster_store_spec(provider: Mapping[str, Any], namespaces: Sequence[str]) -> dict:
    """ClusterSecretStore spec: the provider, usable only from `namespaces`."""
    if not namespaces:
        raise ValueError("a ClusterSecretStore needs at least one namespace it serves")
    return {"provider": dict(provider), "conditions": [{"namespaces": sorted(namespaces)}]}


def github_app_secret_spec(secret_name: str, remote_key: str, app_id: str, installation_id: str,
                           store: str = STORE_NAME) -> dict:
    """ExternalSecret spec: a Secret `secret_name` in ARC's keys; only the private key comes from the cloud secret
    (`remote_key`, its whole value: the PEM), the two ids are not secret and are written in the template."""
    return {
        "refreshInterval": REFRESH_INTERVAL,
        "secretStoreRef": {"name": store, "kind": "ClusterSecretStore"},
        "target": {
            "name": secret_name,
            "creationPolicy": "Owner",
            "template": {"engineVersion": "v2", "mergePolicy": "Replace", "type": "Opaque", "data": {
                APP_ID_KEY: str(app_id), INSTALLATION_KEY: str(installation_id),
                PRIVATE_KEY_KEY: "{{ .private_key }}"}},
        },
        "data": [{"secretKey": "private_key", "remoteRef": {"key": remote_key}}],
    }


@dataclass(frozen=True)
class SecretSyncArgs:
    """Inputs of SecretSync."""

    provider: pulumi.ProviderResource
    chart: HelmChart
    # The store's provider block (aws_store_provider, gcp_store_provider).
    store_provider: Mapping[str, Any]
    # The only namespaces whose ExternalSecrets the store serves.
    namespaces: Sequence[str]
    labels: Mapping[str, str] = field(default_factory=dict)
    # What the release waits for: nodes, and the controller's cloud identity (Pod Identity association).
    depends_on: Sequence[pulumi.Resource] = ()


class SecretSync(pulumi.ComponentResource):
    """The External Secrets Operator in its own namespace and the one ClusterSecretStore it serves."""

    store_name: str
    store: k8s.apiextensions.CustomResource

    def __init__(self, name: str, args: SecretSyncArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:k8s:SecretSync", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        labels = {"app.kubernetes.io/managed-by": "mlinfra", **args.labels}
        spec = cluster_store_spec(args.store_provider, args.namespaces)
        # Restricted Pod Security: the controller, webhook and cert controller all run non-root, drop every
        # capability, no privilege escalation, RuntimeDefault seccomp by default (values.yaml `securityContext`,
        # `webhook.securityContext`, `certController.securityContext` at helm-chart-2.9.0).
        ns = k8s.core.v1.Namespace(f"{name}-ns", metadata={"name": OPERATOR_NAMESPACE, "labels": {
            **labels, "pod-security.kubernetes.io/enforce": "restricted"}}, opts=child)
        release = k8s.helm.v3.Release(
            name, name="external-secrets", **args.chart.release_args(), namespace=ns.metadata.name,
            values=operator_values(), atomic=True,
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=list(args.depends_on))))
        # The CRDs come with the release, so the store waits for it.
        self.store = k8s.apiextensions.CustomResource(
            f"{name}-store", api_version=API_VERSION, kind="ClusterSecretStore",
            metadata={"name": STORE_NAME, "labels": labels}, spec=spec,
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[release])))
        self.store_name = STORE_NAME
        self.register_outputs({"store_name": self.store_name})
