"""The benchmark's pure parts: statistics, synthetic stacks, the floor, target checks. No timings."""

import json
import subprocess
import sys
from collections import Counter

import pytest

from benchmarks.plan_speed import (
    FLOOR,
    PROBE,
    REPO_ROOT,
    BenchmarkError,
    floor_cases,
    plan_all_command,
    plan_command,
    planned_resources,
    synthetic_stack,
    write_synthetic_stack,
)
from benchmarks.speed_report import (
    Case,
    add_marginal_costs,
    case_result,
    floor_of,
    markdown_table,
    summarize,
    targets,
)
from infra.config.load import parse_stack_config
from infra.offline.document import build_document
from infra.offline.engine import run_stack


def test_summarize_gives_median_range_and_inclusive_quartiles():
    summary = summarize([4.0, 1.0, 3.0, 2.0])
    assert (summary.median, summary.minimum, summary.maximum) == (2.5, 1.0, 4.0)
    assert (summary.q1, summary.q3) == (1.75, 3.25)
    assert summary.samples == (4.0, 1.0, 3.0, 2.0)


def test_summarize_one_sample_is_its_own_spread_and_none_is_an_error():
    one = summarize([2.0])
    assert (one.median, one.minimum, one.maximum, one.q1, one.q3) == (2.0,) * 5
    with pytest.raises(ValueError, match="no samples"):
        summarize([])


def test_synthetic_stack_spreads_pools_over_clusters_and_is_a_valid_config():
    document = synthetic_stack(60, pools_per_cluster=25)
    clusters = document["config"]["mlinfra:clusters"]
    assert {name: len(c["gpu_pools"]) for name, c in clusters.items()} == {"c00": 25, "c01": 25, "c02": 10}
    assert [c["network"]["cidr"] for c in clusters.values()] == ["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"]
    values = {key.split(":", 1)[1]: value for key, value in document["config"].items()}
    config = parse_stack_config(values, "pools-60")
    assert sum(len(c.gpu_pools) for c in config.clusters.values()) == 60


def test_synthetic_stack_refuses_zero_pools_and_more_clusters_than_address_ranges():
    with pytest.raises(ValueError, match="at least one pool"):
        synthetic_stack(0)
    assert len(synthetic_stack(256, pools_per_cluster=1)["config"]["mlinfra:clusters"]) == 256
    with pytest.raises(ValueError, match="at most 256 clusters"):
        synthetic_stack(257, pools_per_cluster=1)


def test_synthetic_stack_file_plans_with_a_pool_per_node_group(tmp_path):
    name = write_synthetic_stack(tmp_path, 3, pools_per_cluster=2)
    assert (tmp_path / "Pulumi.pools-3.yaml").is_file()
    document = build_document(run_stack(name, tmp_path))
    by_type = document["counts"]["byType"]
    assert by_type["mlinfra:aws:EksGpuNodePool"] == 3
    # Each of the 2 clusters also has its CPU system pool: 3 GPU + 2 system node groups.
    assert by_type["aws:eks/nodeGroup:NodeGroup"] == 5
    assert by_type["aws:ec2/launchTemplate:LaunchTemplate"] == 5
    assert by_type["aws:eks/cluster:Cluster"] == 2
    assert by_type["aws:ec2/vpc:Vpc"] == 2
    # Every pool costs the same resources, so the 500-pool stack is over 1,000 resources.
    pools = [r["urn"] for r in document["resources"] if r["type"] == "mlinfra:aws:EksGpuNodePool"]
    per_pool = {urn: 1 + sum(1 for r in document["resources"] if r["parent"] == urn) for urn in pools}
    # The component, its launch template, its node group and 6 scale-from-zero ASG tags (the 5th
    # carries the autoscaler's GPU label, #15; the 6th the node's ephemeral-storage, #32).
    assert set(per_pool.values()) == {9}
    assert 500 * 9 > 1000


def _case(name, kind, resources, wall, cpu):
    return Case(name, kind, [], resources=resources, wall=list(wall), cpu=list(cpu))


