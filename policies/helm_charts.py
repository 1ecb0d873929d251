"""Stack rule: every Helm release runs a pinned chart that supports its cluster's Kubernetes version.

A release names no cluster; its Kubernetes provider does (`cluster_links.cluster_of`, shared with
the contract rules). That EKS or GKE cluster's `version` / `minMasterVersion` input is the
Kubernetes version.
The facts (pins, supported minors, the autoscaler image per minor) are the chart catalog's, so
the pack and the program cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterator

from cluster_links import EKS_CLUSTER, GKE_CLUSTER, cluster_of, known_name
from pulumi_policy import PolicyResource
from rulekit import HIGH, StackView, dig, stack_rule

from infra.catalog.charts import AUTOSCALER_IMAGES, CHARTS, chart_for_release, support_problem

RELEASE = "kubernetes:helm.sh/v3:Release"
# Cluster type -> the input holding its Kubernetes version.
CLUSTER_VERSION = {EKS_CLUSTER: "version", GKE_CLUSTER: "minMasterVersion"}


def cluster_minor(release: PolicyResource, view: StackView) -> tuple[str, str] | None:
    """(cluster name, Kubernetes minor) of the cluster the release's provider talks to, if the stack shows it."""
    cluster = cluster_of(view, release)
    prop = CLUSTER_VERSION.get(cluster.resource_type) if cluster is not None else None
    version = dig(cluster.props, prop) if prop else None
    if not version:
        return None
    # GKE versions may carry a patch and a build ("1.35.1-gke.100"); the minor is what counts.
    # The cluster's own name (what `kubectl` and the console show), else its resource name.
    return known_name(cluster) or cluster.name, ".".join(str(version).split(".")[:2])


def _check(release: PolicyResource, view: StackView) -> Iterator[str]:
    chart, version = str(dig(release.props, "chart", default="")), str(dig(release.props, "version", default=""))
    pin = chart_for_release(chart)
    if pin is None:
        yield (f"Helm release '{release.name}' installs chart '{chart}', which the chart catalog does not "
               f"pin (pinned: {', '.join(sorted(CHARTS))})")
        return
    if version != pin.version:
        yield (f"Helm release '{release.name}' installs {pin.label.split('@')[0]}@{version}, but the chart "
               f"catalog pins {pin.label}")
        return
    found = cluster_minor(release, view)
    if found is None:
        return
    cluster, minor = found
    problem = support_problem(pin, minor)
    if problem:
        yield (f"Helm release '{release.name}' on cluster '{cluster}': {problem}; source: "
               f"{pin.kubernetes_source}, read {pin.read_on}")
    if pin.key == "cluster-autoscaler":
        image = AUTOSCALER_IMAGES.get(minor)
        tag = dig(release.props, "values", "image", "tag")
        if image is None or tag != image.tag:
            pinned = image.tag if image else "none"
            yield (f"Helm release '{release.name}' on cluster '{cluster}' (Kubernetes {minor}) runs "
                   f"cluster-autoscaler image {tag}; the catalog pins {pinned} for {minor}")


RULES = [
    stack_rule(
        "helm-chart-supports-cluster-version",
        "Every Helm release installs a chart pinned in the chart catalog that supports its cluster's "
        "Kubernetes version (practice: upstream's stated support, read at the pinned tag)",
        types=[RELEASE], check=_check, severity=HIGH,
        remediation="Install charts only through the components, which take their versions from the chart "
                    "catalog; to move Kubernetes or a chart, re-read upstream at the new tag and update the "
                    "catalog entry (versions, supported minors, value paths) in the same change."),
]
