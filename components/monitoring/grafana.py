"""ClusterGrafana: one Grafana per cluster with the platform dashboards and the cloud's data source.

ClusterIP only (users reach it with `kubectl port-forward`), no persistence (dashboards and the data
source are code, re-provisioned on every start), dashboards as ConfigMaps that the chart's sidecar loads.
The data source entry is built by the cloud's compose module (AMP with SigV4, or GMP) and passed in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.k8s.helm_chart import HelmChart

# The label the chart's dashboard sidecar watches ConfigMaps for (chart values sidecar.dashboards.label).
DASHBOARD_LABEL = "grafana_dashboard"
DASHBOARD_LABEL_VALUE = "1"
RELEASE_NAME = "grafana"


# Where the stack's Grafana runs unless told otherwise; the GMP query frontend admits only this namespace.
GRAFANA_NAMESPACE = "grafana"


@dataclass(frozen=True)
class ClusterGrafanaArgs:
    """Inputs of ClusterGrafana."""

    # The Kubernetes provider of the cluster Grafana runs in.
    provider: pulumi.ProviderResource
    # The pinned grafana chart (infra's chart catalog).
    chart: HelmChart
    # One Grafana data source entry (provisioning format: name, type, uid, url, jsonData...); its `uid`
    # is the one every dashboard reads.
    datasource: Mapping[str, Any]
    # Dashboard JSON by uid (components.monitoring.dashboards.platform_dashboards).
    dashboards: Mapping[str, Mapping[str, Any]]
    namespace: str = GRAFANA_NAMESPACE
    # The pod's Kubernetes service account and its annotations (IRSA role, GKE Workload Identity).
    service_account_name: str = "grafana"
    service_account_annotations: Mapping[str, str] = field(default_factory=dict)
    # Where the pod runs: the system pool.
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: Sequence[Mapping[str, str]] = ()
    # Labels on every Kubernetes object this component creates.
    labels: Mapping[str, str] = field(default_factory=dict)
    depends_on: Sequence[pulumi.Resource] = ()
    # Data source plugins the data source needs (the chart's `plugins`, installed when the pod starts), each
    # pinned as `<id>@<version>`.
    plugins: Sequence[str] = ()


def datasource_problems(datasource: Mapping[str, Any], dashboards: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Why the data source cannot serve the dashboards: no uid or type, or a panel reading another uid."""
    problems = [f"datasource needs a plain `{key}`" for key in ("name", "type", "uid")
                if not isinstance(datasource.get(key), str)]
    uid = datasource.get("uid")
    for board_uid, board in sorted(dashboards.items()):
        used = {panel.get("datasource", {}).get("uid") for panel in board.get("panels", [])}
        if used - {uid}:
            problems.append(f"dashboard {board_uid} reads data source {sorted(map(str, used - {uid}))}, "
                            f"not {uid!r}")
    return problems


# `<plugin id>@<version>`, optionally `@<https download URL>`: the chart's GF_PLUGINS_PREINSTALL_SYNC format.
_PINNED_PLUGIN = re.compile(r"[a-z0-9][a-z0-9-]*@\d+\.\d+\.\d+(@https://\S+)?")


def unpinned_plugins(plugins: Sequence[str]) -> list[str]:
    """Plugins not pinned to a version: each Grafana start could otherwise install a different one."""
    return [f"plugin {p!r} must be pinned as <id>@<version>" for p in plugins if not _PINNED_PLUGIN.fullmatch(p)]


def grafana_values(args: ClusterGrafanaArgs) -> dict:
    """grafana chart values: ClusterIP, no persistence, the sidecar loading labelled ConfigMaps, one data source."""
    return {
        "service": {"type": "ClusterIP"},
        "persistence": {"enabled": False},
        "testFramework": {"enabled": False},
        "serviceAccount": {"create": True, "name": args.service_account_name,
                           "annotations": dict(args.service_account_annotations)},
        "nodeSelector": dict(args.node_selector),
        "tolerations": [dict(t) for t in args.tolerations],
        **({"plugins": list(args.plugins)} if args.plugins else {}),
        "sidecar": {"dashboards": {"enabled": True, "label": DASHBOARD_LABEL, "labelValue": DASHBOARD_LABEL_VALUE,
                                   "searchNamespace": args.namespace}},
        "datasources": {"datasources.yaml": {"apiVersion": 1, "datasources": [
            {**dict(args.datasource), "isDefault": True, "editable": False}]}},
        # Nothing is sent home: no update checks or usage reports from inside a private cluster.
        "grafana.ini": {"analytics": {"reporting_enabled": False, "check_for_updates": False,
                                      "check_for_plugin_updates": False}},
    }


class ClusterGrafana(pulumi.ComponentResource):
    """An in-cluster Grafana, reachable only by port-forward, with dashboards and a data source as code."""

    namespace: str
    service: str

    def __init__(self, name: str, args: ClusterGrafanaArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:monitoring:ClusterGrafana", name, None, opts)
        problems = datasource_problems(args.datasource, args.dashboards) + unpinned_plugins(args.plugins)
        if problems:
            raise ValueError("ClusterGrafana: " + "; ".join(problems))
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        labels = dict(args.labels)
        # The chart's pods meet the restricted Pod Security level as configured here: non-root pod, every
        # container without privilege escalation, capabilities dropped, RuntimeDefault seccomp, and no
        # root init container (initChownData runs only with persistence, which is off) (grafana-community/
        # helm-charts@grafana-12.11.1:charts/grafana/values.yaml, templates/_pod.tpl, read 2026-11-29).
        ns = k8s.core.v1.Namespace(f"{name}-ns", metadata={"name": args.namespace, "labels": {
            **labels, "pod-security.kubernetes.io/enforce": "restricted"}}, opts=child)
        boards = [k8s.core.v1.ConfigMap(
            f"{name}-dashboard-{uid}",
            metadata={"name": f"dashboard-{uid}", "namespace": ns.metadata.name,
                      "labels": {**labels, DASHBOARD_LABEL: DASHBOARD_LABEL_VALUE}},
            data={f"{uid}.json": json.dumps(board, sort_keys=True)},
            opts=child) for uid, board in sorted(args.dashboards.items())]
        k8s.helm.v3.Release(
            f"{name}-release", name=RELEASE_NAME, **args.chart.release_args(), namespace=ns.metadata.name,
            values=grafana_values(args), atomic=True,
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(
                depends_on=[*boards, *args.depends_on])))
        self.namespace = args.namespace
        self.service = RELEASE_NAME
        self.register_outputs({"namespace": self.namespace, "service": self.service})
