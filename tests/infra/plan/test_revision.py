"""Git revisions as diff sides: each planned by its own code in a worktree that is removed afterwards.

The repository here is a small one made for the test whose `infra.cli` writes a plan document
naming its revision, so the test can tell whose code ran. One revision predates `plan --all`
(planned stack by stack), the next has it.
"""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infra.plan.diff_inputs import DiffInputError
from infra.plan.revision import plan_revision
from tests.helpers import ROOT, mlinfra

PLANNER = '''
import json, sys
from pathlib import Path

REVISION = {revision!r}
ALL = {has_all!r}


def document(project, stack):
    return {{"planVersion": 1, "project": project, "stack": stack, "resources": [
        {{"urn": f"urn:pulumi:{{stack}}::{{project}}::t:x:Y::marker", "type": "t:x:Y", "name": "marker",
          "custom": True, "parent": None, "provider": None, "inputs": {{"revision": REVISION}},
          "protect": False, "retainOnDelete": False, "deleteBeforeReplace": False, "ignoreChanges": []}}],
        "cost": {{"totals": {{"idle": {{"usdPerMonth": {cost}}}, "peak": {{"usdPerMonth": {cost}}}}}}}}}


args = sys.argv[1:]
if REVISION == "slow":
    import time
    time.sleep(60)
if args[:2] == ["plan", "--help"]:
    print("Usage: plan [--all]" if ALL else "Usage: plan STACK")
elif args[:2] == ["plan", "--all"]:
    out = Path(args[args.index("--out-dir") + 1])
    out.mkdir(parents=True, exist_ok=True)
    (out / "mlinfra.dev.json").write_text(json.dumps(document("mlinfra", "dev")))
    (out / "index.json").write_text(json.dumps({{"planVersion": 1, "stacks": [
        {{"project": "mlinfra", "stack": "dev", "file": "mlinfra.dev.json", "exitCode": 0, "error": None}},
        {{"project": "mlinfra-bootstrap", "stack": "bootstrap", "file": None, "exitCode": 3,
         "error": "policy check failed"}}]}}))
elif args[0] == "plan":
    stack = args[1]
    if stack == "broken":
        sys.exit("config error in Pulumi.broken.yaml")
    Path(args[args.index("--out") + 1]).write_text(json.dumps(document("mlinfra", stack)))
'''


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                          capture_output=True, text=True).stdout.strip()


def _commit(repo: Path, revision: str, has_all: bool, cost: float) -> str:
    cli = repo / "infra" / "cli"
    cli.mkdir(parents=True, exist_ok=True)
    (repo / "infra" / "__init__.py").write_text("")
    (cli / "__init__.py").write_text("")
    (cli / "__main__.py").write_text(PLANNER.format(revision=revision, has_all=has_all, cost=cost))
    (repo / "Pulumi.yaml").write_text("name: mlinfra\nruntime: python\n")
    (repo / "stacks").mkdir(exist_ok=True)
    for stack in ("dev", "broken"):
        (repo / "stacks" / f"Pulumi.{stack}.yaml").write_text("config: {}\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", revision)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    old = _commit(repo, "one", has_all=False, cost=10)
    new = _commit(repo, "two", has_all=True, cost=25.5)
    return repo, old, new


def _worktrees(repo: Path) -> int:
    return _git(repo, "worktree", "list").count("\n") + 1


def test_old_revision_is_planned_stack_by_stack_by_its_own_code(repo):
    path, old, _ = repo
    side = plan_revision(old, path, "BASE")
    assert side.label == f"{old} ({old[:12]})"
    assert side.documents[("mlinfra", "dev")]["resources"][0]["inputs"] == {"revision": "one"}
    assert "plan of broken failed with exit code 1: config error in Pulumi.broken.yaml" in \
        side.errors[("mlinfra", "broken")]
    assert _worktrees(path) == 1  # the temporary worktree is gone


def test_revision_with_plan_all_reads_its_index(repo):
    path, _, new = repo
    side = plan_revision("HEAD", path, "HEAD")
    assert side.documents[("mlinfra", "dev")]["resources"][0]["inputs"] == {"revision": "two"}
    assert side.errors == {("mlinfra-bootstrap", "bootstrap"): f"HEAD ({new[:12]}): policy check failed "
                                                                "(exit code 3)"}
    assert _worktrees(path) == 1


def test_unknown_revision_is_bad_input(repo):
    with pytest.raises(DiffInputError, match=r"^BASE: 'no-such' is not a plan document file, a directory"):
        plan_revision("no-such", repo[0], "BASE")


def test_diff_of_two_revisions_through_the_command(repo):
    path, old, new = repo
    result = mlinfra("diff", old, "HEAD", "--repo", str(path), "--format", "markdown")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "- dev: +0 ~1 -0, +$15.50/month" in lines
    assert '  - `revision: "one" → "two"`' in lines
    assert any(line.startswith("- mlinfra-bootstrap/bootstrap: could not compare: HEAD (") for line in lines)
    assert _worktrees(path) == 1


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_worktree_is_removed_when_the_diff_is_stopped(repo, stop):
    path, old, _ = repo
    slow = _commit(path, "slow", has_all=True, cost=0)
    process = subprocess.Popen([sys.executable, "-m", "infra.cli", "diff", old, slow, "--repo", str(path)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while _worktrees(path) == 1 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    if _worktrees(path) != 2:
        # Seen once under a loaded CI run and not reproduced: say what the diff did instead of only "never".
        process.kill()
        out, err = process.communicate(timeout=60)
        pytest.fail(f"the diff never checked a revision out (exit {process.returncode}, after "
                    f"{60 - (deadline - time.monotonic()):.1f} s):\n{out}\n{err}")
    time.sleep(0.5)  # into the slow planner
    process.send_signal(stop)
    process.wait(timeout=60)
    assert process.returncode != 0
    assert _worktrees(path) == 1
