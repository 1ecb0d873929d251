"""What changes between two sets of plan documents: per stack, resource by resource, property by property.

Pure data in, pure data out (the `mlinfra diff --format json` shape, schema in
`infra/plan/diff.schema.json`); no click, no rich. Resources are matched by URN. A resource whose
URN changes but keeps its type and name (a new parent) is a replace: Pulumi deletes the old
URN and creates the new one unless an alias says otherwise, and plan documents carry no aliases.
Values marked secret in a document ("[secret]") stay masked: when either side of a property is
secret, both sides are shown as "[secret]". A change that is only the plan clock moving (a
sandbox template's expiry) is folded into the stack's `clock` summary (infra/plan/diff_clock.py).
A stand-in is compared as the output it stands for, so one moving alone is no change.
"""

from __future__ import annotations

import json
from typing import Any

from infra.plan.diff_clock import fold_clock
from infra.plan.diff_paths import property_changes
from infra.plan.diff_standins import mask_stand_ins, provided_stand_ins

DIFF_VERSION = 1
SECRET = "[secret]"
# Options that change what the engine does; dependencies are left out (they follow the inputs).
OPTION_FIELDS = ("parent", "provider", "protect", "retainOnDelete", "deleteBeforeReplace", "ignoreChanges")
ACTIONS = ("add", "change", "replace", "remove")


def stack_key(document: dict[str, Any]) -> tuple[str, str]:
    """(project, stack) of a plan document: how the two sides are paired."""
    return document["project"], document["stack"]


