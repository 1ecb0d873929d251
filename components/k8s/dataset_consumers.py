"""DatasetConsumers: the namespaces and service accounts that mount datasets on one cluster.

A claim can only be created in a namespace that exists, and a pod's cloud identity (EKS Pod Identity,
GKE Workload Identity principal) is its service account's: both are part of "the dataset is readable
from this namespace", so the stack creates them. Namespaces enforce the `restricted` Pod Security
Standard, which a training pod reading a mounted dataset satisfies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

PSS = {"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest"}


@dataclass(frozen=True)
class DatasetConsumersArgs:
    """Inputs of DatasetConsumers."""

    # Namespace -> the service accounts in it that mount datasets.
    service_accounts: Mapping[str, Sequence[str]]
    provider: pulumi.ProviderResource
    labels: Mapping[str, str] = field(default_factory=dict)


class DatasetConsumers(pulumi.ComponentResource):
    """One Namespace per consumer namespace, one ServiceAccount per consumer."""

    namespaces: dict[str, k8s.core.v1.Namespace]

    def __init__(self, name: str, args: DatasetConsumersArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:k8s:DatasetConsumers", name, None, opts)
        self.namespaces = {}
        for namespace, accounts in sorted(args.service_accounts.items()):
            ns = k8s.core.v1.Namespace(
                f"{name}-{namespace}", metadata={"name": namespace, "labels": {**args.labels, **PSS}},
                opts=pulumi.ResourceOptions(parent=self, provider=args.provider))
            self.namespaces[namespace] = ns
            for account in sorted(set(accounts)):
                k8s.core.v1.ServiceAccount(
                    f"{name}-{namespace}-{account}",
                    metadata={"name": account, "namespace": namespace, "labels": dict(args.labels)},
                    opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[ns]))
        self.register_outputs({})
