"""NetworkPolicy specs the components share: ingress to some pods from named peers on one TCP port only.

A policy that selects pods and lists `Ingress` in `policyTypes` isolates them for ingress: only what its rules
admit gets in, and no rules admit nothing (Kubernetes NetworkPolicy semantics, as the runner namespaces'
default-deny already relies on).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# Set by Kubernetes on every namespace, to its name, since 1.22 (Kubernetes documentation "Well-Known Labels,
# Annotations and Taints", kubernetes-io-metadata-name, as cited in prometheus-community/helm-charts#3217; the
# NamespaceDefaultLabelName gate of 1.21, cilium/cilium#16585; read 2026-12-07). The platform's clusters are 1.35.
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


def namespace_peer(namespace: str) -> dict:
    """A peer matching every pod of one namespace."""
    return {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: namespace}}}


def ingress_only_from(selector: Mapping[str, str], peers: Sequence[Mapping], port: int) -> dict:
    """Ingress to the pods `selector` matches only from `peers`, only on TCP `port` (no peers: none at all)."""
    rules = [{"from": [dict(peer) for peer in peers], "ports": [{"protocol": "TCP", "port": port}]}] if peers else []
    return {"podSelector": {"matchLabels": dict(selector)}, "policyTypes": ["Ingress"], "ingress": rules}
