"""The pull-request plan comment (checks.yml, job `plan`): the diff of every stack, never cut silently.

The shape of the job is checked over the parsed workflow; its script is then run for real (with
`uv run` mapped to this interpreter) against a base whose prod stack is empty, so the comment
must leave details out, say so, and stay within GitHub's limit.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra.offline.document import build_document
from infra.plan.cost import add_cost
from tests.helpers import ROOT, stack_run

CHECKS = ROOT / ".github" / "workflows" / "checks.yml"
GITHUB_LIMIT = 65536


def _plan_job() -> dict:
    return yaml.safe_load(CHECKS.read_text())["jobs"]["plan"]


def _step(name: str) -> dict:
    return next(s for s in _plan_job()["steps"] if s.get("name") == name)


def test_the_plan_job_diffs_the_base_and_never_truncates():
    job = _plan_job()
    assert job["permissions"] == {"contents": "read"}
    checkout = job["steps"][0]
    assert checkout["with"] == {"persist-credentials": False, "fetch-depth": 0}
    step = _step("Plan every stack and diff it against the base")
    assert step["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    script = step["run"]
    assert "uv run mlinfra plan --all --format json --out-dir plans/head" in script
    assert 'uv run mlinfra diff "$BASE_SHA" plans/head --format markdown --max-chars' in script
    assert "head -c" not in CHECKS.read_text()
    # The diff's limit leaves room for the marker, title and link lines around it.
    limit = int(re.search(r"--max-chars (\d+)", script)[1])
    assert limit + 1000 < GITHUB_LIMIT
    assert "--full-out plans/diff.md" in script and 'cat plans/diff.md' in script


def test_the_plans_and_whole_diff_are_kept_as_an_artifact():
    upload = _step("Keep the plans and the whole diff")
    assert upload["uses"].startswith("actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f")
    assert upload["if"] == "${{ !cancelled() }}"
    assert upload["with"]["name"] == "mlinfra-plans" and upload["with"]["path"] == "plans/"


def _uv_shim(folder: Path) -> Path:
    """A `uv` on PATH that runs `uv run mlinfra|python ...` with this interpreter and this checkout."""
    shim = folder / "bin" / "uv"
    shim.parent.mkdir()
    shim.write_text(f"""#!/bin/sh
[ "$1" = run ] || exit 90
shift
case "$1" in
  mlinfra) shift; exec {sys.executable} -m infra.cli "$@" ;;
  python) shift; exec {sys.executable} "$@" ;;
esac
exit 91
""")
    shim.chmod(0o755)
    return shim.parent


@pytest.fixture(scope="module")
def base_without_prod(tmp_path_factory) -> Path:
    """A base plan folder: dev as planned, prod with no resources (so HEAD adds all of prod)."""
    base = tmp_path_factory.mktemp("base")
    stacks = []
    for stack in ("dev", "prod"):
        document = build_document(stack_run(stack))
        if stack == "prod":
            document["resources"] = []
        add_cost(document, None)
        (base / f"mlinfra.{stack}.json").write_text(json.dumps(document))
        stacks.append({"project": "mlinfra", "stack": stack, "file": f"mlinfra.{stack}.json", "exitCode": 0,
                       "error": None})
    (base / "index.json").write_text(json.dumps({"planVersion": 1, "stacks": stacks}))
    return base


def test_the_script_comments_every_stack_within_the_limit_and_says_what_it_left_out(tmp_path, base_without_prod):
    work = tmp_path / "work"
    work.mkdir()
    output, summary = tmp_path / "output", tmp_path / "summary"
    env = {**os.environ, "PATH": f"{_uv_shim(tmp_path)}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT),
           "BASE_SHA": str(base_without_prod), "RUN_URL": "https://github.example/runs/7",
           "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    script = _step("Plan every stack and diff it against the base")["run"]
    ran = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=900)
    assert ran.returncode in (0, 1), ran.stderr  # 1: a stack's plan has findings or is over budget
    text = output.read_text()
    comment = re.search(r"^comment<<(plan-[0-9a-f]{32})\n(.*)\n\1\n", text, re.S | re.M)[2]
    assert len(comment) <= GITHUB_LIMIT
    assert comment.startswith("<!-- mlinfra-plan -->\n## mlinfra offline plan\n")
    for stack in ("dev", "staging", "sandbox", "mlinfra-bootstrap/bootstrap"):
        assert re.search(rf"^- {re.escape(stack)}(: | \(new stack\): )", comment, re.M), stack
    # prod adds resources no price covers (its certificates, gateways): the comment says so instead of a number.
    assert re.search(r"^- prod: \+\d+ ~0 -0, cost unknown for \d+ changes: unpriced .+\(gcp:certificatemanager/",
                     comment, re.M)
    whole = (work / "plans" / "diff.md").read_text()
    if len(whole) > 64000:
        assert "**Details left out to fit this comment: prod (" in comment
        assert "They are in the job summary and the mlinfra-plans artifact of [this run]" in comment
    assert whole in summary.read_text()
    assert "## mlinfra offline plan of every stack at the head of this pull request" in summary.read_text()


def test_ci_markdown_renders_every_plan_of_a_folder_and_each_failure(base_without_prod, tmp_path):
    index = json.loads((base_without_prod / "index.json").read_text())
    index["stacks"].append({"project": "mlinfra", "stack": "qa", "file": None, "exitCode": 2,
                            "error": "stacks/Pulumi.qa.yaml: clusters: bad"})
    folder = tmp_path / "plans"
    folder.mkdir()
    for entry in index["stacks"][:2]:
        (folder / entry["file"]).write_text((base_without_prod / entry["file"]).read_text())
    (folder / "index.json").write_text(json.dumps(index))
    ran = subprocess.run([sys.executable, "-m", "infra.cli.ci", "markdown", str(folder)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.count("### mlinfra plan: `") == 2
    assert "### `mlinfra/qa`: not planned (exit 2)\n\n```\nstacks/Pulumi.qa.yaml: clusters: bad\n```" in ran.stdout
    missing = subprocess.run([sys.executable, "-m", "infra.cli.ci", "markdown", str(tmp_path)], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "a folder with index.json" in missing.stderr
