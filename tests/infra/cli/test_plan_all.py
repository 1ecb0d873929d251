"""`mlinfra plan --all` end to end: one process, the same documents as `plan STACK`, an index."""

import json
import os
import shutil

import pytest

from infra.offline.stackfile import available_stacks
from tests.helpers import ROOT, mlinfra

# One plan clock for `plan --all` and every `plan STACK` it is compared with: the sandbox template's
# expiry (plan time + TTL) is then the same in both, so the documents must match byte for byte.
PINNED = {**os.environ, "MLINFRA_PLAN_TIME": "2026-11-29T12:00:00Z"}
# Every stack file (one of your own made with `mlinfra stack new` too; live sandboxes excepted), then the bootstrap.
STACKS = [("mlinfra", s) for s in available_stacks(ROOT / "stacks") if not s.startswith("sandbox-")] + [
    ("mlinfra-bootstrap", "bootstrap")]
assert {("mlinfra", s) for s in ("dev", "prod", "sandbox", "staging")} <= set(STACKS)


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    out = tmp_path_factory.mktemp("plans") / "new-dir"
    result = mlinfra("plan", "--all", "--format", "json", "--out-dir", str(out), env=PINNED)
    return result, out


def test_index_lists_every_stack_with_its_file_and_exit_code(planned):
    result, out = planned
    assert result.returncode == 0, result.stderr
    index = json.loads((out / "index.json").read_text())
    assert index["planVersion"] == 1
    assert [(e["project"], e["stack"], e["file"], e["exitCode"], e["error"]) for e in index["stacks"]] == [
        (project, stack, f"{project}.{stack}.json", 0, None) for project, stack in STACKS]
    assert index["checks"] == [{"name": "names", "file": "check.names.json", "exitCode": 0, "error": None}]
    names = json.loads((out / "check.names.json").read_text())
    # The name check saw the five plans and its four sample sandboxes, planned once each.
    assert names["stacks"] == [stack for _, stack in STACKS] + ["sandbox-alice-box", "sandbox-bob-box",
                                                                  "sandbox-carol-box", "sandbox-dave-box"]
    assert f"{len(STACKS)} plans and index.json written to" in result.stderr
    # Off a terminal (stderr is a pipe here, as in CI) progress is plain lines, one per stack, timed.
    progress = [line for line in result.stderr.splitlines() if line.startswith("[") and "s] " in line]
    assert [line.split("s] ", 1)[1] for line in progress[:3]] == [
        "Planning every stack…", "plan --all: planning mlinfra stack 'dev' (1)…",
        "plan --all: planning mlinfra stack 'prod' (2)…"]


@pytest.mark.parametrize(("project", "stack"), STACKS)
def test_each_document_is_what_plan_stack_prints(planned, project, stack):
    _, out = planned
    extra = ["--project", "infra/bootstrap"] if project != "mlinfra" else []
    alone = mlinfra("plan", stack, "--format", "json", *extra, env=PINNED)
    assert alone.returncode == 0, alone.stderr
    assert (out / f"{project}.{stack}.json").read_text() == alone.stdout


def test_a_config_error_is_named_on_stderr_and_wins_over_the_other_stacks(tmp_path):
    (tmp_path / "Pulumi.broken.yaml").write_text("config:\n  mlinfra:environment: moon\n")
    shutil.copy(ROOT / "stacks" / "Pulumi.dev.yaml", tmp_path)
    result = mlinfra("plan", "--all", "--format", "markdown", "--stacks-dir", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert "mlinfra stack 'broken': exit 2: " in result.stderr
    assert "plan --all: exit 2" in result.stderr
    # The good stack is still planned and printed, after the broken one's heading.
    assert "## mlinfra · broken\n\nnot planned (exit 2)" in result.stdout
    assert "### mlinfra plan: `dev`" in result.stdout
    assert "### mlinfra plan: `bootstrap`" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--all", "dev"], "--all plans every stack; it cannot take STACK"),
    (["--all", "--format", "terraform-plan"], "--all writes json, markdown or table"),
    (["dev", "--out-dir", "x"], "--out-dir goes with --all"),
    ([], "give a STACK to plan, or --all for every stack"),
])
def test_usage_errors_exit_2_before_planning(args, message):
    result = mlinfra("plan", *args)
    assert result.returncode == 2
    assert message in result.stderr