def diff_resources(base: list[dict[str, Any]], head: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every added, removed, replaced and changed resource, in a stable order."""
    old = {r["urn"]: r for r in base}
    new = {r["urn"]: r for r in head}
    gone = [old[u] for u in old if u not in new]
    came = [new[u] for u in new if u not in old]
    moved = _moves(gone, came)
    entries: list[dict[str, Any]] = []
    for before, after in moved:
        entries.append(_entry("replace", after, before=before,
                              changes=_changes(before, after),
                              reason=f"URN changes (new parent): was {before['urn']}"))
    moved_urns = {b["urn"] for b, _ in moved} | {a["urn"] for _, a in moved}
    # A new resource shows its inputs, one line per top-level property.
    entries += [_entry("add", r, changes=property_changes({}, r.get("inputs") or {}))
                for r in came if r["urn"] not in moved_urns]
    entries += [_entry("remove", r, before=r) for r in gone if r["urn"] not in moved_urns]
    for urn in new.keys() & old.keys():
        changes = _changes(old[urn], new[urn])
        if changes:
            entries.append(_entry("change", new[urn], before=old[urn], changes=changes))
    entries.sort(key=lambda e: (e["urn"], e["action"]))
    return entries


def _moves(gone: list[dict[str, Any]], came: list[dict[str, Any]]) -> list[tuple[dict, dict]]:
    """Pairs (old, new) of the same type and name that exist once on each side."""
    def unique(resources):
        seen: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for r in resources:
            seen.setdefault((r["type"], r["name"]), []).append(r)
        return {k: v[0] for k, v in seen.items() if len(v) == 1}

    olds, news = unique(gone), unique(came)
    return [(olds[k], news[k]) for k in sorted(olds.keys() & news.keys())]


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    changes = property_changes(before.get("inputs") or {}, after.get("inputs") or {})
    for field in OPTION_FIELDS:
        if field == "parent" and before["urn"] != after["urn"]:
            continue  # a replace already says the parent changed
        old, new = before.get(field), after.get(field)
        if old != new:
            changes.append({"path": field, "in": "options", "kind": "change", "before": old, "after": new})
    return changes


def _entry(action: str, resource: dict[str, Any], before: dict[str, Any] | None = None,
           changes: list[dict[str, Any]] | None = None, reason: str | None = None) -> dict[str, Any]:
    """One resource line; protect/retain come from the side that exists today (the base)."""
    guard = before or resource
    entry = {"action": action, "urn": resource["urn"], "type": resource["type"], "name": resource["name"],
             "protect": bool(guard.get("protect")), "retainOnDelete": bool(guard.get("retainOnDelete")),
             "changes": changes or []}
    if reason:
        entry["reason"] = reason
    return entry


def alerts(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Protected or retained resources that would be deleted or replaced: what a reviewer reads first."""
    return [{"action": "delete" if e["action"] == "remove" else "replace", "urn": e["urn"], "type": e["type"],
             "name": e["name"], "protect": e["protect"], "retainOnDelete": e["retainOnDelete"]}
            for e in entries if e["action"] in ("remove", "replace") and (e["protect"] or e["retainOnDelete"])]


def _totals(document: dict[str, Any] | None) -> dict[str, float] | None:
    cost = (document or {}).get("cost") or {}
    if "totals" not in cost:
        return None
    return {s: cost["totals"][s]["usdPerMonth"] for s in ("idle", "peak")}


def _unpriced(document: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {u["urn"]: u for u in ((document or {}).get("cost") or {}).get("unpriced", [])}


# Inputs that never change a price: tags and labels. A change to only these (or to engine options such as
# protect) moves no money, priced or not.
COST_NEUTRAL_ROOTS = frozenset({"tags", "tagsAll", "labels", "resourceLabels", "userLabels", "effectiveLabels",
                                "terraformLabels", "defaultLabels"})


def _cost_neutral(entry: dict[str, Any]) -> bool:
    return entry["action"] == "change" and all(
        c["in"] == "options" or c["path"].split(".", 1)[0].split("[", 1)[0] in COST_NEUTRAL_ROOTS
        for c in entry["changes"])


def unpriced_changes(entries: list[dict[str, Any]], base: dict[str, Any] | None,
                     head: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The changed resources that either side could not price: their cost change is unknown.

    A change to only tags, labels or engine options is left out: it moves no money.
    """
    old, new = _unpriced(base), _unpriced(head)
    found = []
    for entry in entries:
        if _cost_neutral(entry):
            continue
        urns = {entry["urn"]}
        if entry.get("reason", "").startswith("URN changes"):
            urns.add(entry["reason"].split("was ", 1)[1])
        hit = next((side[u] for u in sorted(urns) for side in (new, old) if u in side), None)
        if hit is not None:
            found.append({"name": entry["name"], "type": entry["type"], "action": entry["action"],
                          "reason": hit["reason"]})
    return found


def cost_delta(base: dict[str, Any] | None, head: dict[str, Any] | None,
               entries: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Monthly totals on each side and their difference; a side that is absent counts as zero.

    The difference is null, never a number, when a present side has no estimate or when a change
    touches a resource either side could not price (`unpricedChanges` lists those).
    """
    before, after = _totals(base), _totals(head)
    zero = {"idle": 0.0, "peak": 0.0}
    known = (before is not None or base is None) and (after is not None or head is None)
    unknown = unpriced_changes(entries or [], base, head)
    result: dict[str, Any] = {"baseUsdPerMonth": before, "headUsdPerMonth": after, "deltaUsdPerMonth": None,
                              "unpricedChanges": unknown}
    if known and not unknown:
        b, a = before or zero, after or zero
        result["deltaUsdPerMonth"] = {s: round(a[s] - b[s], 2) for s in ("idle", "peak")}
    return result


def diff_stack(base: dict[str, Any] | None, head: dict[str, Any] | None) -> dict[str, Any]:
    """The diff of one stack; a side that is None means the stack exists only on the other side."""
    present = head or base
    assert present is not None, "a stack diff needs at least one side"
    # Stand-ins are compared by what they stand for (infra/plan/diff_standins.py), never by value.
    sides = (base or {}).get("resources", []), (head or {}).get("resources", [])
    provided = provided_stand_ins(*sides)
    entries = diff_resources(mask_stand_ins(sides[0], provided), mask_stand_ins(sides[1], provided))
    entries, clock = fold_clock(entries, base, head)
    summary = {action: sum(1 for e in entries if e["action"] == action) for action in ACTIONS}
    if base is None:
        status = "added"
    elif head is None:
        status = "removed"
    else:
        status = "changed" if entries else "unchanged"
    return {"project": present["project"], "stack": present["stack"], "status": status, "error": None,
            "summary": summary, "alerts": alerts(entries), "cost": cost_delta(base, head, entries),
            "clock": clock, "resources": entries}


def failed_stack(project: str, stack: str, error: str) -> dict[str, Any]:
    """A stack a side could not plan: listed with the error, never silently skipped."""
    return {"project": project, "stack": stack, "status": "error", "error": error,
            "summary": dict.fromkeys(ACTIONS, 0), "alerts": [],
            "cost": {"baseUsdPerMonth": None, "headUsdPerMonth": None, "deltaUsdPerMonth": None,
                     "unpricedChanges": []},
            "clock": None, "resources": []}


def diff_plans(base: dict[tuple[str, str], dict], head: dict[tuple[str, str], dict],
               base_label: str, head_label: str,
               errors: dict[tuple[str, str], str] | None = None) -> dict[str, Any]:
    """The whole diff: every stack of either side, in (project, stack) order, stacks with alerts first."""
    errors = errors or {}
    stacks = []
    for key in sorted(base.keys() | head.keys() | errors.keys()):
        if key in errors:
            stacks.append(failed_stack(*key, error=errors[key]))
        else:
            stacks.append(diff_stack(base.get(key), head.get(key)))
    return {"diffVersion": DIFF_VERSION, "base": base_label, "head": head_label, "stacks": stacks,
            "alerts": [{"project": s["project"], "stack": s["stack"], **a} for s in stacks for a in s["alerts"]]}


def shown(value: Any) -> str:
    """A value as one line of text for a view: JSON for structures, strings quoted."""
    if value == SECRET:
        return SECRET
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def load_diff_schema() -> dict[str, Any]:
    """The JSON Schema every `mlinfra diff --format json` document satisfies."""
    from pathlib import Path

    return json.loads(Path(__file__).with_name("diff.schema.json").read_text())
