"""Plan speed: `mlinfra plan` against the floor set by importing the Pulumi SDKs, and how it grows.

    uv run python -m benchmarks.plan_speed              # table on the terminal
    uv run python -m benchmarks.plan_speed --json out.json --runs 7

Every figure is a whole process (interpreter start, imports, plan, JSON written to /dev/null),
timed several times after a warm-up, in rounds that visit every case once, so a burst of load on
a shared machine hits all cases alike. Compare the ratios, not the seconds, across machines.

- floor:<case>: per plan, a process that imports exactly the Pulumi modules that plan loaded
  (found by running the plan once and listing the loaded `pulumi*` modules), with the same
  interpreter and venv. Each plan is compared with its own floor: an AWS-only stack never pays
  for the GCP SDK, so a floor shared by all stacks would flatter it.
- stack:<name>: `python -m infra.cli plan <name> --format json --out /dev/null` per stack file.
- pools:<n>: the same for a stack generated here with n GPU pools spread over clusters.
- all: `python -m infra.cli plan --all --format json --out-dir DIR`, every stack and the bootstrap
  in one process, measured in the same rounds as `stack:prod` so the two are compared side by side
  (target: at most 1.5x the prod plan alone).
- watch:<stack>: a one-field edit re-planned by `mlinfra plan STACK --watch`, warm, in one process
  (benchmarks/watch_speed.py; target: under 1 s).

Each is timed in wall-clock and CPU seconds (CPU: what the plan costs with a core to itself).
Time per resource is the time above the floor divided by the resources planned; the marginal
cost (between consecutive generated stacks) leaves out fixed costs and shows whether growth is
linear. `--show FILE` reprints a report saved with `--json`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from benchmarks.speed_report import (
    Case,
    add_marginal_costs,
    case_result,
    print_report,
    readme_block,
    replace_block,
    targets,
)
from benchmarks.watch_speed import measure as measure_watch
from benchmarks.watch_speed import watch_targets

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
# The Performance page of the documentation site holds the published table (between its markers).
README = REPO_ROOT / "docs" / "development" / "performance.md"
STACKS_DIR = REPO_ROOT / "stacks"
DEFAULT_POOLS = (10, 100, 500)
# EKS allows 30 managed node groups per cluster by default; stay under it, as a real platform would.
POOLS_PER_CLUSTER = 25
# Single-GPU AWS machines from the catalog, cycled so pools differ.
ACCELERATORS = ("nvidia-l4", "nvidia-t4", "nvidia-a10g", "nvidia-h100-80gb")

# Runs `mlinfra plan` in this process, then lists the Pulumi modules that are really loaded:
# provider SDKs import their submodules lazily, and one never touched costs nothing.
PROBE = """
import json, sys
from infra.cli.main import main
modules_out, *args = sys.argv[1:]
try:
    main(args, prog_name="mlinfra")
except SystemExit as exc:
    code = exc.code or 0
else:
    code = 0
loaded = sorted(name for name, module in list(sys.modules.items())
                if module is not None and name.split(".")[0].startswith("pulumi")
                and type(module).__name__ != "_LazyModule")
with open(modules_out, "w") as f:
    json.dump(loaded, f)
