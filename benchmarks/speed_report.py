"""The benchmark's figures: statistics, ratios to the floor, cost per resource, target checks, table."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_RATIO_TO_FLOOR = 1.5
# `plan --all` (every stack in one process) against the prod plan alone, measured in the same rounds.
MAX_ALL_TO_PROD = 1.5
MAX_GROWTH_PER_RESOURCE = 1.5
# Issue #33: the cost of a resource added from 100 to 500 pools at most 1.2x that from 10 to 100
# (growth close to linear), and 1,000 resources planned in under 4 s (it was 15 s before).
MAX_MARGINAL_GROWTH = 1.2
LARGE_STACK_RESOURCES, LARGE_STACK_SECONDS = 1000, 4.0


@dataclass(frozen=True)
class Summary:
    """Median and spread of one case's samples, in seconds."""

    median: float
    minimum: float
    maximum: float
    q1: float
    q3: float
    samples: tuple[float, ...]


def summarize(samples: Sequence[float]) -> Summary:
    """Median, min/max and quartiles (inclusive method, so two samples give their own range)."""
    if not samples:
        raise ValueError("no samples to summarize")
    values = tuple(samples)
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
    return Summary(statistics.median(values), min(values), max(values), q1, q3, values)


@dataclass
class Case:
    """One thing measured: its command, and what the warm-up learnt about it."""

    name: str
    kind: str  # floor, stack, all or synthetic
    command: list[str]
    resources: int | None = None
    sdk_modules: list[str] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def case_result(case: Case, floor: Case) -> dict[str, Any]:
    """One plan's figures: spread, its floor's, the ratios to that floor and cost per resource above it."""
    wall, cpu = summarize(case.wall), summarize(case.cpu)
    floor_wall, floor_cpu = summarize(floor.wall), summarize(floor.cpu)
    result: dict[str, Any] = {
        "name": case.name, "kind": case.kind, "resources": case.resources,
        "sdk_modules": len(case.sdk_modules), "wall": asdict(wall), "cpu": asdict(cpu),
        "floor": {"name": floor.name, "sdk_modules": len(floor.sdk_modules),
                  "wall": asdict(floor_wall), "cpu": asdict(floor_cpu)},
        "ratio_to_floor_wall": wall.median / floor_wall.median,
        "ratio_to_floor_cpu": cpu.median / floor_cpu.median,
        "ms_per_resource_wall": None, "ms_per_resource_cpu": None,
    }
    if case.resources:
        result["ms_per_resource_wall"] = 1000 * (wall.median - floor_wall.median) / case.resources
        result["ms_per_resource_cpu"] = 1000 * (cpu.median - floor_cpu.median) / case.resources
    return result


def floor_of(result: dict[str, Any], results: list[dict[str, Any]]) -> dict[str, Any]:
    """A plan's own floor; reports from before per-plan floors had one shared `floor` case."""
    return result.get("floor") or next(r for r in results if r["kind"] == "floor")


def add_marginal_costs(results: list[dict[str, Any]]) -> None:
    """Cost of each added resource between consecutive synthetic stacks: flat means linear growth.

    The time above the floor also holds fixed costs (the CLI's own imports, config, the runtime),
    which small stacks spread over few resources; the marginal cost leaves them out.
    """
    previous = None
    for r in results:
        if r["kind"] != "synthetic":
            continue
        for clock in ("wall", "cpu"):
            value = None
            if previous is not None and r["resources"] > previous["resources"]:
                added = r["resources"] - previous["resources"]
                value = 1000 * (r[clock]["median"] - previous[clock]["median"]) / added
            r[f"marginal_ms_per_resource_{clock}"] = value
        previous = r


def _growth(first: float | None, last: float | None) -> float:
    if first is None or last is None:
        return float("nan")
    return last / first if first > 0 else float("inf")


