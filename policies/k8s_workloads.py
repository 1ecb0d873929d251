"""Kubernetes workload rules for add-ons and CI runners deployed with pulumi-kubernetes."""

from __future__ import annotations

from rulekit import ADVISORY, HIGH, MEDIUM, dig, fmt, resource_rule

# Where each workload kind keeps its pod spec.
POD_SPEC_PATHS = {
    "kubernetes:core/v1:Pod": ("spec",),
    "kubernetes:apps/v1:Deployment": ("spec", "template", "spec"),
    "kubernetes:apps/v1:StatefulSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:DaemonSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:ReplicaSet": ("spec", "template", "spec"),
    "kubernetes:batch/v1:Job": ("spec", "template", "spec"),
    "kubernetes:batch/v1:CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


def pod_containers(spec):
    """Every container of a pod spec, init containers first (the runner rules share this)."""
    for key in ("initContainers", "containers"):
        yield from dig(spec, key, default=[])


def may_escalate(container) -> bool:
    """Whether a container runs privileged or may gain privileges beyond its parent's."""
    context = dig(container, "securityContext", default={})
    return dig(context, "privileged") is True or dig(context, "allowPrivilegeEscalation") is True


def _containers(props, ctx):
    return pod_containers(dig(props, *POD_SPEC_PATHS[ctx.type], default={}))


def _privileged(props, ctx):
    for c in _containers(props, ctx):
        if may_escalate(c):
            yield f"'{ctx.name}' container '{dig(c, 'name')}' runs privileged or may escalate privileges"


def _resources(props, ctx):
    for c in _containers(props, ctx):
        missing = [f"{kind}.{res}" for kind, wanted in (("requests", ("cpu", "memory")), ("limits", ("memory",)))
                   for res in wanted if dig(c, "resources", kind, res) is None]
        if missing:
            yield f"'{ctx.name}' container '{dig(c, 'name')}' does not set {fmt(missing)}"


def _image_tag(props, ctx):
    for c in _containers(props, ctx):
        image = str(dig(c, "image", default=""))
        if "@sha256:" in image:
            continue
        last = image.rsplit("/", 1)[-1]
        if ":" not in last or last.endswith(":latest"):
            yield f"'{ctx.name}' container '{dig(c, 'name')}' image '{image}' is not pinned to a version"


RULES = [
    resource_rule("k8s-no-privileged-containers",
                  "Containers are not privileged and cannot escalate (CIS Kubernetes 5.2.2, 5.2.6)",
                  types=POD_SPEC_PATHS, check=_privileged, severity=HIGH,
                  remediation="Drop securityContext.privileged / allowPrivilegeEscalation from the add-on values; "
                              "GPU access comes from the NVIDIA device plugin, not privileged pods."),
    resource_rule("k8s-resources-set",
                  "Containers set CPU and memory requests and a memory limit (practice: NSA/CISA K8s hardening)",
                  types=POD_SPEC_PATHS, check=_resources, severity=MEDIUM, level=ADVISORY,
                  remediation="Set resources.requests.cpu/memory and resources.limits.memory for every container."),
    resource_rule("k8s-no-latest-tag",
                  "Container images are pinned to a version or digest, never 'latest' (practice: reproducible)",
                  types=POD_SPEC_PATHS, check=_image_tag, severity=MEDIUM,
                  remediation="Pin every image to a release tag or @sha256 digest in the add-on version config."),
]
