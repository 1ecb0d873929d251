"""Plan a git revision offline: check it out in a temporary worktree and run ITS program there.

The revision's own `infra/` must be what is planned (a diff of the current code against itself
would show nothing), so the planner runs as `python -m infra.cli` with the worktree as working
directory and first on PYTHONPATH, under this interpreter (the current environment's Pulumi
SDKs). A revision whose CLI has no `plan --all` is planned stack by stack. The worktree is removed
afterwards, also on Ctrl-C or an error.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infra.config.plan_clock import PLAN_TIME_ENV
from infra.plan.diff_inputs import INDEX, DiffInputError, Side, read_directory, read_document

# Stack folders of the projects in the repository: (project folder, stacks folder) relative to the root.
PROJECTS = ((".", "stacks"), ("infra/bootstrap", "infra/bootstrap/stacks"))
PLAN_TIMEOUT_S = 1800
# Worktrees checked out now, as (tree, repo): Ctrl-C and SIGTERM end `mlinfra` at once without
# unwinding (infra/cli/process_exit.py), so its signal handler removes these by name instead.
_OPEN: set[tuple[Path, Path]] = set()


def remove_open_worktrees() -> None:
    """Remove every worktree this process still has checked out (called from the signal handler)."""
    for tree, repo in list(_OPEN):
        _remove(tree, repo)


def _remove(tree: Path, repo: Path) -> None:
    _OPEN.discard((tree, repo))
    _git("worktree", "remove", "--force", str(tree), cwd=repo)
    _git("worktree", "prune", cwd=repo)


def _git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)


def resolve(revision: str, repo: Path) -> str | None:
    """The commit a revision names in `repo`, or None when it names none (or `repo` is no git checkout)."""
    try:
        found = _git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", cwd=repo)
    except OSError:
        return None
    return found.stdout.strip() if found.returncode == 0 else None


@contextmanager
def checked_out(commit: str, repo: Path) -> Iterator[Path]:
    """A detached worktree of `commit` in a temporary folder, removed on the way out."""
    with tempfile.TemporaryDirectory(prefix="mlinfra-diff-") as tmp:
        tree = Path(tmp) / "tree"
        added = _git("worktree", "add", "--detach", str(tree), commit, cwd=repo)
        if added.returncode != 0:
            raise DiffInputError(f"cannot check out {commit} into a worktree: {added.stderr.strip()}")
        _OPEN.add((tree, repo))
        try:
            yield tree
        finally:
            _remove(tree, repo)


def _planner(tree: Path, *args: str, plan_time: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(tree), *filter(None, [os.environ.get("PYTHONPATH")])])}
    if plan_time is not None:  # the instant the other side was planned at: no expiry noise in the diff
        env[PLAN_TIME_ENV] = str(plan_time)
    return subprocess.run([sys.executable, "-m", "infra.cli", "plan", *args], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=PLAN_TIMEOUT_S, check=False)


def _has_plan_all(tree: Path) -> bool:
    shown = _planner(tree, "--help")
    return shown.returncode == 0 and "--all" in shown.stdout


def _project_name(project_dir: Path) -> str:
    """The `name:` of a Pulumi.yaml (the plan document's `project`), or the folder's name."""
    import yaml

    try:
        return str(yaml.safe_load((project_dir / "Pulumi.yaml").read_text())["name"])
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        return project_dir.name


def _plan_each(tree: Path, out: Path, label: str, plan_time: int | None) -> Side:
    """Stack by stack, for revisions from before `plan --all`."""
    side = Side(label)
    for project_dir, stacks_dir in PROJECTS:
        folder = tree / stacks_dir
        if not folder.is_dir():
            continue
        for stack_file in sorted(folder.glob("Pulumi.*.yaml")):
            stack = stack_file.name.removeprefix("Pulumi.").removesuffix(".yaml")
            project = _project_name(tree / project_dir)
            target = out / f"{project}.{stack}.json"
            extra = ["--project", project_dir] if project_dir != "." else []
            ran = _planner(tree, stack, "--format", "json", "--out", str(target), *extra, plan_time=plan_time)
            if target.is_file():
                document = read_document(target, label)
                side.documents[(document["project"], document["stack"])] = document
            else:
                side.errors[(project, stack)] = (f"{label}: plan of {stack} failed with exit code "
                                                 f"{ran.returncode}: {ran.stderr.strip()[-500:]}")
    return side


def plan_revision(revision: str, repo: Path, argument: str, plan_time: int | None = None) -> Side:
    """Every stack of `revision`, planned offline by the revision's own code, at `plan_time` if given.

    `plan_time` (epoch seconds) goes to the planner as MLINFRA_PLAN_TIME, so both sides of a diff
    read one clock (revisions from before the plan clock ignore it).
    """
    commit = resolve(revision, repo)
    if commit is None:
        raise DiffInputError(f"{argument}: {revision!r} is not a plan document file, a directory of plan "
                             f"documents, or a git revision of {repo}")
    label = f"{revision} ({commit[:12]})"
    with checked_out(commit, repo) as tree, tempfile.TemporaryDirectory(prefix="mlinfra-plans-") as plans:
        out = Path(plans)
        if _has_plan_all(tree):
            ran = _planner(tree, "--all", "--format", "json", "--out-dir", str(out), plan_time=plan_time)
            if not (out / INDEX).is_file():
                raise DiffInputError(f"{argument}: planning {label} failed with exit code {ran.returncode}: "
                                     f"{ran.stderr.strip()[-1000:]}")
            side = read_directory(out, argument, label)
            side.label = label
            return side
        return _plan_each(tree, out, label, plan_time)
