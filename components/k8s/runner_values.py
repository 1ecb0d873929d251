"""Pure helpers for CiRunners: Helm values, runner pod templates and network policy specs.

The charts themselves are pinned in infra's chart catalog and passed in by the caller; the value
paths below are the ones gha-runner-scale-set reads at that pin (recorded in the catalog too).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from components.k8s.network_policies import ingress_only_from

CONTROLLER_NAMESPACE = "arc-systems"
CONTROLLER_SERVICE_ACCOUNT = "arc-controller"
GITHUB_SECRET_NAME = "github-app"
GPU_RESOURCE = "nvidia.com/gpu"
LABEL_PREFIX = "mlinfra.io"
# The runner image's `runner` user and its `docker` group; fsGroup makes the work volume writable.
RUNNER_UID = 1001
RUNNER_GID = 123


@dataclass(frozen=True)
class GpuRequest:
    """GPUs per runner and the labels of the GPU pool nodes that have them."""

    count: int
    pool_label: str
    accelerator: str


@dataclass(frozen=True)
class RunnerSet:
    """One runner scale set, as plain values (no config models: components never import infra)."""

    github_config_url: str
    max_runners: int
    requests: Mapping[str, str]
    limits: Mapping[str, str]
    image: str
    min_runners: int = 0
    # The GitHub runner group the set registers in; the group (a GitHub organisation setting) decides
    # which repositories may target the set. Chart value `runnerGroup` (actions/actions-runner-controller
    # @gha-runner-scale-set-0.14.2:charts/gha-runner-scale-set/values.yaml, `# runnerGroup: "default"`,
    # rendered by templates/autoscalingrunnerset.yaml as spec.runnerGroup; the newest tag in the stored
    # snapshot, master 2026-06-30 unchanged; read 2026-11-29).
    runner_group: str = "default"
    labels: Sequence[str] = ()
    gpu: GpuRequest | None = None
    container_mode: str = "kubernetes"
    work_volume_gib: int = 20
    storage_class: str | None = None
    # Annotations on the runner service account, e.g. for GKE Workload Identity.
    service_account_annotations: Mapping[str, str] = field(default_factory=dict)
    # Steps run in the runner pod instead of a job pod (kubernetes mode): deployer sets, whose jobs
    # declare no `container:` and only need the runner's network position.
    steps_in_runner: bool = False


# The chart's default container mode: `containerMode` left unset (gha-runner-scale-set-0.14.2 values.yaml:
# "containerMode should remain empty" for the default). The runner pod then runs as the chart's
# no-permission service account, bound to no Role (templates/no_permission_serviceaccount.yaml, and
# kube_mode_role.yaml renders only for kubernetes modes), and steps run in the runner container itself.
# Read 2026-12-07 at actions/actions-runner-controller@gha-runner-scale-set-0.14.2. The kubernetes mode's
# Role lets the runner's account get and list Secrets (kube_mode_role.yaml) and exec into pods, so sets
# whose steps run in the runner pod (deployers, GPU sets) use this mode instead.
NO_CONTAINER_MODE = "none"


def namespace_for(set_name: str) -> str:
    """Each scale set gets its own namespace, so its policies and secret are isolated."""
    return f"arc-{set_name}"


def runner_service_account(set_name: str, container_mode: str) -> tuple[str, str]:
    """(namespace, name) of the service account runner pods use, as the chart names it.

    This is the identity to grant cloud access to (Pod Identity association, Workload Identity).
    """
    suffix = "gha-rs-kube-mode" if container_mode == "kubernetes" else "gha-rs-no-permission"
    return namespace_for(set_name), f"{set_name}-{suffix}"


def job_service_accounts(set_name: str, container_mode: str, gpu: bool) -> tuple[tuple[str, str], ...]:
    """(namespace, name) of every service account workflow steps run as: the ones to grant cloud access.

    In kubernetes mode the container hooks create a pod per job container (and container action)
    without a serviceAccountName, so it runs as the namespace's `default` account, never the
    runner's (actions-runner-controller issues #2754, #4115; by design, #3963): the runner's
    account may create pods and exec into them. GPU sets run steps in the runner pod itself
    (ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER=false, the GPU is allocated there), so its account
    needs the access too. In dind mode every step runs in the runner pod.
    """
    namespace = namespace_for(set_name)
    runner = runner_service_account(set_name, container_mode)
    if container_mode != "kubernetes":
        return (runner,)
    return ((namespace, "default"), runner) if gpu else ((namespace, "default"),)


# The port the controller and each scale set's listener serve Prometheus metrics on, when metrics are on.
METRICS_PORT = 8080
# The label the controller puts on listener pods, which run in the controller's namespace
# (actions/actions-runner-controller@gha-runner-scale-set-0.14.2:controllers/actions.github.com/
# resourcebuilder.go LabelKeyKubernetesComponent; autoscalingrunnerset_controller.go passes
# r.ControllerNamespace), read 2026-11-29.
LISTENER_SELECTOR = {"app.kubernetes.io/component": "runner-scale-set-listener"}


def controller_values(metrics: bool = False) -> dict:
    """Values of the controller chart: a known service account name and a locked-down container.

    `metrics` turns on the controller's and the listeners' Prometheus endpoints (the chart leaves them off:
    `metrics` is commented out in charts/gha-runner-scale-set-controller/values.yaml at 0.14.2).
    """
    values: dict = {
        "serviceAccount": {"create": True, "name": CONTROLLER_SERVICE_ACCOUNT},
        "podSecurityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}},
    }
    if metrics:
        values["metrics"] = {"controllerManagerAddr": f":{METRICS_PORT}", "listenerAddr": f":{METRICS_PORT}",
                             "listenerEndpoint": "/metrics"}
    return values


def metrics_ingress_policy(scrapers: Sequence[Mapping]) -> dict:
    """NetworkPolicy spec letting only the metrics collector (`scrapers`: NetworkPolicy peers) reach the
    listeners' metrics port; the namespace denies every other ingress."""
    return ingress_only_from(LISTENER_SELECTOR, scrapers, METRICS_PORT)


