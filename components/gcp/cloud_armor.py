"""The Cloud Armor policy an internet-facing GKE gateway gets by default: preconfigured WAF rules.

Rule names and the expression form from the Cloud Armor docs, "Tune Google Cloud Armor
preconfigured WAF rules" (https://cloud.google.com/armor/docs/rule-tuning, read 2026-11-29): the
CRS 3.3 rules `<name>-v33-stable`, matched with `evaluatePreconfiguredWaf('<rule>', {'sensitivity':
N})`; sensitivity 1 opts in only the highest-confidence signatures (fewest false positives). The
rules that fit an HTTP/JSON model API: SQL injection, cross-site scripting, local and remote file
inclusion, remote code execution, scanner detection, protocol attack, session fixation (method
enforcement and PHP injection are left out: the first would need the API's method list, the second
guards PHP applications).

Log4j (CVE-2021-44228, CVE-2021-45046): the preconfigured rule `cve-canary`, matched with
`evaluatePreconfiguredExpr('cve-canary')` (Google Cloud blog, "Google Cloud Armor WAF rule to help
mitigate Apache Log4j vulnerability", 2021-12-11, updated 2021-12-16; read 2026-11-29). Checkov
CKV_GCP_73 looks for exactly that expression, denied and not in preview.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

WAF_RULES = ("sqli-v33-stable", "xss-v33-stable", "lfi-v33-stable", "rfi-v33-stable", "rce-v33-stable",
             "scannerdetection-v33-stable", "protocolattack-v33-stable", "sessionfixation-v33-stable")
SENSITIVITY = 1
LOG4J_EXPRESSION = "evaluatePreconfiguredExpr('cve-canary')"
# Cloud Armor requires a rule at the lowest priority; it allows what no WAF rule denied.
DEFAULT_PRIORITY = 2147483647


def waf_expression(rule: str, sensitivity: int = SENSITIVITY) -> str:
    """The match expression of one preconfigured WAF rule."""
    return f"evaluatePreconfiguredWaf('{rule}', {{'sensitivity': {sensitivity}}})"


def security_policy_rules(rules: Sequence[str] = WAF_RULES) -> list[dict[str, Any]]:
    """Deny (403) Log4j exploits, then what a preconfigured WAF rule matches, in order; allow everything else."""
    log4j = {"action": "deny(403)", "priority": 900, "description": "Log4j CVE-2021-44228 (cve-canary)",
             "match": {"expr": {"expression": LOG4J_EXPRESSION}}}
    denies = [{"action": "deny(403)", "priority": 1000 + 10 * index, "description": f"preconfigured WAF {rule}",
               "match": {"expr": {"expression": waf_expression(rule)}}}
              for index, rule in enumerate(rules)]
    return [log4j, *denies, {"action": "allow", "priority": DEFAULT_PRIORITY, "description": "default: allow",
                      "match": {"versioned_expr": "SRC_IPS_V1", "config": {"src_ip_ranges": ["*"]}}}]
