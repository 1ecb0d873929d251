"""Human views of a plan's cost: a rich table for the terminal, markdown for pull requests."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table


def _usd(value: float) -> str:
    return f"{value:,.4f}" if value < 1 else f"{value:,.2f}"


def totals_line(cost: dict[str, Any]) -> str:
    """Idle and peak totals in one line."""
    idle, peak = cost["totals"]["idle"], cost["totals"]["peak"]
    return (f"Idle {_usd(idle['usdPerHour'])} USD/h ({idle['usdPerMonth']:,.2f} USD/month) · "
            f"peak {_usd(peak['usdPerHour'])} USD/h ({peak['usdPerMonth']:,.2f} USD/month)")


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
    sources = sorted({f"{i['source']} (as of {i['asOf']})" for i in cost["items"]})
    notes += [f"Source: {s}" for s in sources]
    return notes


def cost_table(cost: dict[str, Any]) -> Group | str:
    """Priced resources with idle and peak cost, totals, then what is unpriced and why."""
    if not cost:
        return ""
    table = Table(title=f"Cost estimate ({cost['currency']}, {cost['hoursPerMonth']} h/month, "
                        f"prices as of {cost['priceDate']})")
    for column in ("Resource", "Kind", "Detail"):
        table.add_column(column)
    for column in ("Idle /h", "Peak /h", "Idle /month", "Peak /month"):
        table.add_column(column, justify="right")
    for item in cost["items"]:
        table.add_row(item["name"], item["kind"], item["detail"], _usd(item["idleUsdPerHour"]),
                      _usd(item["peakUsdPerHour"]), f"{item['idleUsdPerMonth']:,.2f}",
                      f"{item['peakUsdPerMonth']:,.2f}")
    idle, peak = cost["totals"]["idle"], cost["totals"]["peak"]
    table.add_row("[bold]Total[/bold]", "", "", _usd(idle["usdPerHour"]), _usd(peak["usdPerHour"]),
                  f"{idle['usdPerMonth']:,.2f}", f"{peak['usdPerMonth']:,.2f}", end_section=True)
    return Group(table, totals_line(cost), *_notes(cost))


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
