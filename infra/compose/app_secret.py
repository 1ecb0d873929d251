"""The GitHub App key's way to the runners: one empty cloud secret per stack (its environment's App key), read by
the secret-sync operator of each cluster with runners, which writes it into each runner namespace.

The key never enters Pulumi config or state (issue #26): previews decrypt a previewed stack's secrets, so a
key there is a key every pull request can read. Pulumi manages the secret's container, the operator, its
identity and the ExternalSecret objects, none of which holds key material.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi

from components.k8s.ci_runners import GithubAppSecret
from components.k8s.runner_values import namespace_for
from components.k8s.secret_sync import (
    OPERATOR_NAMESPACE,
    OPERATOR_SERVICE_ACCOUNT,
    SecretSync,
    SecretSyncArgs,
    aws_store_provider,
    gcp_store_provider,
)
from infra.catalog.accelerators import Cloud
from infra.compose.charts import helm_chart
from infra.compose.context import PROTECTED_ENVIRONMENTS
from infra.config.rules.names import scale_set_name
from infra.config.stack import ClusterConfig, StackConfig

if TYPE_CHECKING:
    from infra.compose.context import AwsContext


def app_secret_name(config: StackConfig, stack: str) -> str:
    """The cloud secret holding this stack's App key: a Secrets Manager name, a Secret Manager id."""
    return f"{config.name_prefix}-{stack}-github-app"


def creates_app_secret(config: StackConfig, name: str, cloud: Cloud) -> bool:
    """Whether cluster `name` creates the stack's App secret on `cloud`: the first cluster there with runners does,
    the others only read it (one secret per environment, however many clusters run its runners)."""
    first = next((key for key, c in config.clusters.items() if c.cloud == cloud and c.runners), None)
    return first == name


def runner_namespaces(stack: str, cluster: ClusterConfig) -> list[str]:
    """The namespaces the cluster's scale sets run in: the only ones the store serves."""
    return [namespace_for(scale_set_name(stack, key)) for key in cluster.runners]


def _app(config: StackConfig, stack: str, sync: SecretSync) -> GithubAppSecret:
    app = config.github_app
    assert app is not None  # guaranteed by infra.config.rules.runners
    return GithubAppSecret(app_id=app.app_id, installation_id=app.installation_id,
                           remote_key=app_secret_name(config, stack), store_name=sync.store_name, store=sync.store)


def aws_app_secret(ctx: AwsContext, name: str, cluster: ClusterConfig, cluster_name: pulumi.Input[str],
                   cluster_arn: pulumi.Input[str], provider: pulumi.ProviderResource,
                   depends_on: list[pulumi.Resource]) -> GithubAppSecret:
    """The stack's Secrets Manager secret (first cluster only), the operator's Pod Identity role on it, and the
    operator with its store in this cluster."""
    from components.aws.github_app_secret import GithubAppSecretReader, GithubAppSecretReaderArgs

    reader = GithubAppSecretReader(f"{name}-github-app", GithubAppSecretReaderArgs(
        secret_name=app_secret_name(ctx.config, ctx.stack), region=ctx.region, account_id=ctx.account_id,
        cluster_name=cluster_name, cluster_arn=cluster_arn, namespace=OPERATOR_NAMESPACE,
        service_account=OPERATOR_SERVICE_ACCOUNT, create=creates_app_secret(ctx.config, name, Cloud.AWS),
        protect=ctx.config.environment in PROTECTED_ENVIRONMENTS, tags=ctx.tags, bounds=ctx.bounds), opts=ctx.opts)
    sync = SecretSync(f"{name}-secret-sync", SecretSyncArgs(
        provider=provider, chart=helm_chart("external-secrets"), store_provider=aws_store_provider(ctx.region),
        namespaces=runner_namespaces(ctx.stack, cluster), depends_on=[*depends_on, reader.association]),
        opts=ctx.opts)
    return _app(ctx.config, ctx.stack, sync)


def gcp_app_secret(config: StackConfig, stack: str, name: str, cluster: ClusterConfig,
                   number: pulumi.Input[str], provider: pulumi.ProviderResource, labels: dict[str, str],
                   depends_on: list[pulumi.Resource], opts: pulumi.ResourceOptions) -> GithubAppSecret:
    """The stack's Secret Manager secret and the operator's accessor binding (first cluster only), and the
    operator with its store in this cluster."""
    from components.gcp.github_app_secret import GkeGithubAppSecret, GkeGithubAppSecretArgs

    assert config.gcp is not None
    secret = GkeGithubAppSecret(f"{name}-github-app", GkeGithubAppSecretArgs(
        project=config.gcp.project, project_number=number, secret_id=app_secret_name(config, stack),
        namespace=OPERATOR_NAMESPACE, service_account=OPERATOR_SERVICE_ACCOUNT,
        create=creates_app_secret(config, name, Cloud.GCP), protect=config.environment in PROTECTED_ENVIRONMENTS,
        labels=labels), opts=opts)
    sync = SecretSync(f"{name}-secret-sync", SecretSyncArgs(
        provider=provider, chart=helm_chart("external-secrets"), store_provider=gcp_store_provider(config.gcp.project),
        namespaces=runner_namespaces(stack, cluster), depends_on=[*depends_on, secret]), opts=opts)
    return _app(config, stack, sync)
