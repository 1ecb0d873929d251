"""The platform's alert rules, built for what the clusters run, and the Prometheus rule-file shape they are sent in.

AMP takes the rule file as YAML (a rule groups namespace); GMP's ClusterRules takes its `groups` as
`spec.groups`. Thresholds are numbers from the stack config; prices are numbers from the catalog, passed
in because components never import infra. Which rules exist follows `RuleScope`: a rule that reads a
component no cluster runs could never fire, so it is not rendered (runner rules without runners, the
autoscaler rule where the autoscaler exports nothing). The rules themselves are in rules_gpu.py and
rules_health.py; every one carries a `runbook_url` to docs/runbooks/<AlertName>.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from components.monitoring.alerts import (
    CRITICAL,
    RUNBOOK_DIR,
    WARNING,
    AlertRule,
    AlertThresholds,
    ClusterScope,
    RuleScope,
    github_runbook_base,
    runbook_url,
)
from components.monitoring.rules_gpu import gpu_rules
from components.monitoring.rules_health import health_rules, kubernetes_rules, runner_rules

__all__ = ["CRITICAL", "RUNBOOK_DIR", "WARNING", "AlertRule", "AlertThresholds", "ClusterScope", "RuleScope",
           "github_runbook_base", "platform_alert_rules", "rule_groups", "runbook_url"]


def platform_alert_rules(thresholds: AlertThresholds, scope: RuleScope, *, spend_per_hour_budget: float | None,
                         gpu_hourly_prices: Mapping[str, float]) -> tuple[AlertRule, ...]:
    """Every platform alert the clusters in `scope` can fire.

    `gpu_hourly_prices`: the hourly price of one node of each GPU instance type (keyed by the node's
    `node.kubernetes.io/instance-type`), from the catalog.
    """
    rules = [*gpu_rules(thresholds, scope, spend_per_hour_budget, gpu_hourly_prices), *kubernetes_rules(thresholds)]
    if scope.cluster_autoscaler:
        rules.append(AlertRule(
            "ClusterAutoscalerScaleUpFailing",
            "sum by (cluster) (increase(cluster_autoscaler_failed_scale_ups_total[15m])) > 0",
            thresholds.autoscaler_failing_minutes, WARNING,
            f"cluster-autoscaler has failed to scale up for {thresholds.autoscaler_failing_minutes} minutes",
            "kubectl -n kube-system logs deploy/cluster-autoscaler shows the reason (the failed_scale_ups "
            "`reason` label says which: cloud provider error, timeout, quota)."))
    rules += runner_rules(thresholds, scope)
    rules += health_rules(scope)
    # One alert name may cover several clusters (an absence rule per cluster), told apart by their labels.
    keys = [(r.name, tuple(sorted(r.labels.items()))) for r in rules]
    duplicates = sorted({k[0] for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValueError(f"two rules with the same name and labels would be indistinguishable: {duplicates}")
    return tuple(rules)


def rule_groups(rules: tuple[AlertRule, ...] | list[AlertRule], *, name: str = "mlinfra-platform",
                interval_seconds: int = 60, runbook_base: str = RUNBOOK_DIR) -> dict:
    """The Prometheus rule file `{"groups": [...]}` holding `rules` as one group."""
    return {"groups": [{"name": name, "interval": f"{interval_seconds}s",
                        "rules": [rule.as_rule(runbook_base) for rule in rules]}]}
