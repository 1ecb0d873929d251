"""Words and numbers every view of a diff shares: stack labels, summary counts, money, short values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from infra.plan.diff import shown

MAIN_PROJECT = "mlinfra"
VALUE_CHARS = 160  # longer values are shortened in human views; the JSON keeps them whole
VERBS = {"add": "add", "change": "change", "replace": "replace", "remove": "delete"}
SIGNS = {"add": "+", "change": "~", "replace": "-/+", "remove": "-"}


def stack_label(stack: dict[str, Any]) -> str:
    """`dev` for the main project's stacks, `project/stack` for the others (bootstrap)."""
    return stack["stack"] if stack["project"] == MAIN_PROJECT else f"{stack['project']}/{stack['stack']}"


def money(delta: float) -> str:
    """A signed monthly amount: `+$120.00`, `-$3.50`, `+$0.00`."""
    sign = "-" if delta < 0 else "+"
    return f"{sign}${abs(delta):,.2f}"


def counts(stack: dict[str, Any]) -> str:
    """`+3 ~2 -1`, with `-/+N` only when something is replaced."""
    summary = stack["summary"]
    parts = [f"+{summary['add']}", f"~{summary['change']}"]
    if summary["replace"]:
        parts.append(f"-/+{summary['replace']}")
    parts.append(f"-{summary['remove']}")
    return " ".join(parts)


def cost_text(stack: dict[str, Any]) -> str:
    """`+$120.00/month` (idle), with the peak delta when it differs; or why there is none."""
    delta = stack["cost"]["deltaUsdPerMonth"]
    unknown = stack["cost"].get("unpricedChanges") or []
    if unknown:
        names = ", ".join(f"{u['name']} ({u['type']})" for u in unknown)
        noun = "change" if len(unknown) == 1 else "changes"
        return f"cost unknown for {len(unknown)} {noun}: unpriced {names}"
    if delta is None:
        return "cost delta unknown (a side has no cost estimate)"
    if round(delta["peak"], 2) != round(delta["idle"], 2):
        return f"idle {money(delta['idle'])}/month, peak {money(delta['peak'])}/month"
    return f"{money(delta['idle'])}/month"


def _moment(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _hours(seconds: int) -> str:
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds}s"


def clock_note(stack: dict[str, Any]) -> str | None:
    """What the diff folded because only the plan clock moved, in one sentence; None when nothing."""
    clock = stack.get("clock")
    if not clock:
        return None
    values = "value" if clock["folded"] == 1 else "values"
    ttl = ", ".join(_hours(t) for t in clock["ttlSeconds"])
    return (f"{clock['folded']} expiry {values} moved only with the plan clock, TTL {ttl} on both sides "
            f"(base planned at {_moment(clock['baseTime'])}, head at {_moment(clock['headTime'])}; "
            "set MLINFRA_PLAN_TIME to plan both at one instant)")


def summary_line(stack: dict[str, Any]) -> str:
    """One line per stack: `dev: +3 ~2 -1, +$120.00/month` (and what only the plan clock moved)."""
    label = stack_label(stack)
    if stack["status"] == "error":
        return f"{label}: could not compare: {stack['error']}"
    status = {"added": " (new stack)", "removed": " (stack removed)"}.get(stack["status"], "")
    note = clock_note(stack)
    tail = f"; {note}" if note else ""
    if stack["status"] == "unchanged":
        return f"{label}: no changes, {cost_text(stack)}{tail}"
    return f"{label}{status}: {counts(stack)}, {cost_text(stack)}{tail}"


def guard_words(alert: dict[str, Any]) -> str:
    """`protect, retainOnDelete`: why an alert is an alert."""
    return ", ".join(word for word in ("protect", "retainOnDelete") if alert[word])


def short(value: Any) -> str:
    """A value on one line, shortened past VALUE_CHARS with the full length said."""
    text = shown(value)
    if len(text) > VALUE_CHARS:
        return f"{text[:VALUE_CHARS]}… ({len(text):,} characters)"
    return text


def change_text(change: dict[str, Any]) -> str:
    """`tags.environment: "dev" → "staging"`, `+ path: value`, `- path: value`."""
    prefix = "(option) " if change["in"] == "options" else ""
    if change["kind"] == "add":
        return f"{prefix}{change['path']}: {short(change['after'])}"
    if change["kind"] == "remove":
        return f"{prefix}{change['path']}: {short(change['before'])} → (removed)"
    return f"{prefix}{change['path']}: {short(change['before'])} → {short(change['after'])}"
