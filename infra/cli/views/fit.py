"""A table that never breaks an identifier: a grid when it fits, one record per row when it does not.

Rich wraps a cell at spaces while every column's longest word fits; below that it cuts words
(`dev-metrics-targ│et`, `mlinfra:aws.pe│rmissions_boun│dary_arn`). So the table is measured at the
width it is given: when even its narrowest layout (each column as wide as its longest word) is too
wide, each row is printed as a record instead, its key cells on one line and each other cell
below, indented, wrapped at spaces only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.padding import Padding
from rich.table import Table
from rich.text import Text


class FitTable:
    """Rows under headers; `keys` leading columns name the row (identifiers), the rest describe it."""

    def __init__(self, title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], keys: int = 1,
                 column_options: dict[str, dict[str, Any]] | None = None, markup: bool = False) -> None:
        self.title, self.headers, self.rows, self.keys = title, list(headers), [list(r) for r in rows], keys
        self.column_options = column_options or {}
        self.markup = markup

    def _plain(self, cell: str) -> str:
        return Text.from_markup(cell).plain if self.markup else cell

    def _widths(self) -> tuple[list[int], list[int]]:
        """Per column: the widest thing that must stay whole (its longest word, or its whole cell if
        no_wrap) and its natural width (its longest line)."""
        minimums, naturals = [], []
        for index, header in enumerate(self.headers):
            whole = self.column_options.get(header, {}).get("no_wrap", False)
            lines = [line for cell in [header] + [self._plain(row[index]) for row in self.rows]
                     for line in cell.splitlines() or [""]]
            naturals.append(max(cell_len(line) for line in lines))
            minimums.append(naturals[-1] if whole else max((cell_len(w) for line in lines for w in line.split()),
                                                           default=1))
        return minimums, naturals

    @staticmethod
    def share(minimums: list[int], naturals: list[int], room: int) -> list[int]:
        """Column widths within `room`: every minimum, then what is left to the columns short of natural,
        one character at a time to the one furthest from it (a fixed width each, so rich cuts no word)."""
        widths = list(minimums)
        spare = room - sum(widths)
        while spare > 0:
            short = [(naturals[i] - widths[i], -i) for i in range(len(widths)) if widths[i] < naturals[i]]
            if not short:
                break
            widths[-max(short)[1]] += 1
            spare -= 1
        return widths

    def table(self, widths: list[int]) -> Table:
        table = Table(title=self.title, show_lines=False)
        for header, width in zip(self.headers, widths, strict=True):
            options = {"overflow": "fold", **self.column_options.get(header, {})}
            options.pop("ratio", None)
            table.add_column(header, width=width, **options)
        for row in self.rows:
            table.add_row(*(cell if self.markup else Text(cell) for cell in row))
        return table

    def _text(self, cell: str) -> Text:
        return Text.from_markup(cell) if self.markup else Text(cell)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        minimums, naturals = self._widths()
        # Each column: its cell, one space of padding each side, one border; plus the table's last border.
        room = options.max_width - 3 * len(minimums) - 1
        if sum(minimums) <= room:
            yield self.table(self.share(minimums, naturals, room))
            return
        yield Text(self.title, style="bold")
        for row in self.rows:
            yield Text("  ").join(self._text(cell) for cell in row[: self.keys] if cell)
            for header, cell in zip(self.headers[self.keys:], row[self.keys:], strict=True):
                if cell:
                    yield Padding(Text(f"{header}: ", style="dim") + self._text(cell), (0, 0, 0, 4))
