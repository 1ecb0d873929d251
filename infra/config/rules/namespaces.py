"""Namespaces and service accounts the stack creates on a cluster: one owner each, none of the platform's.

Four parts of the config make the stack create a Kubernetes Namespace: a team (`teams.*`), the consumers of
datasets (`datasets.*.consumers.*`, one Namespace per namespace however many datasets mount there), a runner
set (`arc-<set>`, components/k8s/runner_values.py namespace_for) and a GKE gateway (named after the gateway,
components/gcp/gateway.py). Two of them naming one namespace would be two resources creating one object:
the plan looks fine and the second create fails at `pulumi up`. And the namespaces Kubernetes and the
platform's own components run in are not for workloads: a team or a dataset reader there shares the
service accounts and secrets of the controllers.

A dataset consumer's service account is created by the stack and given the dataset's bucket grants, so it
is never `default`: "When you create a pod, if you do not specify a service account, it is automatically
assigned the default service account in the same namespace" (CIS Kubernetes Benchmark 5.1.5 "Ensure that
default service accounts are not actively used", rationale as quoted at https://www.tenable.com/audits/items/
CIS_Kubernetes_v1.8.0_Level_2_Master.audit:35b906a181267c935cad1bbc9c47b650, read 2026-12-07): every pod
of the namespace would read the data, and Kubernetes already made that account.
"""

from __future__ import annotations

from collections.abc import Iterator

from infra.catalog.accelerators import Cloud
from infra.config.stack import StackConfig

Problem = tuple[str, str]
# Namespace -> who runs there. Kubernetes' own four, then the platform's: components/k8s/gpu_queues.py
# KUEUE_NAMESPACE, components/k8s/runner_values.py CONTROLLER_NAMESPACE, components/monitoring/grafana.py and
# components/gcp/gmp_frontend.py defaults, components/gcp/gmp_manifests.py (a test keeps these in step).
PLATFORM_NAMESPACES: dict[str, str] = {
    "default": "Kubernetes", "kube-system": "Kubernetes", "kube-public": "Kubernetes",
    "kube-node-lease": "Kubernetes", "kueue-system": "Kueue's controller",
    "arc-systems": "the GitHub runner controller", "grafana": "Grafana",
    "gmp-system": "Managed Service for Prometheus", "gmp-public": "Managed Service for Prometheus",
    "gmp-frontend": "the Prometheus query frontend",
}
DEFAULT_SERVICE_ACCOUNT = "default"
RUNNER_NAMESPACE_PREFIX = "arc-"


def namespace_problems(config: StackConfig) -> Iterator[Problem]:
    """Namespaces of the platform taken, namespaces two parts of the stack create, `default` dataset readers."""
    for (_, namespace), creators in _creators(config).items():
        owner = PLATFORM_NAMESPACES.get(namespace)
        for path, what in creators if owner is not None else ():
            # A team's own rule (infra.config.rules.teams) says this for teams, with the team's fix.
            if not what.startswith("team "):
                yield (path, f"namespace {namespace!r} is where {owner} runs; {what} there would share its service "
                       f"accounts and secrets, and the stack cannot create it again: choose another name")
    for dataset_name, dataset in config.datasets.items():
        for key, consumer in dataset.consumers.items():
            path = f"datasets.{dataset_name}.consumers.{key}"
            if consumer.service_account == DEFAULT_SERVICE_ACCOUNT:
                yield (f"{path}.service_account", "every pod of a namespace that names no service account runs as "
                       "'default', so all of them would read the dataset (CIS Kubernetes 5.1.5); name an account "
                       "for the readers, e.g. data-loader")
    yield from _shared_namespaces(config)


def _creators(config: StackConfig) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(cluster, namespace) -> [(config path, what creates it)], in config order."""
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def add(cluster: str, namespace: str, path: str, what: str) -> None:
        entries = found.setdefault((cluster, namespace), [])
        if all(existing != what for _, existing in entries):
            entries.append((path, what))

    for cluster_name, cluster in config.clusters.items():
        for set_name in cluster.runners:
            add(cluster_name, f"{RUNNER_NAMESPACE_PREFIX}{set_name}", f"clusters.{cluster_name}.runners.{set_name}",
                f"runner set {set_name}")
        if cluster.cloud == Cloud.GCP:
            for gateway in cluster.gateways:
                add(cluster_name, gateway, f"clusters.{cluster_name}.gateways.{gateway}", f"gateway {gateway}")
    for team, settings in config.teams.items():
        add(settings.cluster, settings.team_namespace(team), f"teams.{team}.namespace", f"team {team}")
    for dataset_name, dataset in config.datasets.items():
        for key, consumer in dataset.consumers.items():
            add(consumer.cluster, consumer.namespace, f"datasets.{dataset_name}.consumers.{key}.namespace",
                "the dataset consumers")
    return found


def _shared_namespaces(config: StackConfig) -> Iterator[Problem]:
    for (cluster, namespace), creators in _creators(config).items():
        if cluster not in config.clusters or namespace in PLATFORM_NAMESPACES:
            continue  # refused with its own message above, or by the teams or datasets rules
        first_path, first = creators[0]
        for path, what in creators[1:]:
            if first.startswith("team ") and what.startswith("team "):
                continue  # two teams in one namespace: infra.config.rules.teams says so, with the team's fix
            yield (path, f"namespace {namespace!r} on cluster {cluster} is also created by {first} ({first_path}); "
                   f"two resources cannot create one namespace, so give {what} another namespace")
