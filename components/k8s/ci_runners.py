"""CiRunners: GitHub Actions runner scale sets (actions-runner-controller) that scale to zero.

One controller release, then per scale set: its own namespace, a default-deny NetworkPolicy
plus the egress runners need, a ResourceQuota of `max_runners` runners' worth, an ExternalSecret that
has the secret-sync operator write the GitHub App secret from the environment's cloud secret (the key
never passes through Pulumi), and a gha-runner-scale-set release that names that secret.
Values and specs come from the pure helpers in `runner_values`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.k8s.helm_chart import HelmChart
from components.k8s.runner_values import (
    CONTROLLER_NAMESPACE,
    GITHUB_SECRET_NAME,
    RunnerSet,
    controller_values,
    default_deny_policy,
    egress_policy,
    metrics_ingress_policy,
    namespace_for,
    namespace_labels,
    resource_quota,
    runner_service_account,
    scale_set_values,
)
from components.k8s.secret_sync import API_VERSION as SYNC_API_VERSION
from components.k8s.secret_sync import github_app_secret_spec


@dataclass(frozen=True)
class GithubAppSecret:
    """The GitHub App ARC authenticates as: its ids, and where the operator reads its private key."""

    app_id: str
    installation_id: str
    # The cloud secret holding the PEM (Secrets Manager name, Secret Manager id), as the store's provider names it.
    remote_key: str
    # The ClusterSecretStore that reads it (components.k8s.secret_sync), and the resource to wait for.
    store_name: str
    store: pulumi.Resource | None = None


@dataclass(frozen=True)
class CiRunnersArgs:
    """Inputs of CiRunners."""

    # The Kubernetes provider of the cluster the runners run on.
    provider: pulumi.ProviderResource
    github_app: GithubAppSecret
    # Scale sets keyed by name; the name is what workflows put in `runs-on:`.
    runner_sets: Mapping[str, RunnerSet]
    # The pinned gha-runner-scale-set-controller and gha-runner-scale-set charts; ARC releases them
    # together and they must be on the same version.
    controller_chart: HelmChart
    scale_set_chart: HelmChart
    # Labels on every Kubernetes object this component creates.
    labels: Mapping[str, str] = field(default_factory=dict)
    # What the releases wait for: nodes to run on, and the identity agent when jobs use cloud identity.
    depends_on: Sequence[pulumi.Resource] = ()
    # NetworkPolicy egress rules the cloud needs besides DNS and HTTPS (EKS: the Pod Identity agent).
    extra_egress: Sequence[Mapping[str, Any]] = ()
    # StorageClass of runner work volumes that name none themselves (None: the cluster's default).
    default_storage_class: str | None = None
    # NetworkPolicy peers of the metrics collector (observability on): the listeners then serve metrics and
    # only these peers may scrape them. Empty: metrics stay off.
    metrics_scrapers: Sequence[Mapping[str, Any]] = ()


class CiRunners(pulumi.ComponentResource):
    """actions-runner-controller and one isolated, scale-to-zero runner scale set per entry."""

    namespaces: dict[str, pulumi.Output[str]]
    service_accounts: dict[str, tuple[str, str]]

    def __init__(self, name: str, args: CiRunnersArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:k8s:CiRunners", name, None, opts)
        if not args.runner_sets:
            raise ValueError("CiRunners needs at least one runner set")
        if args.controller_chart.version != args.scale_set_chart.version:
            raise ValueError(f"ARC charts must share one version (controller {args.controller_chart.version}, "
                             f"scale set {args.scale_set_chart.version})")
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        on_nodes = pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=list(args.depends_on))
        labels = dict(args.labels)

        egress = egress_policy(args.extra_egress)
        controller_ns = self._namespace(f"{name}-controller", CONTROLLER_NAMESPACE,
                                        namespace_labels("kubernetes"), labels, egress, child)
        controller = k8s.helm.v3.Release(
            f"{name}-controller",
            name="arc",
            **args.controller_chart.release_args(),
            namespace=controller_ns.metadata.name,
            values=controller_values(metrics=bool(args.metrics_scrapers)),
            atomic=True,
            opts=on_nodes)

        if args.metrics_scrapers:
            k8s.networking.v1.NetworkPolicy(
                f"{name}-controller-allow-metrics",
                metadata={"name": "allow-metrics", "namespace": controller_ns.metadata.name, "labels": labels},
                spec=metrics_ingress_policy(args.metrics_scrapers),
                opts=child)

        app = args.github_app
        store = [app.store] if app.store is not None else []
        self.namespaces = {}
        self.service_accounts = {}
        for set_name, runner in args.runner_sets.items():
            role = f"{name}-{set_name}"
            ns = self._namespace(role, namespace_for(set_name), namespace_labels(runner.container_mode),
                                 labels, egress, child)
            if runner.storage_class is None and args.default_storage_class:
                runner = replace(runner, storage_class=args.default_storage_class)
            k8s.core.v1.ResourceQuota(
                f"{role}-quota", metadata={"name": "runners", "namespace": ns.metadata.name, "labels": labels},
                spec=resource_quota(runner), opts=child)
            # No secret data here: the operator writes the Secret `github-app` from the cloud secret.
            secret = k8s.apiextensions.CustomResource(
                f"{role}-github-app", api_version=SYNC_API_VERSION, kind="ExternalSecret",
                metadata={"name": GITHUB_SECRET_NAME, "namespace": ns.metadata.name, "labels": labels},
                spec=github_app_secret_spec(GITHUB_SECRET_NAME, app.remote_key, app.app_id, app.installation_id,
                                            app.store_name),
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=store)))
            k8s.helm.v3.Release(
                role,
                name=set_name,
                **args.scale_set_chart.release_args(),
                namespace=ns.metadata.name,
                values=scale_set_values(set_name, runner),
                atomic=True,
                # The scale set's roles bind the controller's service account, and it reads the synced secret.
                opts=pulumi.ResourceOptions.merge(
                    on_nodes, pulumi.ResourceOptions(depends_on=[controller, secret])))
            self.namespaces[set_name] = ns.metadata.name
            self.service_accounts[set_name] = runner_service_account(set_name, runner.container_mode)

        self.register_outputs({"namespaces": self.namespaces})

    @staticmethod
    def _namespace(role: str, namespace: str, pss_labels: Mapping[str, str], labels: Mapping[str, str],
                   egress: Mapping[str, Any], child: pulumi.ResourceOptions) -> k8s.core.v1.Namespace:
        """A namespace with Pod Security labels, closed by default-deny and opened only for egress."""
        ns = k8s.core.v1.Namespace(f"{role}-ns", metadata={"name": namespace, "labels": {**labels, **pss_labels}},
                                   opts=child)
        for suffix, spec in (("deny-all", default_deny_policy()), ("allow-egress", egress)):
            k8s.networking.v1.NetworkPolicy(
                f"{role}-{suffix}",
                metadata={"name": suffix, "namespace": ns.metadata.name, "labels": labels},
                spec=spec,
                opts=child)
        return ns