def targets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, each with the figure it was judged on and whether it is met."""
    checks: list[dict[str, Any]] = []

    def check(target: str, value: float, met: bool) -> None:
        checks.append({"target": target, "value": round(value, 2), "met": bool(met)})

    for r in results:
        if r["kind"] == "stack":
            for clock in ("wall", "cpu"):
                ratio = r[f"ratio_to_floor_{clock}"]
                check(f"{r['name']} at most {MAX_RATIO_TO_FLOOR}x the floor ({clock})", ratio,
                      ratio <= MAX_RATIO_TO_FLOOR)
    everything = next((r for r in results if r["kind"] == "all"), None)
    prod = next((r for r in results if r["name"] == "stack:prod"), None)
    if everything is not None and prod is not None:
        for clock in ("wall", "cpu"):
            ratio = everything[clock]["median"] / prod[clock]["median"]
            check(f"all stacks in one process ({everything['resources']} resources) at most {MAX_ALL_TO_PROD}x "
                  f"stack:prod alone ({clock})", ratio, ratio <= MAX_ALL_TO_PROD)
    synthetic = [r for r in results if r["kind"] == "synthetic" and r["resources"]]
    if len(synthetic) >= 2:
        small, large = synthetic[0], synthetic[-1]
        for clock in ("wall", "cpu"):
            growth = _growth(small[f"ms_per_resource_{clock}"], large[f"ms_per_resource_{clock}"])
            check(f"ms/resource {large['name']} vs {small['name']} at most {MAX_GROWTH_PER_RESOURCE}x ({clock})",
                  growth, growth <= MAX_GROWTH_PER_RESOURCE)
    if len(synthetic) >= 3:
        first, last = synthetic[1], synthetic[-1]
        for clock in ("wall", "cpu"):
            growth = _growth(first.get(f"marginal_ms_per_resource_{clock}"),
                             last.get(f"marginal_ms_per_resource_{clock}"))
            check(f"marginal ms/resource up to {last['name']} vs up to {first['name']} at most "
                  f"{MAX_MARGINAL_GROWTH}x ({clock})", growth, growth <= MAX_MARGINAL_GROWTH)
    big = [r for r in synthetic if r["resources"] >= LARGE_STACK_RESOURCES]
    if big:
        r = big[0]
        # Scaled down linearly from the measured stack, fixed costs included, so never optimistic.
        # CPU time too: on a loaded machine it is what the plan would take with a core to itself.
        floor = floor_of(r, results)
        for clock in ("wall", "cpu"):
            above = r[clock]["median"] - floor[clock]["median"]
            estimate = floor[clock]["median"] + above * LARGE_STACK_RESOURCES / r["resources"]
            check(f"{LARGE_STACK_RESOURCES} resources under {LARGE_STACK_SECONDS:g} s ({clock}, scaled from "
                  f"{r['name']}: {r['resources']} resources in {r[clock]['median']:.1f} s)",
                  estimate, estimate < LARGE_STACK_SECONDS)
    return checks


def print_report(report: dict[str, Any]) -> None:
    """The report as a rich table plus the target checks."""
    from rich.console import Console
    from rich.table import Table

    m = report["machine"]
    table = Table(title=f"mlinfra plan speed, {report['date']}, {m['cpus']} cores, {m['memory_gib']} GiB, "
                        f"Python {m['python']}, median of {report['runs']} runs after a warm-up, bytecode "
                        f"{'cached' if report['bytecode_cache'] else 'not cached'}")
    for column in ("case", "resources", "SDK modules", "floor s", "wall s", "wall min-max", "CPU s",
                   "x floor wall", "x floor CPU", "ms/res wall", "ms/res CPU", "marginal ms/res wall",
                   "marginal ms/res CPU"):
        table.add_column(column, justify="left" if column == "case" else "right")

    def ms(value: float | None) -> str:
        return "" if value is None else f"{value:.2f}"

    for r in report["cases"]:
        floor = r.get("floor")
        table.add_row(r["name"], "" if r["resources"] is None else str(r["resources"]), str(r["sdk_modules"]),
                      f"{floor['wall']['median']:.2f}" if floor else "",
                      f"{r['wall']['median']:.2f}", f"{r['wall']['minimum']:.2f}-{r['wall']['maximum']:.2f}",
                      f"{r['cpu']['median']:.2f}", f"{r['ratio_to_floor_wall']:.2f}",
                      f"{r['ratio_to_floor_cpu']:.2f}", ms(r["ms_per_resource_wall"]),
                      ms(r["ms_per_resource_cpu"]), ms(r.get("marginal_ms_per_resource_wall")),
                      ms(r.get("marginal_ms_per_resource_cpu")))
    # Wide enough for the table when written to a file or a pipe (rich assumes 80 columns there).
    # emoji=False: rich would turn "pools:100:" into an emoji.
    console = Console(width=max(Console().width, 160), emoji=False)
    console.print(table)
    floors = (f"floor: {report['floor_modules']} Pulumi modules, shared by every plan" if "floor_modules" in report
              else "floor: per plan, a process importing the Pulumi modules that plan loaded")
    console.print(f"{floors}; load average before {m['load_average']}, after {report['load_average_after']}")
    for w in report.get("watch", []):
        console.print(f"{w['name']} ({w['resources']} resources): a one-field edit re-planned in "
                      f"{w['wall']['median']:.2f} s wall ({w['wall']['minimum']:.2f}-{w['wall']['maximum']:.2f}), "
                      f"{w['cpu']['median']:.2f} s CPU with the pack's, median of {w['runs']}; the first plan "
                      f"{w['first_plan_seconds']:.2f} s")
    for check in report["targets"]:
        mark = "[green]met[/]" if check["met"] else "[red]NOT met[/]"
        console.print(f"{mark}  {check['target']}: {check['value']}")


def markdown_table(report: dict[str, Any]) -> str:
    """The README's table: one row per plan, against its own floor."""
    lines = ["| case | resources | SDK modules | floor s | wall s, median (min-max) | CPU s "
             "| × floor (wall / CPU) | ms per resource above floor (wall / CPU) "
             "| marginal ms per resource (wall / CPU) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]

    def pair(a: float | None, b: float | None, digits: int = 1) -> str:
        return "" if a is None or b is None else f"{a:.{digits}f} / {b:.{digits}f}"

    for r in report["cases"]:
        floor = floor_of(r, report["cases"])
        lines.append(
            f"| `{r['name']}` | {r['resources'] or ''} | {r['sdk_modules']} | {floor['wall']['median']:.2f} "
            f"| {r['wall']['median']:.2f} ({r['wall']['minimum']:.2f}-{r['wall']['maximum']:.2f}) "
            f"| {r['cpu']['median']:.2f} | {pair(r['ratio_to_floor_wall'], r['ratio_to_floor_cpu'], 2)} "
            f"| {pair(r['ms_per_resource_wall'], r['ms_per_resource_cpu'])} "
            f"| {pair(r.get('marginal_ms_per_resource_wall'), r.get('marginal_ms_per_resource_cpu'))} |")
    return "\n".join(lines) + "\n"


BEGIN, END = "<!-- plan-speed:begin -->", "<!-- plan-speed:end -->"


def readme_block(report: dict[str, Any], json_path: str) -> str:
    """What `--publish` writes between the README's markers: provenance, the table, every target."""
    m = report["machine"]
    lines = [
        BEGIN,
        f"{m['cpus']} cores, {m['memory_gib']} GiB, Python {m['python']}, {report['date']}, median of "
        f"{report['runs']} whole-process runs after a warm-up, each plan against its own floor; load average "
        f"{m['load_average'][0]:g} before and {report['load_average_after'][0]:g} after (a shared machine: "
        f"compare the ratios, not the seconds)" + (f", code at `{report['commit']}`" if report.get("commit") else "")
        + f": `{json_path}`.",
        "",
        markdown_table(report).rstrip("\n"),
        "",
        "Targets, judged by this run:",
        "",
    ]
    lines += [f"- {'met' if c['met'] else '**NOT met**'}: {c['target']}: {c['value']:g}" for c in report["targets"]]
    lines.append(END)
    return "\n".join(lines) + "\n"


def replace_block(text: str, block: str) -> str:
    """`text` with the part between the markers (inclusive) replaced by `block`."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README has no {BEGIN} ... {END} section to replace")
    after = text.index("\n", end) + 1 if "\n" in text[end:] else len(text)
    return text[:start] + block + text[after:]
