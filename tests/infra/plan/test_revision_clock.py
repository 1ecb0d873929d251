"""Revisions a diff plans read one plan clock: MLINFRA_PLAN_TIME, else the other side's, else one `now`.

The repository is a small one made for the test whose `infra.cli` writes a plan document with
the clock its planner saw: MLINFRA_PLAN_TIME when given, else its own nanosecond clock, so two
planners that were not handed one instant always disagree and the diff shows it.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import mlinfra

PLANNER = '''
import json, os, sys, time
from pathlib import Path

seen = os.environ.get("MLINFRA_PLAN_TIME") or f"unpinned-{time.time_ns()}"
document = {"planVersion": 1, "project": "mlinfra", "stack": "sandbox", "resources": [
    {"urn": "urn:pulumi:sandbox::mlinfra::t:x:Y::clock", "type": "t:x:Y", "name": "clock", "custom": True,
     "parent": None, "provider": None, "inputs": {"tags": {"plan-time": seen}}, "protect": False,
     "retainOnDelete": False, "deleteBeforeReplace": False, "ignoreChanges": []}]}
args = sys.argv[1:]
if args[:2] == ["plan", "--help"]:
    print("Usage: plan [--all]")
elif args[:2] == ["plan", "--all"]:
    out = Path(args[args.index("--out-dir") + 1])
    out.mkdir(parents=True, exist_ok=True)
    (out / "mlinfra.sandbox.json").write_text(json.dumps(document))
    (out / "index.json").write_text(json.dumps({"planVersion": 1, "stacks": [
        {"project": "mlinfra", "stack": "sandbox", "file": "mlinfra.sandbox.json", "exitCode": 0, "error": None}]}))
'''
NOON = 1795953600


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                          capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    """Two commits with the same planner: any difference between their plans is the clock's."""
    repo = tmp_path_factory.mktemp("clock") / "repo"
    (repo / "infra" / "cli").mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / "infra" / "__init__.py").write_text("")
    (repo / "infra" / "cli" / "__init__.py").write_text("")
    (repo / "infra" / "cli" / "__main__.py").write_text(PLANNER)
    for message in ("one", "two"):
        (repo / "note.txt").write_text(message)
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", message)
    return repo


def _diff(*args: str, plan_time: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "MLINFRA_PLAN_TIME"}
    if plan_time is not None:
        env["MLINFRA_PLAN_TIME"] = plan_time
    result = mlinfra("diff", *args, "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    [stack] = json.loads(result.stdout)["stacks"]
    return stack


def test_two_revisions_are_planned_at_one_instant_without_a_pin(repo):
    stack = _diff("HEAD~1", "HEAD", "--repo", str(repo), plan_time=None)
    assert (stack["status"], stack["resources"]) == ("unchanged", [])


def test_a_pinned_instant_reaches_both_planners(repo, tmp_path):
    stack = _diff("HEAD~1", "HEAD", "--repo", str(repo), plan_time="2026-11-29T12:00:00Z")
    assert stack["status"] == "unchanged"
    # Against a document that says what a planner pinned to noon records: still nothing changes.
    planned = tmp_path / "noon.json"
    planned.write_text(json.dumps(_document(str(NOON))))
    assert _diff("HEAD", str(planned), "--repo", str(repo), plan_time=str(NOON))["status"] == "unchanged"
    changed = _diff("HEAD", str(planned), "--repo", str(repo), plan_time=str(NOON + 1))
    assert [c["path"] for r in changed["resources"] for c in r["changes"]] == ["tags.plan-time"]


def test_a_revision_is_planned_at_the_plan_clock_of_the_document_it_is_compared_with(repo, tmp_path):
    at = NOON - 86_400
    document = {**_document(str(at)), "planClock": {"time": at, "expiries": [at + 8 * 3600]}}
    (tmp_path / "head.json").write_text(json.dumps(document))
    stack = _diff("HEAD", str(tmp_path / "head.json"), "--repo", str(repo), plan_time=None)
    assert (stack["status"], stack["resources"]) == ("unchanged", [])


def _document(seen: str) -> dict:
    return {"planVersion": 1, "project": "mlinfra", "stack": "sandbox", "resources": [
        {"urn": "urn:pulumi:sandbox::mlinfra::t:x:Y::clock", "type": "t:x:Y", "name": "clock", "custom": True,
         "parent": None, "provider": None, "inputs": {"tags": {"plan-time": seen}}, "protect": False,
         "retainOnDelete": False, "deleteBeforeReplace": False, "ignoreChanges": []}]}
