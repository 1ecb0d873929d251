"""Rules over ARC runner scale sets, which are Helm releases: the runner pod is in the values.

The `gha-runner-scale-set` chart builds the runner pod from `values.template.spec`, so the
Pod/Deployment rules in k8s_workloads never see it. A value unknown at preview raises out of
`dig`, so the engine reports the rule as not checked, never as passed.
"""

from __future__ import annotations

from k8s_workloads import may_escalate, pod_containers
from rulekit import ADVISORY, HIGH, MEDIUM, dig, fmt, resource_rule

RELEASE = "kubernetes:helm.sh/v3:Release"
SCALE_SET_CHART = "gha-runner-scale-set"


def _is_scale_set(props) -> bool:
    chart = str(dig(props, "chart", default=""))
    return chart.rstrip("/").rsplit("/", 1)[-1] == SCALE_SET_CHART


def _privileged(props, ctx):
    if not _is_scale_set(props):
        return
    for c in pod_containers(dig(props, "values", "template", "spec", default={})):
        if may_escalate(c):
            yield f"runner scale set '{ctx.name}' container '{dig(c, 'name')}' runs privileged or may escalate"


def _limits(props, ctx):
    if not _is_scale_set(props):
        return
    containers = list(dig(props, "values", "template", "spec", "containers", default=[]))
    if not any(dig(c, "name") == "runner" for c in containers):
        # The chart then runs its default runner container, which has no limits at all.
        yield f"runner scale set '{ctx.name}' defines no 'runner' container, so the chart default runs unlimited"
    for c in containers:
        missing = [f"limits.{res}" for res in ("cpu", "memory") if dig(c, "resources", "limits", res) is None]
        if missing:
            yield f"runner scale set '{ctx.name}' container '{dig(c, 'name')}' does not set {fmt(missing)}"


def _dind(props, ctx):
    if _is_scale_set(props) and dig(props, "values", "containerMode", "type") == "dind":
        yield (f"runner scale set '{ctx.name}' uses dind container mode: a privileged Docker daemon runs "
               "next to every runner")


RULES = [
    resource_rule("arc-runner-not-privileged",
                  "Runner scale set containers are not privileged and cannot escalate (CIS Kubernetes 5.2.2, 5.2.6)",
                  types=[RELEASE], check=_privileged, severity=HIGH,
                  remediation="Remove securityContext.privileged / allowPrivilegeEscalation from the runner "
                              "template; use container mode `kubernetes` for jobs that need containers."),
    resource_rule("arc-runner-limits-set",
                  "Runner scale set containers set CPU and memory limits (practice: NSA/CISA K8s hardening)",
                  types=[RELEASE], check=_limits, severity=MEDIUM,
                  remediation="Set `resources.limits.cpu` and `.memory` for the scale set in `runners` config."),
    # Advisory by default so an explicit opt-in works in dev; prod and staging make every rule mandatory.
    resource_rule("arc-runner-no-dind",
                  "Runner scale sets use container mode kubernetes, not privileged dind (CIS Kubernetes 5.2.2)",
                  types=[RELEASE], check=_dind, severity=HIGH, level=ADVISORY,
                  remediation="Use `container_mode: kubernetes`; dind needs `allow_privileged_dind: true` and "
                              "is refused where the policy config makes this rule mandatory."),
]
