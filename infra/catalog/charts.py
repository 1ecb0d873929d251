"""Pinned Helm charts and images, and the Kubernetes minor versions each supports, with sources.

The one place chart versions live: the compose layer passes these coordinates into the components
(components never import infra/), the config rules refuse a cluster whose `kubernetes_version` a
chart it would install does not support, and the policy pack checks every Helm release of a stack
against this table. Plain data with no Pulumi import, so the pack can read it.

How "supported" is decided, per chart: the lower bound is what upstream states (chart
`kubeVersion` or its README); the upper bound is the Kubernetes API the release was built
against (its go.mod `k8s.io/api` or `client-go`), or the Kubernetes version it is released for,
because no project promises anything newer. Bumping a pin means re-reading upstream at the new
tag and updating the versions, sources and value paths (chart_values.py) together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from infra.catalog.chart_values import VALUE_PATHS

READ_ON = "2026-11-29"


def minors(first: str, last: str) -> tuple[str, ...]:
    """Every Kubernetes minor from `first` to `last`, inclusive: minors("1.34", "1.35")."""
    low, high = int(first.split(".")[1]), int(last.split(".")[1])
    return tuple(f"1.{m}" for m in range(low, high + 1))


@dataclass(frozen=True)
class ChartPin:
    """One pinned Helm chart: where it comes from, which Kubernetes minors it supports, and why we think so."""

    key: str
    chart: str
    """The Release's `chart` input: a name in `repository`, or a full oci:// reference."""
    repository: str | None
    """Helm repository URL; None for an OCI chart."""
    version: str
    kubernetes: tuple[str, ...]
    """Kubernetes minors ("1.35") the chart at `version` supports."""
    version_source: str
    kubernetes_source: str
    read_on: str = READ_ON

    @property
    def value_paths(self) -> frozenset[str]:
        """Value paths the chart reads at `version` (see chart_values.py for their source)."""
        return VALUE_PATHS[self.key].paths

    @property
    def label(self) -> str:
        """`name@version`, the way findings and errors name a chart."""
        return f"{self.chart.rsplit('/', 1)[-1]}@{self.version}"


@dataclass(frozen=True)
class ImagePin:
    """A pinned container image tag, for the Kubernetes minor it is released for."""

    repository: str
    tag: str
    source: str
    read_on: str = READ_ON


_CA = "kubernetes/autoscaler@cluster-autoscaler-chart-9.59.0:cluster-autoscaler"
_ARC = "actions/actions-runner-controller@gha-runner-scale-set-0.14.2"
_ARC_SUPPORT = (f"{_ARC}:go.mod (k8s.io/api and k8s.io/client-go v0.35.2); upstream publishes no "
                "Kubernetes range, so only the minor it is built against is listed")
ARC_OCI = "oci://ghcr.io/actions/actions-runner-controller-charts"

