"""The WAF web ACL an internet-facing ALB gets by default: AWS managed baseline rule groups.

Rule group names from the AWS WAF Developer Guide, "Baseline rule groups"
(https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html, read
2026-11-29): core rule set `AWSManagedRulesCommonRuleSet` (700 WCU) and known bad inputs
`AWSManagedRulesKnownBadInputsRuleSet` (200 WCU), vendor `AWS`, both free of extra charge; together
far below a web ACL's 1,500 WCU base.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MANAGED_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}


def managed_rules(metric_prefix: str, groups: Sequence[str] = MANAGED_RULE_GROUPS) -> list[dict[str, Any]]:
    """One rule per managed group, in order, each blocking as the group says (no override)."""
    return [{
        "name": group,
        "priority": 10 * (index + 1),
        "override_action": {"none": {}},
        "statement": {"managed_rule_group_statement": {"vendor_name": "AWS", "name": group}},
        "visibility_config": _visibility(f"{metric_prefix}-{group}"[:128]),
    } for index, group in enumerate(groups)]


def web_acl_settings(metric_prefix: str) -> dict[str, Any]:
    """A regional web ACL that allows what no managed rule blocks."""
    return {"scope": "REGIONAL", "default_action": {"allow": {}}, "rules": managed_rules(metric_prefix),
            "visibility_config": _visibility(metric_prefix[:128])}