def test_case_result_ratios_and_time_per_resource_above_the_floor():
    floor = _case("floor", "floor", None, [2.0, 2.2, 1.8], [1.0, 1.0, 1.0])
    plan = _case("stack:dev", "stack", 50, [3.0, 3.1, 2.9], [1.5, 1.4, 1.6])
    result = case_result(plan, floor)
    assert result["ratio_to_floor_wall"] == pytest.approx(1.5)
    assert result["ratio_to_floor_cpu"] == pytest.approx(1.5)
    assert result["ms_per_resource_wall"] == pytest.approx(20.0)
    assert result["ms_per_resource_cpu"] == pytest.approx(10.0)
    assert result["floor"]["name"] == "floor"
    assert result["floor"]["wall"]["median"] == pytest.approx(2.0)
    assert case_result(floor, floor)["ms_per_resource_wall"] is None


def test_each_plan_gets_a_floor_importing_exactly_the_modules_it_loaded(tmp_path):
    aws = Case("stack:sandbox", "stack", [], sdk_modules=["pulumi", "pulumi_aws", "pulumi_aws.s3"])
    both = Case("stack:prod", "stack", [], sdk_modules=["pulumi", "pulumi_aws", "pulumi_gcp"])
    floors = floor_cases([aws, both], "python3", tmp_path)
    assert list(floors) == ["stack:sandbox", "stack:prod"]
    assert floors["stack:sandbox"].name == "floor:stack:sandbox"
    assert floors["stack:sandbox"].sdk_modules == ["pulumi", "pulumi_aws", "pulumi_aws.s3"]
    script = floors["stack:sandbox"].command[1]
    assert "'pulumi_aws.s3'" in (tmp_path / "floor-stack-sandbox.py").read_text()
    assert script == str(tmp_path / "floor-stack-sandbox.py")
    assert "pulumi_gcp" not in (tmp_path / "floor-stack-sandbox.py").read_text()
    assert "'pulumi_gcp'" in (tmp_path / "floor-stack-prod.py").read_text()
    with pytest.raises(BenchmarkError, match="stack:dev loaded no Pulumi modules"):
        floor_cases([Case("stack:dev", "stack", [])], "python3", tmp_path)


def test_ratios_are_against_each_plans_own_floor():
    small_floor = _case("floor:stack:sandbox", "floor", None, [3.0], [3.0])
    big_floor = _case("floor:stack:prod", "floor", None, [6.0], [6.0])
    sandbox = case_result(_case("stack:sandbox", "stack", 60, [4.2], [4.2]), small_floor)
    prod = case_result(_case("stack:prod", "stack", 160, [8.4], [8.4]), big_floor)
    assert (sandbox["ratio_to_floor_wall"], prod["ratio_to_floor_wall"]) == (pytest.approx(1.4), pytest.approx(1.4))
    assert [c["met"] for c in targets([sandbox, prod])] == [True, True, True, True]
    table = markdown_table({"cases": [sandbox, prod]})
    assert table.splitlines()[2] == \
        "| `stack:sandbox` | 60 | 0 | 3.00 | 4.20 (4.20-4.20) | 4.20 | 1.40 / 1.40 | 20.0 / 20.0 |  |"
    assert table.splitlines()[3].startswith("| `stack:prod` | 160 | 0 | 6.00 | 8.40 (8.40-8.40) |")


def test_reports_from_before_per_plan_floors_still_find_their_shared_floor():
    floor = _case("floor", "floor", None, [2.0], [2.0])
    old = [case_result(c, floor) for c in (floor, _case("stack:dev", "stack", 50, [3.0], [3.0]))]
    for r in old:
        del r["floor"]  # the old format had none
    assert floor_of(old[1], old)["name"] == "floor"


def test_marginal_cost_is_the_slope_between_consecutive_synthetic_stacks():
    floor = _case("floor", "floor", None, [2.0], [1.0])
    cases = [_case("stack:dev", "stack", 50, [3.0], [2.0]), _case("pools:10", "synthetic", 60, [2.6], [1.6]),
             _case("pools:100", "synthetic", 400, [5.0], [3.3]), _case("pools:500", "synthetic", 2000, [17.0], [11.3])]
    results = [case_result(c, floor) for c in cases]
    add_marginal_costs(results)
    assert "marginal_ms_per_resource_wall" not in results[0]
    assert results[1]["marginal_ms_per_resource_wall"] is None
    assert results[2]["marginal_ms_per_resource_wall"] == pytest.approx(2400 / 340)
    assert results[2]["marginal_ms_per_resource_cpu"] == pytest.approx(1700 / 340)
    assert results[3]["marginal_ms_per_resource_wall"] == pytest.approx(7.5)
    assert results[3]["marginal_ms_per_resource_cpu"] == pytest.approx(5.0)