CHARTS: Mapping[str, ChartPin] = {pin.key: pin for pin in (
    # 9.54.0 is the first chart whose ClusterRole grants resource.k8s.io resourceslices,
    # deviceclasses and resourceclaims (list/watch/get; 9.53.0 grants none, both read at their tags).
    # Autoscaler 1.35 needs them: it locks --enable-dynamic-resource-allocation to true
    # (kubernetes/autoscaler@cluster-autoscaler-1.35.2:cluster-autoscaler/config/flags/flags.go).
    ChartPin(
        "cluster-autoscaler", "cluster-autoscaler", "https://kubernetes.github.io/autoscaler", "9.59.0",
        minors("1.34", "1.35"),
        version_source=f"{_CA}/charts/cluster-autoscaler/Chart.yaml (version 9.59.0, appVersion 1.35.0); "
                       "templates/clusterrole.yaml grants resource.k8s.io resourceslices, deviceclasses, "
                       "resourceclaims",
        kubernetes_source=f"{_CA}/README.md ('Releases' table: Kubernetes 1.34 needs chart 9.51.0+) and "
                          "Chart.yaml appVersion 1.35.0 (the autoscaler's minor matches Kubernetes')"),
    ChartPin(
        "nvidia-device-plugin", "nvidia-device-plugin", "https://nvidia.github.io/k8s-device-plugin", "0.20.0",
        minors("1.10", "1.36"),
        version_source="NVIDIA/k8s-device-plugin@v0.20.0:deployments/helm/nvidia-device-plugin/Chart.yaml; "
                       "listed in https://nvidia.github.io/k8s-device-plugin/index.yaml (gh-pages, 2026-08-20)",
        kubernetes_source="NVIDIA/k8s-device-plugin@v0.20.0: Chart.yaml kubeVersion '>= 1.10.0-0'; "
                          "go.mod k8s.io/api v0.36.3"),
    ChartPin(
        "dcgm-exporter", "dcgm-exporter", "https://nvidia.github.io/dcgm-exporter/helm-charts", "4.8.2",
        minors("1.19", "1.36"),
        version_source="NVIDIA/dcgm-exporter@4.5.3-4.8.2:deployment/Chart.yaml (version 4.8.2); listed in "
                       "https://nvidia.github.io/dcgm-exporter/helm-charts/index.yaml (gh-pages, 2026-05-05)",
        kubernetes_source="NVIDIA/dcgm-exporter@4.5.3-4.8.2: deployment/Chart.yaml kubeVersion "
                          "'>= 1.19.0-0'; go.mod k8s.io/api v0.36.0"),
    ChartPin(
        "aws-load-balancer-controller", "aws-load-balancer-controller", "https://aws.github.io/eks-charts",
        "3.5.0", minors("1.22", "1.36"),
        version_source="aws/eks-charts@5239609:stable/aws-load-balancer-controller/Chart.yaml (version 3.5.0, "
                        "appVersion v3.5.0); listed in https://aws.github.io/eks-charts/index.yaml",
        kubernetes_source="aws/eks-charts@5239609:stable/aws-load-balancer-controller/README.md ('Chart "
                          "version v1.5.0+ requires Kubernetes 1.22+'); kubernetes-sigs/aws-load-balancer-"
                          "controller@v3.5.0:go.mod k8s.io/api v0.36.2"),
    ChartPin(
        "gha-runner-scale-set-controller", f"{ARC_OCI}/gha-runner-scale-set-controller", None, "0.14.2",
        minors("1.35", "1.35"),
        version_source=f"{_ARC}:charts/gha-runner-scale-set-controller/Chart.yaml (0.14.2, tagged 2026-05-22; "
                       "the newest tag in the snapshot read; 0.15.0 is announced at https://github.blog/changelog/"
                       "2026-09-30-actions-runner-controller-release-0-15-0/ but its chart was not readable)",
        kubernetes_source=_ARC_SUPPORT),
    ChartPin(
        "gha-runner-scale-set", f"{ARC_OCI}/gha-runner-scale-set", None, "0.14.2",
        minors("1.35", "1.35"),
        version_source=f"{_ARC}:charts/gha-runner-scale-set/Chart.yaml (0.14.2); released with the "
                       "controller chart of the same version, which it must match",
        kubernetes_source=_ARC_SUPPORT),
    # The GitHub App key's way into the runner namespaces (issue #26): the operator syncs each environment's
    # cloud secret into a `github-app` Secret, so the key is never in Pulumi config or state.
    ChartPin(
        "external-secrets", "external-secrets", "https://charts.external-secrets.io", "2.9.0", minors("1.19", "1.36"),
        version_source="external-secrets/external-secrets@helm-chart-2.9.0 (cc5bfbc, tagged 2026-08-08):deploy/"
                       "charts/external-secrets/Chart.yaml (version 2.9.0, appVersion v2.9.0); repository URL from "
                       "docs/provider/google-secrets-manager.md at that tag ('helm repo add external-secrets "
                       "https://charts.external-secrets.io')",
        kubernetes_source="external-secrets/external-secrets@helm-chart-2.9.0: Chart.yaml kubeVersion "
                          "'>= 1.19.0-0'; go.mod k8s.io/api and k8s.io/client-go v0.36.3", read_on="2026-12-07"),
    # Observability (issue #20). The grafana chart moved from grafana/helm-charts (its last release there,
    # grafana-10.5.15, is marked `deprecated: true` and its README says it is being migrated) to
    # grafana-community/helm-charts.
    ChartPin(
        "grafana", "grafana", "https://grafana-community.github.io/helm-charts", "12.11.1",
        minors("1.25", "1.35"),
        version_source="grafana-community/helm-charts@grafana-12.11.1:charts/grafana/Chart.yaml (version 12.11.1, "
                       "appVersion 13.2.0, tagged 2026-08-19); repository URL from the repository README "
                       "('helm repo add grafana-community https://grafana-community.github.io/helm-charts')",
        kubernetes_source="grafana-community/helm-charts@grafana-12.11.1:charts/grafana/Chart.yaml kubeVersion "
                          "'^1.25.0-0'; the only part that calls the Kubernetes API is the dashboard sidecar, "
                          "kiwigrid/k8s-sidecar 2.10.1 (values.yaml sidecar.image.tag), whose CI "
                          "(kiwigrid/k8s-sidecar@2.10.1:.github/workflows/build_and_test.yaml) tests kind v1.25 to "
                          "v1.35, with the python client kubernetes==32.0.1 (pyproject.toml)"),
    ChartPin(
        "kube-state-metrics", "kube-state-metrics", "https://prometheus-community.github.io/helm-charts", "8.3.1",
        minors("1.35", "1.35"),
        version_source="prometheus-community/helm-charts@kube-state-metrics-8.3.1:charts/kube-state-metrics/"
                       "Chart.yaml (version 8.3.1, appVersion 2.19.1, tagged 2026-08-17); 8.4.0 moves to "
                       "kube-state-metrics 2.20.0, built for Kubernetes 1.36",
        kubernetes_source="kubernetes/kube-state-metrics@v2.19.1: README 'Compatibility matrix' (v2.19.0: "
                          "client-go v1.35; 'The supported Kubernetes cluster version is determined by "
                          "client-go') and go.mod k8s.io/client-go v0.35.4; the chart declares no kubeVersion"),
    ChartPin(
        "prometheus-node-exporter", "prometheus-node-exporter", "https://prometheus-community.github.io/helm-charts",
        "4.56.1", minors("1.34", "1.36"),
        version_source="prometheus-community/helm-charts@prometheus-node-exporter-4.56.1:charts/"
                       "prometheus-node-exporter/Chart.yaml (version 4.56.1, appVersion 1.12.1, tagged 2026-07-14)",
        kubernetes_source="prometheus-community/helm-charts@prometheus-node-exporter-4.56.1: Chart.yaml declares no "
                          "kubeVersion and node_exporter does not call the Kubernetes API (a DaemonSet, Service "
                          "and ServiceAccount of GA APIs); listed: the Kubernetes minors maintained when it was "
                          "tagged (1.34 to 1.36; kube-state-metrics v2.20.0 of 2026-08-17 already builds on 1.36)"),
    # GPU platform (issue 32), read 2026-12-07. Kueue: the OCI chart its README installs
    # (`helm install kueue oci://registry.k8s.io/kueue/charts/kueue --version="0.19.2"`); the published chart's
    # image is the release tag (hack/helm-chart-package.sh sets image.tag to GIT_TAG, pullPolicy IfNotPresent).
    ChartPin(
        "kueue", "oci://registry.k8s.io/kueue/charts/kueue", None, "0.19.2", minors("1.29", "1.36"),
        version_source="kubernetes-sigs/kueue@v0.19.2 (8eab687, tagged 2026-08-20):charts/kueue/Chart.yaml "
                       "(version 0.19.2, appVersion v0.19.2) and charts/kueue/README.md (the OCI reference)",
        kubernetes_source="kubernetes-sigs/kueue@v0.19.2: README.md 'Requires Kubernetes 1.29 or newer'; go.mod "
                          "k8s.io/api and k8s.io/client-go v0.36.2", read_on="2026-12-07"),
    ChartPin(
        "aws-efa-k8s-device-plugin", "aws-efa-k8s-device-plugin", "https://aws.github.io/eks-charts", "v0.5.30",
        minors("1.22", "1.36"),
        version_source="aws/eks-charts@5239609:stable/aws-efa-k8s-device-plugin/Chart.yaml (version v0.5.30, "
                       "appVersion v0.5.20); README.md: 'helm repo add eks https://aws.github.io/eks-charts'",
        kubernetes_source="aws/eks-charts@5239609:stable/aws-efa-k8s-device-plugin: the chart declares no "
                          "kubeVersion and renders one apps/v1 DaemonSet (GA since 1.9) through the kubelet "
                          "device-plugin API; listed: the range this repository's other chart (aws-load-balancer-"
                          "controller) supports at the same commit, 1.22 to 1.36", read_on="2026-12-07"),
)}

