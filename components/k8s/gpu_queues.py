"""GpuQueues: Kueue on a cluster, a ResourceFlavor per GPU pool, and per team a namespace, quota and queues.

The Kueue chart (pinned by the caller) installs the CRDs and controller; the flavors and queues are
custom resources that wait for it. A team's jobs carry the label `kueue.x-k8s.io/queue-name:
<team>` and run only when their ClusterQueue admits them; the namespace's ResourceQuota caps what
a job that skips the queue can take.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.k8s.helm_chart import HelmChart
from components.k8s.kueue_specs import (
    Flavor,
    TeamQueue,
    cluster_queue_spec,
    kueue_values,
    limit_range_spec,
    resource_flavor_spec,
    resource_quota_spec,
)
from components.k8s.network_policies import NAMESPACE_NAME_LABEL

KUEUE_NAMESPACE = "kueue-system"
DERIVATION_ANNOTATION = "mlinfra.io/quota-derivation"


@dataclass(frozen=True)
class GpuQueuesArgs:
    """Inputs of GpuQueues."""

    provider: pulumi.ProviderResource
    chart: HelmChart
    # The Kueue API version of the pinned chart's stored CRDs, e.g. kueue.x-k8s.io/v1beta2.
    api_version: str
    flavors: Mapping[str, Flavor]
    teams: Mapping[str, TeamQueue] = field(default_factory=dict)
    replicas: int = 1
    labels: Mapping[str, str] = field(default_factory=dict)
    # What the release waits for (nodes to run on).
    depends_on: Sequence[pulumi.Resource] = ()


class GpuQueues(pulumi.ComponentResource):
    """The Kueue release, flavors, and each team's namespace, ResourceQuota, LimitRange and queues."""

    namespaces: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: GpuQueuesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:k8s:GpuQueues", name, None, opts)
        for team, queue in args.teams.items():
            unknown = [q.flavor for q in queue.quotas if q.flavor not in args.flavors]
            if unknown:
                raise ValueError(f"team {team} has quota on unknown flavors {unknown}; flavors: {sorted(args.flavors)}")
        labels = {**args.labels, "app.kubernetes.io/managed-by": "mlinfra"}
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        release = k8s.helm.v3.Release(
            f"{name}-kueue", name="kueue", **args.chart.release_args(), namespace=KUEUE_NAMESPACE,
            create_namespace=True, values=kueue_values(args.replicas), atomic=True,
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=list(args.depends_on)))
        # Custom resources need the chart's CRDs and its admission webhook first.
        after_kueue = pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[release])

        flavors = {key: k8s.apiextensions.CustomResource(
            f"{name}-flavor-{key}", api_version=args.api_version, kind="ResourceFlavor",
            metadata={"name": key, "labels": labels}, spec=resource_flavor_spec(flavor), opts=after_kueue)
            for key, flavor in args.flavors.items()}

        self.namespaces = {}
        for team, queue in args.teams.items():
            ns = k8s.core.v1.Namespace(f"{name}-{team}-ns", metadata={"name": queue.namespace, "labels": {
                **labels, "pod-security.kubernetes.io/enforce": "baseline",
                "pod-security.kubernetes.io/warn": "restricted", "mlinfra.io/team": team}}, opts=child)
            in_ns = {"namespace": ns.metadata.name, "labels": {**labels, "mlinfra.io/team": team}}
            k8s.core.v1.ResourceQuota(f"{name}-{team}-quota", metadata={"name": "team-quota", **in_ns},
                                      spec=resource_quota_spec(queue, args.flavors), opts=child)
            k8s.core.v1.LimitRange(f"{name}-{team}-limits", metadata={"name": "team-defaults", **in_ns},
                                   spec=limit_range_spec(), opts=child)
            metadata: dict = {"name": team, "labels": labels}
            if queue.derivations:
                # The plan shows how a budget became a quota, on the object that holds the quota.
                metadata["annotations"] = {DERIVATION_ANNOTATION: "; ".join(
                    f"{flavor}: {how}" for flavor, how in sorted(queue.derivations.items()))}
            cluster_queue = k8s.apiextensions.CustomResource(
                f"{name}-{team}-cq", api_version=args.api_version, kind="ClusterQueue", metadata=metadata,
                # The ClusterQueue admits only the team's namespace, matched by the label Kubernetes sets.
                spec=cluster_queue_spec(queue, args.flavors, NAMESPACE_NAME_LABEL),
                opts=pulumi.ResourceOptions.merge(after_kueue, pulumi.ResourceOptions(
                    depends_on=[flavors[q.flavor] for q in queue.quotas])))
            k8s.apiextensions.CustomResource(
                f"{name}-{team}-lq", api_version=args.api_version, kind="LocalQueue",
                metadata={"name": team, **in_ns}, spec={"clusterQueue": team},
                opts=pulumi.ResourceOptions.merge(after_kueue, pulumi.ResourceOptions(depends_on=[cluster_queue, ns])))
            self.namespaces[team] = ns.metadata.name
        self.register_outputs({"namespaces": self.namespaces})