def test_targets_report_what_is_met_and_what_is_not():
    floor = _case("floor", "floor", None, [2.0], [2.0])
    cases = [
        _case("stack:dev", "stack", 50, [3.2], [2.5]),
        _case("pools:10", "synthetic", 60, [2.6], [2.6]),
        _case("pools:100", "synthetic", 400, [5.0], [4.3]),
        _case("pools:500", "synthetic", 2000, [30.0], [18.0]),
    ]
    results = [case_result(c, floor) for c in cases]
    add_marginal_costs(results)
    checks = targets(results)
    assert [(c["target"], c["value"], c["met"]) for c in checks] == [
        ("stack:dev at most 1.5x the floor (wall)", 1.6, False),
        ("stack:dev at most 1.5x the floor (cpu)", 1.25, True),
        ("ms/resource pools:500 vs pools:10 at most 1.5x (wall)", 1.4, True),
        ("ms/resource pools:500 vs pools:10 at most 1.5x (cpu)", 0.8, True),
        ("marginal ms/resource up to pools:500 vs up to pools:100 at most 1.2x (wall)", 2.21, False),
        ("marginal ms/resource up to pools:500 vs up to pools:100 at most 1.2x (cpu)", 1.71, False),
        ("1000 resources under 4 s (wall, scaled from pools:500: 2000 resources in 30.0 s)", 16.0, False),
        ("1000 resources under 4 s (cpu, scaled from pools:500: 2000 resources in 18.0 s)", 10.0, False),
    ]


