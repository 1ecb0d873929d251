"""Which cluster a resource belongs to, worked out from what the engine records about the stack.

A Kubernetes object belongs to the cluster its Kubernetes provider talks to. The provider's
kubeconfig is built from the cluster's outputs, so the engine records the cluster among the
provider's (property) dependencies; that holds in every preview, where the kubeconfig itself is
still unknown. A cloud resource of a cluster (an EKS add-on, a node group, a GKE node pool) names
the cluster in `clusterName` / `cluster`, which is again a recorded property dependency, or at
least the cluster's known name. When neither link exists, a provider that shares a parent
component with exactly one cluster resource is that cluster's (EksCluster and GkeCluster create
both as their children).
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError
from rulekit import dig

EKS_CLUSTER = "aws:eks/cluster:Cluster"
GKE_CLUSTER = "gcp:container/cluster:Cluster"
CLUSTER_TYPES = frozenset({EKS_CLUSTER, GKE_CLUSTER})
# Cloud resources of a cluster and the property that names it.
CLUSTER_PROPERTY = {"aws:eks/addon:Addon": "clusterName", "aws:eks/nodeGroup:NodeGroup": "clusterName",
                    "gcp:container/nodePool:NodePool": "cluster"}


def _clusters_among(resources: Iterable[PolicyResource]) -> list[PolicyResource]:
    return [r for r in resources if r.resource_type in CLUSTER_TYPES]


def known_name(resource: PolicyResource, prop: str = "name") -> str | None:
    """A string property when it is known (a new cluster's id-like outputs are unknown in a preview)."""
    try:
        value = dig(resource.props, prop)
    except UnknownValueError:
        return None
    return value if isinstance(value, str) and value else None


def _by_urn(view, urn: str) -> PolicyResource | None:
    # Built once per stack check: rules look up providers for every Kubernetes object.
    index = getattr(view, "_by_urn", None)
    if index is None:
        index = {r.urn: r for r in view.resources}
        view._by_urn = index
    return index.get(urn)


def _provider_urn(resource: PolicyResource) -> str | None:
    """The provider's URN (the engine's reference is `urn::id`; analyzers get the URN alone)."""
    if resource.provider is None or not resource.provider.urn:
        return None
    return resource.provider.urn.split("::id")[0]


def cluster_of_provider(view, provider: PolicyResource) -> PolicyResource | None:
    """The cluster a Kubernetes provider was built from, by its recorded dependencies, else its parent."""
    linked = _clusters_among([*provider.dependencies,
                              *(d for deps in provider.property_dependencies.values() for d in deps)])
    if len({c.urn for c in linked}) == 1:
        return linked[0]
    if provider.parent is not None:
        siblings = _clusters_among(r for r in view.resources
                                   if r.parent is not None and r.parent.urn == provider.parent.urn)
        if len(siblings) == 1:
            return siblings[0]
    return None


def cluster_of(view, resource: PolicyResource) -> PolicyResource | None:
    """The cluster `resource` belongs to, or None when the stack does not say."""
    if resource.resource_type in CLUSTER_TYPES:
        return resource
    prop = CLUSTER_PROPERTY.get(resource.resource_type)
    if prop is not None:
        linked = _clusters_among(resource.property_dependencies.get(prop, []))
        if linked:
            return linked[0]
        name = known_name(resource, prop)
        named = [c for c in _clusters_among(view.resources) if name is not None and known_name(c) == name]
        return named[0] if len(named) == 1 else None
    urn = _provider_urn(resource)
    if urn is None:
        return None
    provider = _by_urn(view, urn)
    return cluster_of_provider(view, provider) if provider is not None else None


def cluster_label(cluster: PolicyResource | None) -> str:
    """How messages name a cluster: its physical name when known, else its resource name."""
    if cluster is None:
        return "an unknown cluster"
    return f"'{known_name(cluster) or cluster.name}'"
