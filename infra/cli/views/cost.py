"""Human views of a plan's cost: a rich table for the terminal, markdown for pull requests."""

from __future__ import annotations

from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.table import Table

from infra.plan.cost_coverage import covers_words, dates_words


def _usd(value: float) -> str:
    return f"{value:,.4f}" if value < 1 else f"{value:,.2f}"


def totals_line(cost: dict[str, Any]) -> str:
    """Idle and peak totals in one line, then what they cover and the prices' own dates."""
    idle, peak = cost["totals"]["idle"], cost["totals"]["peak"]
    return (f"Idle {_usd(idle['usdPerHour'])} USD/h ({idle['usdPerMonth']:,.2f} USD/month) · "
            f"peak {_usd(peak['usdPerHour'])} USD/h ({peak['usdPerMonth']:,.2f} USD/month) · "
            f"{covers_words(cost)} · {dates_words(cost)}")


def _notes(cost: dict[str, Any]) -> list[str]:
    notes = []
    budget = cost.get("budget")
    if budget:
        notes.append(f"OVER BUDGET: {budget['message']}" if budget["exceeded"]
                     else f"Within the budget of {budget['usdPerHour']:.2f} USD/h")
    notes += [f"Unpriced: {u['name']} ({u['type']}): {u['reason']}" for u in cost["unpriced"]]
    notes += [f"Usage-based, no volume assumed: {u['name']} ({u['type']}) {u['usd']} USD per {u['unit']}"
              for u in cost["usage"]]
    notes += [f"Assumption: {a}" for a in cost["assumptions"]]
    sources = sorted({f"{i['source']} (as of {i['asOf']})" for i in [*cost["items"], *cost["usage"]]})
    notes += [f"Source: {s}" for s in sources]
    return notes


# Below this many columns the hourly figures give way (the totals line under the table keeps
# them), so names and monthly totals are never cut; at 80 columns (CI logs, pipes) they would be.
WIDE_TABLE = 120


def cost_table(cost: dict[str, Any]) -> Group | str:
    """Priced resources with idle and peak cost, totals, then what is unpriced and why."""
    if not cost:
        return ""
    return Group(_CostTable(cost), totals_line(cost), *_notes(cost))


class _CostTable:
    """The table, laid out for the width it is rendered at."""

    def __init__(self, cost: dict[str, Any]) -> None:
        self.cost = cost

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield _table(self.cost, hourly=options.max_width >= WIDE_TABLE)


def _table(cost: dict[str, Any], hourly: bool) -> Table:
    idle, peak = cost["totals"]["idle"], cost["totals"]["peak"]
    headers = ["Resource", "Kind", "Detail", "Idle /h", "Peak /h", "Idle /month", "Peak /month"]
    rows = [[item["name"], item["kind"], item["detail"], _usd(item["idleUsdPerHour"]), _usd(item["peakUsdPerHour"]),
             f"{item['idleUsdPerMonth']:,.2f}", f"{item['peakUsdPerMonth']:,.2f}"] for item in cost["items"]]
    total = ["[bold]Total priced[/bold]", "", "", _usd(idle["usdPerHour"]), _usd(peak["usdPerHour"]),
             f"{idle['usdPerMonth']:,.2f}", f"{peak['usdPerMonth']:,.2f}"]
    if not hourly:
        # Narrow: kind and detail share a column and the hourly figures go (the totals line has them).
        headers = ["Resource", "Kind: detail", "Idle /month", "Peak /month"]
        rows = [[r[0], f"{r[1]}: {r[2]}", r[5], r[6]] for r in rows]
        total = [total[0], "", total[5], total[6]]
    figures = len(headers) - (4 if hourly else 2)
    table = Table(title=f"Cost estimate ({cost['currency']}, {cost['hoursPerMonth']} h/month, "
                        f"{dates_words(cost)})")
    for index, header in enumerate(headers):
        if index < figures:
            # Folded, never elided: two names that share a prefix must still read differently.
            table.add_column(header, overflow="fold")
        else:
            # Figures never wrap or shrink: a cut total reads as a different number.
            widest = max(len(r[index]) for r in [*rows, total])
            table.add_column(header, justify="right", no_wrap=True, min_width=max(widest, len(header)))
    for row in rows:
        table.add_row(*row)
    table.add_row(*total, end_section=True)
    return table


def cost_markdown(cost: dict[str, Any]) -> str:
    """The cost section of a pull-request comment."""
    if not cost:
        return ""
    lines = ["#### Cost estimate", "", totals_line(cost), "",
             "| Resource | Kind | Detail | Idle USD/h | Peak USD/h | Peak USD/month |",
             "| --- | --- | --- | ---: | ---: | ---: |"]
    lines += [f"| {i['name']} | {i['kind']} | {i['detail']} | {_usd(i['idleUsdPerHour'])} | "
              f"{_usd(i['peakUsdPerHour'])} | {i['peakUsdPerMonth']:,.2f} |" for i in cost["items"]]
    lines += [""] + [f"- {note}" for note in _notes(cost)]
    return "\n".join(lines) + "\n"