def test_probe_lists_loaded_sdk_modules_and_the_floor_imports_them(tmp_path):
    """One real plan in a subprocess: the floor must be built from what a plan really loads."""
    name = write_synthetic_stack(tmp_path, 1)
    modules_out, plan_out = tmp_path / "modules.json", tmp_path / "plan.json"
    args = plan_command(sys.executable, name, tmp_path, str(plan_out))[3:]
    probe = subprocess.run([sys.executable, "-c", PROBE, str(modules_out), *args], cwd=REPO_ROOT,
                           capture_output=True, text=True, timeout=180)
    assert probe.returncode == 0, probe.stderr
    modules = json.loads(modules_out.read_text())
    assert {"pulumi", "pulumi.runtime.mocks", "pulumi_aws", "pulumi_aws.ec2", "pulumi_aws.eks"} <= set(modules)
    # pulumi_aws registers every service lazily; only the ones the plan touched are loaded.
    assert "pulumi_aws.sagemaker" not in modules
    assert json.loads(plan_out.read_text())["counts"]["total"] > 0
    floor = tmp_path / "floor.py"
    # The floor ends with os._exit like the plan (infra/cli/process_exit.py): report just before it.
    report = ("import sys\nprint(sorted({m.split('.')[0] for m in sys.modules if m.startswith('pulumi')}))\n"
              "sys.stdout.flush()\n")
    assert FLOOR.rstrip().endswith("os._exit(0)")
    floor.write_text(FLOOR.format(modules=modules).replace("os._exit(0)", report + "os._exit(0)"))
    result = subprocess.run([sys.executable, str(floor)], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stderr
    # pulumi_kubernetes: each EKS cluster's provider and its Helm add-ons.
    assert result.stdout.strip() == "['pulumi', 'pulumi_aws', 'pulumi_kubernetes']"
    assert Counter(m.split(".")[0] for m in modules).keys() == {"pulumi", "pulumi_aws", "pulumi_kubernetes"}


def _report(cases):
    return {"date": "2026-11-23 13:05 UTC", "runs": 3, "bytecode_cache": True,
            "machine": {"cpus": 2, "memory_gib": 24, "python": "3.11.7", "load_average": [3.5, 3.0, 2.0]},
            "load_average_after": [4.0, 3.0, 2.0], "cases": cases, "targets": targets(cases)}


def test_publish_writes_a_dated_result_and_replaces_only_the_readme_block(tmp_path):
    from benchmarks.plan_speed import publish

    floor = _case("floor:stack:dev", "floor", None, [2.0], [2.0])
    report = _report([case_result(_case("stack:dev", "stack", 50, [3.2], [2.5]), floor)])
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\nbefore\n<!-- plan-speed:begin -->\nold table\n<!-- plan-speed:end -->\nafter\n")
    (tmp_path / "results").mkdir()
    path = publish(report, "per-stack-floor", tmp_path / "results", readme)
    assert path == tmp_path / "results" / "2026-11-23-2cores-per-stack-floor.json"
    assert json.loads(path.read_text())["cases"][0]["name"] == "stack:dev"
    text = readme.read_text()
    assert text.startswith("# x\n\nbefore\n<!-- plan-speed:begin -->\n"
                           "2 cores, 24 GiB, Python 3.11.7, 2026-11-23 13:05 UTC")
    assert "old table" not in text and text.endswith("<!-- plan-speed:end -->\nafter\n")
    assert ": `results/2026-11-23-2cores-per-stack-floor.json`." in text
    assert "| `stack:dev` | 50 | 0 | 2.00 | 3.20 (3.20-3.20) | 2.50 | 1.60 / 1.25 |" in text
    assert ("- **NOT met**: stack:dev at most 1.5x the floor (wall): 1.6\n"
            "- met: stack:dev at most 1.5x the floor (cpu): 1.25\n") in text
    with pytest.raises(ValueError, match="label must be"):
        publish(report, "../x", tmp_path / "results", readme)
    readme.write_text("no markers\n")
    with pytest.raises(ValueError, match="no <!-- plan-speed:begin -->"):
        publish(report, "again", tmp_path / "results", readme)


def test_all_stacks_are_judged_against_the_prod_plan_of_the_same_rounds():
    floor = _case("floor", "floor", None, [2.0], [2.0])
    prod = case_result(_case("stack:prod", "stack", 265, [10.0], [8.0]), floor)
    everything = case_result(_case("all", "all", 788, [14.0], [13.0]), floor)
    checks = [(c["target"], c["value"], c["met"]) for c in targets([prod, everything]) if c["target"].startswith("all")]
    assert checks == [
        ("all stacks in one process (788 resources) at most 1.5x stack:prod alone (wall)", 1.4, True),
        ("all stacks in one process (788 resources) at most 1.5x stack:prod alone (cpu)", 1.62, False),
    ]


def test_the_all_case_plans_every_stack_in_one_process_and_counts_every_document(tmp_path):
    command = plan_all_command("python3", tmp_path / "out")
    assert command[1:9] == ["-m", "infra.cli", "plan", "--all", "--format", "json", "--out-dir", str(tmp_path / "out")]
    out = tmp_path / "out"
    out.mkdir()
    for name, total in (("mlinfra.dev.json", 152), ("mlinfra-bootstrap.bootstrap.json", 147)):
        (out / name).write_text(json.dumps({"counts": {"total": total}}))
    (out / "index.json").write_text(json.dumps({"planVersion": 1, "stacks": [
        {"file": "mlinfra.dev.json"}, {"file": "mlinfra-bootstrap.bootstrap.json"}]}))
    assert planned_resources(out) == 299
    assert planned_resources(out / "mlinfra.dev.json") == 152


def test_the_watch_case_re_plans_a_real_edit_and_is_judged_on_its_median():
    from benchmarks.watch_speed import measure, watch_targets

    result = measure("sandbox", 2)
    assert result["name"] == "watch:sandbox" and result["runs"] == 2 and result["resources"] > 0
    for clock in ("wall", "cpu"):
        figures = result[clock]
        assert 0 < figures["minimum"] <= figures["median"] <= figures["maximum"]
    judged = watch_targets({**result, "wall": {"median": 0.8}, "cpu": {"median": 1.3}})
    assert [(t["value"], t["met"]) for t in judged] == [(0.8, True), (1.3, False)]
    assert judged[0]["target"] == "watch:sandbox: a one-field edit re-planned in under 1 s (wall)"
