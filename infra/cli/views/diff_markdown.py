"""The diff as markdown for a pull-request comment, optionally kept under a size limit.

The summary line of every stack and every protected/retained deletion always stay. When the
text would pass `max_chars`, the details of the largest stacks go first, and the comment says
which stacks were left out and where the rest is: nothing is ever cut silently.
"""

from __future__ import annotations

from typing import Any

from infra.cli.views.diff_text import VERBS, change_text, guard_words, stack_label, summary_line

DEFAULT_REST_AT = "the full output of `mlinfra diff --format markdown` without `--max-chars`"


def code(text: str) -> str:
    """An inline code span that survives backticks in the text."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def header(diff: dict[str, Any]) -> list[str]:
    """Title, one summary line per stack, then what would delete protected or retained resources."""
    lines = [f"### Plan diff: {code(diff['base'])} → {code(diff['head'])}", ""]
    lines += [f"- {summary_line(s)}" for s in diff["stacks"]]
    if diff["alerts"]:
        lines += ["", "> [!WARNING]", "> **Protected or retained resources that would be deleted or replaced:**"]
        lines += [f"> - {stack_label(a)}: **{a['action']}** {code(a['type'])} {code(a['name'])} "
                  f"({guard_words(a)})" for a in diff["alerts"]]
    return lines


def stack_details(stack: dict[str, Any]) -> str:
    """Resource by resource, property by property, for one stack."""
    lines = [f"#### {summary_line(stack)}", ""]
    for entry in stack["resources"]:
        line = f"- **{VERBS[entry['action']]}** {code(entry['type'])} {code(entry['name'])}"
        if entry.get("reason"):
            line += f": {entry['reason']}"
        lines.append(line)
        lines += [f"  - {code(change_text(c))}" for c in entry["changes"]]
    return "\n".join(lines) + "\n"


def diff_markdown(diff: dict[str, Any], max_chars: int | None = None, rest_at: str = DEFAULT_REST_AT) -> str:
    """The comment: header, then each changed stack's details, within `max_chars` when given."""
    details = {i: stack_details(s) for i, s in enumerate(diff["stacks"]) if s["resources"]}
    left_out: list[int] = []
    text = _compose(diff, details, left_out, rest_at)
    if max_chars is None:
        return text
    # Largest first: one big stack costs the fewest stacks their details.
    for index in sorted(details, key=lambda i: -len(details[i])):
        if len(text) <= max_chars:
            break
        left_out.append(index)
        text = _compose(diff, details, left_out, rest_at)
    if len(text) > max_chars:
        note = f"\n\n**Cut at {max_chars:,} characters: the rest is in {rest_at}.**\n"
        text = text[:max(0, max_chars - len(note))] + note
    return text


def _compose(diff: dict[str, Any], details: dict[int, str], left_out: list[int], rest_at: str) -> str:
    lines = header(diff)
    if left_out:
        names = ", ".join(f"{stack_label(diff['stacks'][i])} ({len(details[i]):,} characters)"
                          for i in sorted(left_out))
        lines += ["", f"**Details left out to fit this comment: {names}. They are in {rest_at}.**"]
    text = "\n".join(lines) + "\n"
    for index, block in details.items():
        if index in left_out:
            text += f"\n#### {summary_line(diff['stacks'][index])}\n\n_Details left out: see {rest_at}._\n"
        else:
            text += "\n" + block
    return text
