"""Markdown table rows for pull-request comments, written once for every view."""

from __future__ import annotations

from collections.abc import Iterable


def cell(text: str) -> str:
    """Text safe inside one table cell: a `|` would end the cell and a newline the row."""
    return text.replace("|", "\\|").replace("\n", " ").strip()


def row(cells: Iterable[str]) -> str:
    """One table row from raw cell texts."""
    return "| " + " | ".join(cell(c) for c in cells) + " |"