def runner_container(runner: RunnerSet) -> dict:
    """The `runner` container: the chart merges its mode-specific env and mounts into it."""
    requests, limits = dict(runner.requests), dict(runner.limits)
    env = []
    if runner.gpu is not None:
        requests[GPU_RESOURCE] = limits[GPU_RESOURCE] = str(runner.gpu.count)
    # A GPU is allocated to the runner pod, and deployers need only its place in the network, so their
    # steps run there, not in a job pod.
    if runner.container_mode == "kubernetes" and (runner.gpu is not None or runner.steps_in_runner):
        env.append({"name": "ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER", "value": "false"})
    container = {
        "name": "runner",
        "image": runner.image,
        "command": ["/home/runner/run.sh"],
        "resources": {"requests": requests, "limits": limits},
        # Never privileged; even in dind mode only the chart's dind sidecar is.
        "securityContext": {
            "runAsNonRoot": True, "runAsUser": RUNNER_UID,
            "allowPrivilegeEscalation": False, "privileged": False,
            "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    if env:
        container["env"] = env
    return container


def runner_pod_spec(runner: RunnerSet) -> dict:
    """The runner pod spec: GPU sets tolerate the GPU taint and select their pool's nodes."""
    spec: dict = {
        # No pod-level runAsNonRoot: in dind mode the chart's sidecar runs as root by design.
        "securityContext": {"fsGroup": RUNNER_GID},
        "containers": [runner_container(runner)],
    }
    if runner.steps_in_runner:
        # Deployers' steps hold a cloud deploy credential; their pod gets no Kubernetes API token at all.
        spec["automountServiceAccountToken"] = False
    if runner.gpu is not None:
        spec["tolerations"] = [{"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}]
        spec["nodeSelector"] = {f"{LABEL_PREFIX}/pool": runner.gpu.pool_label,
                                f"{LABEL_PREFIX}/accelerator": runner.gpu.accelerator}
    return spec


def container_mode_values(runner: RunnerSet) -> dict | None:
    """`containerMode`: kubernetes mode with an ephemeral work volume per runner, dind, or None for the
    chart's default mode (NO_CONTAINER_MODE)."""
    if runner.container_mode == NO_CONTAINER_MODE:
        return None
    if runner.container_mode != "kubernetes":
        return {"type": runner.container_mode}
    claim: dict = {"accessModes": ["ReadWriteOnce"],
                   "resources": {"requests": {"storage": f"{runner.work_volume_gib}Gi"}}}
    if runner.storage_class:
        claim["storageClassName"] = runner.storage_class
    return {"type": "kubernetes", "kubernetesModeWorkVolumeClaim": claim}


def resource_meta_values(runner: RunnerSet) -> dict:
    """`resourceMeta`: annotations on the service account the runner pod runs as.

    The chart reads them only here since 0.11.0; under `containerMode.kubernetesModeServiceAccount`
    (where 0.10 read them) Helm drops them without a word (actions/actions-runner-controller@
    gha-runner-scale-set-0.14.2:charts/gha-runner-scale-set/templates/kube_mode_serviceaccount.yaml
    and no_permission_serviceaccount.yaml, read 2026-11-29).
    """
    if not runner.service_account_annotations:
        return {}
    account = "kubernetesModeServiceAccount" if runner.container_mode == "kubernetes" else "noPermissionServiceAccount"
    return {account: {"annotations": dict(runner.service_account_annotations)}}


def scale_set_values(set_name: str, runner: RunnerSet) -> dict:
    """Values of one gha-runner-scale-set release; the GitHub App secret is referenced by name only."""
    values: dict = {
        "githubConfigUrl": runner.github_config_url,
        "githubConfigSecret": GITHUB_SECRET_NAME,
        "runnerScaleSetName": set_name,
        "runnerGroup": runner.runner_group,
        "minRunners": runner.min_runners,
        "maxRunners": runner.max_runners,
        "template": {"spec": runner_pod_spec(runner)},
        "controllerServiceAccount": {"namespace": CONTROLLER_NAMESPACE, "name": CONTROLLER_SERVICE_ACCOUNT},
    }
    if (mode := container_mode_values(runner)) is not None:
        values["containerMode"] = mode
    if runner.labels:
        values["scaleSetLabels"] = list(runner.labels)
    if resource_meta := resource_meta_values(runner):
        values["resourceMeta"] = resource_meta
    return values


def default_deny_policy() -> dict:
    """NetworkPolicy spec denying all ingress and egress for every pod in the namespace."""
    return {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def egress_policy(extra: Sequence[Mapping] = ()) -> dict:
    """The egress runners and the controller need: DNS to kube-dns, HTTPS to GitHub and the API server.

    GitHub's addresses change and are many, so HTTPS is open to any address on port 443 only.
    `extra` rules come from the cloud (on EKS: the node-local Pod Identity agent on port 80, or
    jobs lose their AWS credentials once the CNI enforces the policy). No instance metadata
    (IMDS) rule: pods must not use node credentials, and IMDSv2's hop limit of 1 keeps them out.
    """
    dns_ports = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    return {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [
            {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                     "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
             "ports": dns_ports},
            {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]},
            *(dict(rule) for rule in extra),
        ],
    }


def namespace_labels(container_mode: str) -> dict[str, str]:
    """Pod Security admission labels: restricted where only the runner pod runs (NO_CONTAINER_MODE: it is
    non-root, drops every capability and has a seccomp profile), baseline for kubernetes mode (job pods run
    workflow-chosen images, many of which run as root), privileged only where dind needs it."""
    level = {NO_CONTAINER_MODE: "restricted", "kubernetes": "baseline"}.get(container_mode, "privileged")
    return {"pod-security.kubernetes.io/enforce": level, "pod-security.kubernetes.io/warn": "restricted",
            "app.kubernetes.io/managed-by": "mlinfra"}


def _times(quantity: str, count: int) -> str:
    """A Kubernetes quantity (`2`, `500m`, `4Gi`, `0.5`) times `count`, in the same unit."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([A-Za-z]*)", quantity)
    if match is None:
        raise ValueError(f"cannot scale the quantity {quantity!r}; write it as a number with an optional unit")
    number, unit = match.groups()
    if "." in number:
        if unit:
            raise ValueError(f"cannot scale the quantity {quantity!r}; write it without a decimal point")
        return f"{round(float(number) * 1000 * count)}m"
    return f"{int(number) * count}{unit}"


def resource_quota(runner: RunnerSet) -> dict:
    """ResourceQuota spec of one set's namespace: at most `max_runners` runners' worth of pods, claims and
    compute, so a job cannot start more pods (kubernetes mode lets the runner create them) or outgrow its set.

    Compute is capped only where every pod sets requests and limits (the runner pod always does): in
    kubernetes mode the container hooks create job pods without them, and "if quota is enabled in a
    namespace for compute resources like cpu and memory, users must specify requests or limits for those
    values; otherwise, the quota system may reject pod creation" (Kubernetes docs, "Resource Quotas",
    https://kubernetes.io/docs/concepts/policy/resource-quotas/, read 2026-12-07). There the pod and
    claim counts are the cap: one runner pod and one job pod (with its work volume) per runner.
    """
    n = runner.max_runners
    if runner.container_mode == "kubernetes":
        return {"hard": {"pods": str(2 * n), "persistentvolumeclaims": str(n),
                         "requests.storage": f"{runner.work_volume_gib * n}Gi"}}
    hard = {"pods": str(n), "persistentvolumeclaims": "0"}
    for kind, amounts in (("requests", runner.requests), ("limits", runner.limits)):
        for resource, quantity in amounts.items():
            hard[f"{kind}.{resource}"] = _times(str(quantity), n)
    if runner.gpu is not None:
        # Extended resources take only the requests. prefix in a quota (same page, "Resource quota for
        # extended resources").
        hard[f"requests.{GPU_RESOURCE}"] = str(runner.gpu.count * n)
    return {"hard": hard}