# The autoscaler's minor must equal the cluster's (README: "versioning scheme was changed to
# match Kubernetes minor releases exactly"), so its image is pinned per Kubernetes minor.
AUTOSCALER_IMAGES: Mapping[str, ImagePin] = {
    "1.34": ImagePin("registry.k8s.io/autoscaling/cluster-autoscaler", "v1.34.5",
                     "kubernetes/autoscaler tag cluster-autoscaler-1.34.5 (2026-07-22)"),
    "1.35": ImagePin("registry.k8s.io/autoscaling/cluster-autoscaler", "v1.35.2",
                     "kubernetes/autoscaler tag cluster-autoscaler-1.35.2 (2026-07-22; "
                     "cluster-autoscaler/version/version.go ClusterAutoscalerVersion = 1.35.2)"),
}


def chart_for_release(chart: str) -> ChartPin | None:
    """The pin whose `chart` a Release names, or None for a chart this table does not know."""
    return next((pin for pin in CHARTS.values() if pin.chart == chart), None)


def support_problem(pin: ChartPin, kubernetes_version: str) -> str | None:
    """Why `pin` cannot run on `kubernetes_version`, or None when it can."""
    if kubernetes_version in pin.kubernetes:
        return None
    return f"{pin.label} does not support Kubernetes {kubernetes_version} (it supports {', '.join(pin.kubernetes)})"


def autoscaler_image_problem(kubernetes_version: str) -> str | None:
    """Why no cluster-autoscaler image can be pinned for `kubernetes_version`, or None."""
    if kubernetes_version in AUTOSCALER_IMAGES:
        return None
    return (f"cluster-autoscaler has no pinned image for Kubernetes {kubernetes_version} (pinned: "
            f"{', '.join(AUTOSCALER_IMAGES)}); its minor must match the cluster's")