sys.exit(code)
"""

FLOOR = '''"""SDK import floor: the Pulumi modules `mlinfra plan` loaded, imported and nothing else."""
import importlib
import os

MODULES = {modules!r}
for name in MODULES:
    module = importlib.import_module(name)
    # Provider SDKs load a submodule on first attribute access; touch one so it loads as in the plan.
    getattr(module, "__all__", None)
# Ended the way `mlinfra plan` ends (infra/cli/process_exit.py): the floor is the cost of importing,
# not of tearing a thousand modules down again (about 2 s on prod), which the plan no longer pays.
os._exit(0)
'''


class BenchmarkError(RuntimeError):
    """A measured command failed; the message carries its output."""


def synthetic_stack(pools: int, pools_per_cluster: int = POOLS_PER_CLUSTER) -> dict[str, Any]:
    """A valid dev stack file with `pools` GPU pools over ceil(pools / pools_per_cluster) clusters."""
    if pools < 1 or pools_per_cluster < 1:
        raise ValueError(f"need at least one pool and one pool per cluster (got {pools}, {pools_per_cluster})")
    if (pools - 1) // pools_per_cluster > 255:
        raise ValueError(f"at most 256 clusters fit the 10.<n>.0.0/16 ranges (got {pools} pools, "
                         f"{pools_per_cluster} per cluster)")
    clusters: dict[str, Any] = {}
    for index in range(pools):
        number = index // pools_per_cluster
        cluster = clusters.setdefault(f"c{number:02d}", {
            "cloud": "aws",
            # Distinct ranges, as peered production networks need.
            "network": {"cidr": f"10.{number}.0.0/16", "zones": 2, "nat": "single"},
            "gpu_pools": {},
        })
        cluster["gpu_pools"][f"p{index:03d}"] = {
            "accelerator": ACCELERATORS[index % len(ACCELERATORS)],
            "gpus_per_node": 1,
            "min_nodes": 0,
            "max_nodes": 2,
            "capacity": "spot" if index % 2 else "on-demand",
        }
    return {"config": {
        "mlinfra:environment": "dev",
        "mlinfra:tags": {"owner": "benchmark", "cost-center": "cc-bench"},
        # As the bootstrap's deploy role requires of every stack (README: First deployment).
        "mlinfra:aws": {"region": "us-east-1",
                        "permissions_boundary_arn": "arn:aws:iam::123456789012:policy/bench/bench-workload-boundary"},
        "mlinfra:clusters": clusters,
    }}


def write_synthetic_stack(stacks_dir: Path, pools: int, pools_per_cluster: int = POOLS_PER_CLUSTER) -> str:
    """Write `Pulumi.pools-<n>.yaml` into `stacks_dir`; returns the stack name."""
    name = f"pools-{pools}"
    text = yaml.safe_dump(synthetic_stack(pools, pools_per_cluster), sort_keys=False)
    (stacks_dir / f"Pulumi.{name}.yaml").write_text(text)
    return name


def plan_command(python: str, stack: str, stacks_dir: Path, out: str = "/dev/null") -> list[str]:
    """The measured command: the CLI as people run it, writing the JSON plan document."""
    return [python, "-m", "infra.cli", "plan", stack, "--format", "json", "--out", out,
            "--stacks-dir", str(stacks_dir)]


def plan_all_command(python: str, out_dir: Path, stacks_dir: Path = STACKS_DIR) -> list[str]:
    """The measured `all` case: every stack in one process, one JSON document per stack in `out_dir`."""
    return [python, "-m", "infra.cli", "plan", "--all", "--format", "json", "--out-dir", str(out_dir),
            "--stacks-dir", str(stacks_dir)]


def child_env(bytecode_cache: bool, cache_dir: Path) -> dict[str, str]:
    """Environment of every measured process; the same for the floor and the plans."""
    env = dict(os.environ)
    if bytecode_cache:
        # Python's default: the warm-up writes __pycache__ and every run after reads it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("PYTHONPYCACHEPREFIX", None)
    else:
        # Cold: look for bytecode in an empty folder and never write it, so every run compiles.
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = str(cache_dir)
    return env


def run_timed(command: Sequence[str], env: dict[str, str], cwd: Path = REPO_ROOT) -> tuple[float, float]:
    """Wall-clock and CPU (user + system, all threads) seconds of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise BenchmarkError(f"{' '.join(command)} exited {proc.returncode}:\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def probe(case: Case, python: str, work: Path, env: dict[str, str]) -> None:
    """Warm-up run of a plan: fills the bytecode cache, counts resources, lists SDK modules.

    Run with the case's own arguments; its output (a document, or for `all` a folder with an
    index) is where the resources are counted.
    """
    modules_out = work / f"{case.name}.modules.json"
    args = case.command[3:]
    proc = subprocess.run([python, "-c", PROBE, str(modules_out), *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise BenchmarkError(f"planning {case.name} failed ({proc.returncode}):\n{proc.stderr}")
    case.resources = planned_resources(Path(args[args.index("--out-dir" if "--all" in args else "--out") + 1]))
    case.sdk_modules = json.loads(modules_out.read_text())


def planned_resources(out: Path) -> int:
    """Resources in a plan document, or in every document a `plan --all --out-dir` index lists."""
    if not out.is_dir():
        return json.loads(out.read_text())["counts"]["total"]
    index = json.loads((out / "index.json").read_text())
    return sum(json.loads((out / entry["file"]).read_text())["counts"]["total"] for entry in index["stacks"])


def floor_cases(plans: Sequence[Case], python: str, work: Path) -> dict[str, Case]:
    """One floor per plan, importing the modules its warm-up listed; keyed by the plan's name."""
    floors: dict[str, Case] = {}
    for case in plans:
        if not case.sdk_modules:
            raise BenchmarkError(f"{case.name} loaded no Pulumi modules; its warm-up must run first")
        script = work / f"floor-{case.name.replace(':', '-')}.py"
        script.write_text(FLOOR.format(modules=case.sdk_modules))
        floors[case.name] = Case(f"floor:{case.name}", "floor", [python, str(script)],
                                 sdk_modules=list(case.sdk_modules))
    return floors


def commit(root: Path = REPO_ROOT) -> str | None:
    """The measured tree's commit (with `+dirty` if it has changes), so a published table names its code."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    mem_kib = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    return {"cpus": os.cpu_count(), "memory_gib": round(mem_kib / 2**20), "python": platform.python_version(),
            "platform": platform.platform(), "load_average": [round(x, 2) for x in os.getloadavg()]}


def run_benchmark(runs: int, pool_sizes: Sequence[int], bytecode_cache: bool = True,
                  stacks_dir: Path = STACKS_DIR, log=print, plan_all: bool = True,
                  watch_stacks: Sequence[str] = ("dev",)) -> dict[str, Any]:
    """Warm up, measure every case `runs` times in interleaved rounds, and build the report."""
    python = sys.executable
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    info = machine()
    with tempfile.TemporaryDirectory(prefix="mlinfra-bench-") as tmp:
        work = Path(tmp)
        (work / "stacks").mkdir()
        (work / "pycache").mkdir()
        env = child_env(bytecode_cache, work / "pycache")
        plans: list[Case] = []
        for stack in sorted(p.name[len("Pulumi."):-len(".yaml")] for p in stacks_dir.glob("Pulumi.*.yaml")):
            plans.append(Case(f"stack:{stack}", "stack",
                              plan_command(python, stack, stacks_dir, str(work / f"{stack}.plan.json"))))
        if plan_all:
            plans.append(Case("all", "all", plan_all_command(python, work / "all", stacks_dir)))
        for pools in pool_sizes:
            stack = write_synthetic_stack(work / "stacks", pools)
            plans.append(Case(f"pools:{pools}", "synthetic",
                              plan_command(python, stack, work / "stacks", str(work / f"{stack}.plan.json"))))
        for case in plans:
            log(f"warm-up {case.name}")
            probe(case, python, work, env)
        floors = floor_cases(plans, python, work)
        for floor in floors.values():
            log(f"warm-up {floor.name}")
            run_timed(floor.command, env)
        # Each plan right after its own floor, so both see the same load.
        cases = [c for plan in plans for c in (floors[plan.name], plan)]
        for round_number in range(1, runs + 1):
            log(f"round {round_number}/{runs}")
            for case in cases:
                wall, cpu = run_timed(case.command, env)
                case.wall.append(wall)
                case.cpu.append(cpu)
        watched = []
        for stack in watch_stacks:
            log(f"watch {stack}: {runs} one-field edits")
            watched.append(measure_watch(stack, runs, python, env))
    results = [case_result(plan, floors[plan.name]) for plan in plans]
    add_marginal_costs(results)
    return {"benchmark": "mlinfra plan speed", "date": started, "commit": commit(), "machine": info, "runs": runs,
            "bytecode_cache": bytecode_cache, "floor": "per plan", "cases": results, "watch": watched,
            "targets": targets(results) + [t for w in watched for t in watch_targets(w)],
            "load_average_after": [round(x, 2) for x in os.getloadavg()]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per case, after a warm-up (default 5)")
    parser.add_argument("--pools", default=",".join(map(str, DEFAULT_POOLS)),
                        help="GPU pool counts of the synthetic stacks, comma-separated; '' for none")
    parser.add_argument("--no-all", action="store_true",
                        help="leave out the `all` case (`plan --all`, every stack in one process)")
    parser.add_argument("--watch", default="dev",
                        help="stacks whose --watch re-plan is measured, comma-separated; '' for none")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="compile every module on every run, as with PYTHONDONTWRITEBYTECODE and no cache")
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    parser.add_argument("--show", type=Path, metavar="JSON",
                        help="print the table of a report written earlier with --json, measuring nothing")
    parser.add_argument("--publish", metavar="LABEL",
                        help="write benchmarks/results/<date>-<cpus>cores-LABEL.json and replace the table and "
                             "target statement of the Performance page with this report's")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.show:
        report = json.loads(args.show.read_text())
        add_marginal_costs(report["cases"])
        report["targets"] = targets(report["cases"]) + [t for w in report.get("watch", []) for t in watch_targets(w)]
    else:
        pools = [int(p) for p in args.pools.split(",") if p.strip()]
        report = run_benchmark(args.runs, pools, bytecode_cache=not args.no_bytecode_cache,
                               log=lambda msg: print(msg, file=sys.stderr), plan_all=not args.no_all,
                               watch_stacks=[w for w in args.watch.split(",") if w.strip()])
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    if args.publish:
        path = publish(report, args.publish)
        print(f"published {path.relative_to(REPO_ROOT)} and the docs' Performance table", file=sys.stderr)
    return 0


def publish(report: dict[str, Any], label: str, results_dir: Path = RESULTS_DIR, readme: Path = README) -> Path:
    """Save the report under a dated name and put its table and targets into the Performance page."""
    if not label.replace("-", "").isalnum():
        raise ValueError(f"label must be letters, digits and dashes (got {label!r})")
    name = f"{report['date'][:10]}-{report['machine']['cpus']}cores-{label}.json"
    path = results_dir / name
    path.write_text(json.dumps(report, indent=2) + "\n")
    # Named as a path from the repository's root (a code span: the site cannot link out of docs/).
    base = REPO_ROOT if path.is_relative_to(REPO_ROOT) else readme.parent
    relative = path.relative_to(base) if path.is_relative_to(base) else path
    readme.write_text(replace_block(readme.read_text(), readme_block(report, str(relative))))
    return path


if __name__ == "__main__":
    sys.exit(main())
