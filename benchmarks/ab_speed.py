"""Before and after, side by side: the same plans from two checkouts, run in turns in one session.

    git worktree add --detach ../before main && (cd ../before && uv sync --frozen)
    uv run python -m benchmarks.ab_speed --before ../before --runs 3 --json ab.json

On a shared machine the load changes from minute to minute, so two benchmark runs an hour apart
cannot be compared. Here every round plans each case with the `before` checkout and with this one
back to back, alternating which goes first (ABBA), so both see the same load; the report gives each
side's medians, the after/before ratio per case, and each side's growth (the marginal cost per
resource from the middle to the largest stack against that from the smallest to the middle, the
figure issue #33 sets at most 1.2x). Each side runs with its own interpreter and venv, on the same
generated stacks (benchmarks/plan_speed.py's, 25 pools per cluster), and the JSON documents of the
two sides are compared: the figures only count if both plan the same thing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.plan_speed import REPO_ROOT, child_env, commit, machine, plan_command, run_timed, write_synthetic_stack

DEFAULT_POOLS = (10, 100, 500)
SIDES = ("before", "after")


def growth(samples: dict[int, dict[str, list[float]]], resources: dict[int, int], clock: str) -> float | None:
    """Marginal ms/resource from the middle to the largest stack over that from the smallest to the middle."""
    if len(resources) < 3:
        return None
    small, middle, large = sorted(resources)[0], sorted(resources)[-2], sorted(resources)[-1]
    med = {pools: statistics.median(samples[pools][clock]) for pools in (small, middle, large)}
    first = (med[middle] - med[small]) / (resources[middle] - resources[small])
    last = (med[large] - med[middle]) / (resources[large] - resources[middle])
    return last / first if first > 0 else None


def report_of(samples: dict[str, dict[int, dict[str, list[float]]]], resources: dict[int, int]) -> dict[str, Any]:
    """Medians per side and case, after/before ratios, and each side's growth."""
    cases = []
    for pools in sorted(resources):
        row: dict[str, Any] = {"name": f"pools:{pools}", "resources": resources[pools]}
        for side in SIDES:
            row[side] = {clock: statistics.median(samples[side][pools][clock]) for clock in ("wall", "cpu")}
            row[f"{side}_samples"] = samples[side][pools]
        row["ratio"] = {clock: row["after"][clock] / row["before"][clock] for clock in ("wall", "cpu")}
        cases.append(row)
    return {"cases": cases,
            "growth": {side: {clock: growth(samples[side], resources, clock) for clock in ("wall", "cpu")}
                       for side in SIDES}}


def measure(before: Path, runs: int, pool_sizes: Sequence[int], log=print) -> dict[str, Any]:
    """Warm up both sides on every case, check they plan the same, then time them in ABBA rounds."""
    roots = {"before": before.resolve(), "after": REPO_ROOT}
    pythons = {side: str(root / ".venv" / "bin" / "python") for side, root in roots.items()}
    info, started = machine(), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with tempfile.TemporaryDirectory(prefix="mlinfra-ab-") as tmp:
        work = Path(tmp)
        env = child_env(True, work)
        stacks = {pools: write_synthetic_stack(work, pools) for pools in pool_sizes}
        resources: dict[int, int] = {}
        for pools, stack in stacks.items():
            documents = {}
            for side in SIDES:
                log(f"warm-up {side} pools:{pools}")
                out = work / f"{side}-{stack}.json"
                run_timed(plan_command(pythons[side], stack, work, str(out)), env, cwd=roots[side])
                documents[side] = json.loads(out.read_text())
            if documents["before"] != documents["after"]:
                raise SystemExit(f"pools:{pools}: the two sides planned different documents; no comparison")
            resources[pools] = documents["after"]["counts"]["total"]
        samples = {side: {pools: {"wall": [], "cpu": []} for pools in stacks} for side in SIDES}
        for round_number in range(runs):
            log(f"round {round_number + 1}/{runs}")
            order = SIDES if round_number % 2 == 0 else SIDES[::-1]
            for pools, stack in stacks.items():
                for side in order:
                    wall, cpu = run_timed(plan_command(pythons[side], stack, work), env, cwd=roots[side])
                    samples[side][pools]["wall"].append(wall)
                    samples[side][pools]["cpu"].append(cpu)
    return {"benchmark": "mlinfra plan speed, before and after", "date": started, "machine": info, "runs": runs,
            "commit": {"before": commit(roots["before"]), "after": commit()},
            **report_of(samples, resources), "load_average_after": [round(x, 2) for x in os.getloadavg()]}


def print_report(report: dict[str, Any]) -> None:
    """The two sides' medians and ratios per case, and each side's growth."""
    print(f"{report['date']}, {report['machine']['cpus']} cores, load {report['machine']['load_average']} -> "
          f"{report['load_average_after']}, {report['runs']} ABBA rounds; before {report['commit']['before']}, "
          f"after {report['commit']['after']}")
    print(f"{'case':<10} {'resources':>9} {'before wall':>11} {'after wall':>10} {'ratio':>6} "
          f"{'before CPU':>10} {'after CPU':>9} {'ratio':>6}")
    for c in report["cases"]:
        print(f"{c['name']:<10} {c['resources']:>9} {c['before']['wall']:>11.2f} {c['after']['wall']:>10.2f} "
              f"{c['ratio']['wall']:>6.2f} {c['before']['cpu']:>10.2f} {c['after']['cpu']:>9.2f} "
              f"{c['ratio']['cpu']:>6.2f}")
    for side in SIDES:
        g = report["growth"][side]
        shown = ", ".join(f"{clock} {value:.2f}x" if value is not None else f"{clock} n/a"
                          for clock, value in g.items())
        print(f"growth ({side}): marginal ms/resource up to the largest vs up to the middle stack: {shown}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout (with its own .venv)")
    parser.add_argument("--runs", type=int, default=3, help="ABBA rounds (default 3)")
    parser.add_argument("--pools", default=",".join(map(str, DEFAULT_POOLS)),
                        help="GPU pool counts of the generated stacks, comma-separated (at least three for growth)")
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not (args.before / ".venv" / "bin" / "python").exists():
        parser.error(f"--before {args.before}: no .venv/bin/python there (run `uv sync --frozen` in it)")
    report = measure(args.before, args.runs, [int(p) for p in args.pools.split(",") if p.strip()],
                     log=lambda message: print(message, file=sys.stderr))
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
