"""The edit loop: how long `mlinfra plan STACK --watch` takes to re-plan after a one-field edit.

    uv run python -m benchmarks.watch_speed --stack dev --runs 7      # a table on the terminal
    uv run python -m benchmarks.plan_speed ...                         # includes it as `watch:dev`

One child process copies the stack file to a temporary folder, plans it once (the warm-up: SDKs
imported, pack started), then edits one field (a GPU pool's max_nodes, back and forth) and times
each re-plan: wall clock, and CPU of this process plus the policy pack's (read from /proc, since
the pack runs on through every re-plan). Each re-plan is the whole of what a watch does: program,
policy check (every rule), cost and the plan document. Target: under 1 s on wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 1.0
# The field edited: the first pool's max_nodes in the stack file, toggled between its value and one more.
_MAX_NODES = re.compile(r"(max_nodes: )(\d+)")


def _pack_cpu(pid: int) -> float:
    """User + system seconds the pack process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _child(stack: str, runs: int) -> dict[str, Any]:
    """Measured inside the child: a warm-up plan, then `runs` edits, each re-planned and timed."""
    from infra.offline.engine import STACKS_DIR
    from infra.plan.watch import StackWatch

    with tempfile.TemporaryDirectory(prefix="mlinfra-watch-") as tmp:
        folder = Path(tmp)
        shutil.copy(STACKS_DIR / f"Pulumi.{stack}.yaml", folder)
        path = folder / f"Pulumi.{stack}.yaml"
        original = path.read_text()
        match = _MAX_NODES.search(original)
        if match is None:
            raise SystemExit(f"stack {stack} has no max_nodes to edit")
        watch = StackWatch(stack, folder)
        try:
            first_started = time.perf_counter()
            warm_up = watch.plan()
            first = time.perf_counter() - first_started
            if warm_up.exit_code not in (0, 1):
                raise SystemExit(f"planning {stack} failed ({warm_up.exit_code}): {warm_up.error}")
            walls, cpus = [], []
            for run in range(runs):
                value = int(match.group(2)) + (1 if run % 2 == 0 else 0)
                path.write_text(original[:match.start(2)] + str(value) + original[match.end(2):])
                pack = watch.analyzer.proc.pid
                cpu_before, pack_before = time.process_time(), _pack_cpu(pack)
                started = time.perf_counter()
                outcome = watch.plan()
                walls.append(time.perf_counter() - started)
                cpus.append(time.process_time() - cpu_before + _pack_cpu(pack) - pack_before)
                if outcome.exit_code not in (0, 1):
                    raise SystemExit(f"re-planning {stack} failed ({outcome.exit_code}): {outcome.error}")
            resources = outcome.document["counts"]["total"]
        finally:
            watch.close()
    return {"stack": stack, "resources": resources, "first_plan_seconds": round(first, 3),
            "wall": walls, "cpu": cpus}


def measure(stack: str, runs: int, python: str = sys.executable, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run the child and summarise: median, minimum and maximum re-plan seconds, wall and CPU."""
    proc = subprocess.run([python, "-m", "benchmarks.watch_speed", "--child", stack, "--runs", str(runs)],
                          cwd=REPO_ROOT, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"the watch benchmark of {stack} failed ({proc.returncode}):\n{proc.stderr}")
    raw = json.loads(proc.stdout.strip().splitlines()[-1])
    summary = {clock: {"median": round(statistics.median(raw[clock]), 3), "minimum": round(min(raw[clock]), 3),
                       "maximum": round(max(raw[clock]), 3)} for clock in ("wall", "cpu")}
    return {"name": f"watch:{stack}", "resources": raw["resources"], "runs": runs,
            "first_plan_seconds": raw["first_plan_seconds"], **summary}


def watch_targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's target for the edit loop, judged on the median re-plan."""
    return [{"target": f"{result['name']}: a one-field edit re-planned in under {TARGET_SECONDS:g} s ({clock})",
             "value": result[clock]["median"], "met": result[clock]["median"] < TARGET_SECONDS}
            for clock in ("wall", "cpu")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", metavar="STACK", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.child:
        print(json.dumps(_child(args.child, args.runs)))
        return 0
    result = measure(args.stack, args.runs)
    print(json.dumps(result, indent=2))
    for target in watch_targets(result):
        print(f"{'met' if target['met'] else 'NOT met'}: {target['target']}: {target['value']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
