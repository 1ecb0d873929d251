"""IAM rules: least privilege for workload roles and trust limited to the intended principal."""

from __future__ import annotations

import json

from rulekit import CRITICAL, HIGH, dig, fmt, resource_rule

ROLE = "aws:iam/role:Role"
POLICY_DOCS = {"aws:iam/policy:Policy": "policy", "aws:iam/rolePolicy:RolePolicy": "policy"}
ATTACHMENTS = ("aws:iam/rolePolicyAttachment:RolePolicyAttachment",
               "aws:iam/policyAttachment:PolicyAttachment")
ADMIN_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")


def _statements(document) -> list[dict]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    if not isinstance(document, dict):
        return []
    statements = document.get("Statement", [])
    return [s for s in ([statements] if isinstance(statements, dict) else statements) if isinstance(s, dict)]


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _wildcards(statements: list[dict]) -> set[str]:
    return {a for s in statements if s.get("Effect") == "Allow"
            for a in _as_list(s.get("Action", [])) if a == "*" or str(a).endswith(":*")}


def _wildcard_actions(props, ctx):
    documents = [dig(props, POLICY_DOCS[ctx.type])] if ctx.type in POLICY_DOCS else [
        dig(p, "policy") for p in dig(props, "inlinePolicies", default=[])]
    found = set().union(*(_wildcards(_statements(d)) for d in documents if d))
    if found:
        yield f"'{ctx.name}' allows wildcard actions: {fmt(found)}"


def _admin(props, ctx):
    # Config can only add names: the three admin policies are refused whatever a config file says.
    forbidden = (*ADMIN_POLICIES, *ctx.config.get("forbiddenPolicies", ()))
    arns = [dig(props, "policyArn")] if ctx.type in ATTACHMENTS else list(dig(props, "managedPolicyArns", default=[]))
    for arn in arns:
        if isinstance(arn, str) and arn.rsplit("/", 1)[-1] in forbidden:
            yield f"'{ctx.name}' attaches admin policy {arn.rsplit('/', 1)[-1]} to a workload role"


def _trust(props, ctx):
    for statement in _statements(dig(props, "assumeRolePolicy")):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        kinds = principal if isinstance(principal, dict) else {"*": principal}
        values = [v for value in kinds.values() for v in _as_list(value)]
        if principal == "*" or "*" in values:
            yield f"role '{ctx.name}' can be assumed by any principal ('*')"
        elif len(values) != 1:
            yield f"role '{ctx.name}' trusts {len(values)} principals in one statement; trust exactly one"
        elif "Federated" in kinds and not any(k.endswith(":sub") for cond in statement.get("Condition", {}).values()
                                              for k in cond):
            yield f"role '{ctx.name}' trusts federated principal {values[0]} without a :sub condition"


RULES = [
    resource_rule(
        "iam-no-wildcard-actions",
        "IAM policies allow no '*' or 'service:*' actions (CIS AWS Foundations v1.4 1.16)",
        types=[ROLE, *POLICY_DOCS], check=_wildcard_actions, severity=HIGH,
        remediation="List the exact actions the workload needs in its policy document."),
    resource_rule(
        "iam-no-admin-policies",
        "No admin-level managed policies on workload roles (CIS AWS Foundations 1.16)",
        types=[ROLE, *ATTACHMENTS], check=_admin, severity=CRITICAL,
        config={"forbiddenPolicies": {"type": "array", "items": {"type": "string"}, "default": []}},
        remediation="Attach a narrowly scoped policy instead of AdministratorAccess/PowerUserAccess/IAMFullAccess."),
    resource_rule(
        "iam-trust-scoped",
        "Role trust policies name exactly one principal, never '*', OIDC only with a :sub condition "
        "(practice: least-privilege trust)",
        types=[ROLE], check=_trust, severity=CRITICAL,
        remediation="Trust one service, account role or OIDC provider per statement; for OIDC add a "
                    "StringEquals condition on '<provider>:sub'."),
]
