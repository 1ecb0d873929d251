"""The diff for a terminal: a summary table, protected deletions in red, then each stack's changes.

Laid out as short lines rather than a wide table so it reads at 80 columns (CI logs, pipes)
as well as in a wide terminal; long values wrap instead of being cut.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from infra.cli.views.diff_text import (
    SIGNS,
    VERBS,
    change_text,
    clock_note,
    cost_text,
    counts,
    guard_words,
    stack_label,
)

STYLES = {"add": "green", "change": "yellow", "replace": "magenta", "remove": "red"}


def summary_table(diff: dict[str, Any]) -> Table:
    """One row per stack: what changes and what it does to the monthly bill."""
    table = Table(title=f"Plan diff: {diff['base']} → {diff['head']}", title_justify="left")
    table.add_column("Stack", no_wrap=True)
    table.add_column("Changes", no_wrap=True)
    table.add_column("Cost per month (idle, peak)")
    for stack in diff["stacks"]:
        if stack["status"] == "error":
            table.add_row(stack_label(stack), Text("error", style="red"), stack["error"])
            continue
        status = {"added": " new", "removed": " gone", "unchanged": ""}.get(stack["status"], "")
        table.add_row(stack_label(stack), counts(stack) + status, cost_text(stack))
    return table


def clock_block(diff: dict[str, Any]) -> Text:
    """One line per stack whose expiry changes were only the plan clock moving, or nothing."""
    text = Text()
    for stack in diff["stacks"]:
        note = clock_note(stack)
        if note:
            text.append(f"{stack_label(stack)}: {note}\n", style="dim")
    return text


def alerts_block(diff: dict[str, Any]) -> Text:
    """Protected or retained resources that would be deleted or replaced, or nothing."""
    text = Text()
    if not diff["alerts"]:
        return text
    text.append("Protected or retained resources that would be deleted or replaced:\n", style="bold red")
    for alert in diff["alerts"]:
        text.append(f"  {stack_label(alert)}: {alert['action']} {alert['type']} {alert['name']} "
                    f"({guard_words(alert)})\n", style="red")
    return text


def stack_block(stack: dict[str, Any]) -> Text:
    """Resource by resource, property by property, for one stack."""
    text = Text()
    text.append(f"\n{stack_label(stack)}", style="bold")
    text.append(f"  {counts(stack)}, {cost_text(stack)}\n")
    for entry in stack["resources"]:
        style = STYLES[entry["action"]]
        text.append(f"{SIGNS[entry['action']]:>3} {VERBS[entry['action']]} ", style=style)
        text.append(f"{entry['type']} ", style="dim")
        text.append(entry["name"], style=f"bold {style}")
        if entry.get("reason"):
            text.append(f"\n      {entry['reason']}", style="dim")
        text.append("\n")
        for change in entry["changes"]:
            text.append(f"      {change_text(change)}\n")
    return text


def diff_table(diff: dict[str, Any]) -> RenderableType:
    """Everything the terminal view shows, in reading order."""
    parts: list[RenderableType] = [summary_table(diff), clock_block(diff), alerts_block(diff)]
    parts += [stack_block(s) for s in diff["stacks"] if s["resources"]]
    if not any(s["resources"] for s in diff["stacks"]):
        parts.append(Text("No changes in any stack."))
    return Group(*parts)
