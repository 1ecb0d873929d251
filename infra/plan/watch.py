"""`mlinfra plan STACK --watch`: plan one stack again whenever what it reads changes, warm.

A cold plan spends most of its time loading the Pulumi SDKs and starting the policy pack. A watch
keeps both: the SDKs stay imported in this process, and one pack process serves every re-plan
(each plan sends its own Configure, as under `plan --all`: infra/plan/make_all.py explains why
that is exact). What a re-plan prints is the same document a cold `mlinfra plan STACK` prints
(tests/infra/plan/test_watch.py compares them).

What is watched, by content: the stack file, the project's Pulumi.yaml and the policy configs
(policies/config/*.json). The policy rules themselves (policies/*.py) run in the pack's process,
so a change there is picked up safely by starting a new pack. The program's own code (infra/,
components/) is not reloaded: re-importing modules that hold Pulumi classes and registered
resource types in one process is not safe, so a change there is reported and the watch asks
for a restart instead of planning with stale code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from infra.config.input_files import InputFileError, read_regular_file
from infra.offline.analyzer import PolicyAnalyzer
from infra.offline.engine import REPO_ROOT, load_project
from infra.offline.policy_check import PACK_DIR
from infra.offline.stackfile import StackFileError, UnknownStackError, load_stack_file
from infra.plan.make import (
    EXIT_CONFIG,
    EXIT_OK,
    EXIT_PACK,
    PlanOutcome,
    finish_plan,
    root_project,
    stack_file_refused,
    start_plan,
)
from infra.plan.preflight import preflight

# A watched file larger than this is hashed as "too large", not read: stack files are KB, code files too.
WATCHED_FILE_MAX_BYTES = 16 * 1024 * 1024
# The program's code: a change here needs a new process (see the module's docstring).
CODE_DIRS = ("infra", "components")


def _digest(paths: Iterable[Path]) -> str:
    """One hash of the files' names and contents; a missing file counts as its own state."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path).encode())
        try:  # never blocks: a stack file swapped for a FIFO (or /dev/zero) is a state, not a wait
            digest.update(read_regular_file(path, WATCHED_FILE_MAX_BYTES))
        except InputFileError as exc:
            digest.update(f"unreadable: {exc}".encode())
    return digest.hexdigest()


def _python_files(root: Path, dirs: Iterable[str]) -> list[Path]:
    return [p for d in dirs for p in (root / d).rglob("*.py") if "__pycache__" not in p.parts]


@dataclass(frozen=True)
class Inputs:
    """What a plan of the stack read, as digests: the plan's inputs, the pack's rules, the program's code."""

    plan: str
    rules: str
    code: str


class StackWatch:
    """One stack planned again and again in this process, with one policy pack kept running."""

    def __init__(self, stack: str, stacks_dir: Path | None = None, project_dir: Path | None = None) -> None:
        self.stack, self.stacks_dir, self.project_dir = stack, stacks_dir, project_dir
        self.analyzer: PolicyAnalyzer | None = None
        self.plans = 0

    def stack_path(self) -> Path:
        """The stack file a plan reads: in --stacks-dir, else in the project's stackConfigDir."""
        if self.stacks_dir is not None:
            return self.stacks_dir / f"Pulumi.{self.stack}.yaml"
        try:
            folder = (load_project(self.project_dir) if self.project_dir else root_project()).stacks_dir
        except (StackFileError, OSError, ValueError):
            folder = (self.project_dir or REPO_ROOT) / "stacks"  # the plan itself names what is wrong
        return folder / f"Pulumi.{self.stack}.yaml"

    def inputs(self) -> Inputs:
        """Digests of everything a plan depends on, to tell what changed since the last look."""
        project_root = self.project_dir or REPO_ROOT
        plan_files = [self.stack_path(), project_root / "Pulumi.yaml", *sorted((PACK_DIR / "config").glob("*"))]
        rules = [*_python_files(PACK_DIR, ["."]), PACK_DIR / "PulumiPolicy.yaml"]
        return Inputs(_digest(plan_files), _digest(rules), _digest(_python_files(REPO_ROOT, CODE_DIRS)))

    def plan(self) -> PlanOutcome:
        """Plan the stack now, as `make_plan` would, on the kept pack (started or replaced as needed)."""
        refused = preflight(PACK_DIR)
        if refused is not None:
            return PlanOutcome(refused[0], error=refused[1])
        try:
            if self.project_dir is None:
                project = root_project(self.stacks_dir is None)
            else:
                project = load_project(self.project_dir)
            stack_file = load_stack_file(self.stacks_dir or project.stacks_dir, self.stack)
        except (UnknownStackError, StackFileError) as exc:
            return PlanOutcome(EXIT_CONFIG, error=str(exc))
        refused = stack_file_refused(stack_file) if self.project_dir is None else None
        if refused is not None:
            return refused
        analyzer = self._pack(stack_file.name, project.name)
        self.plans += 1
        try:
            started = start_plan(stack_file, project, analyzer, budgeted=self.project_dir is None)
            outcome = started if isinstance(started, PlanOutcome) else finish_plan(started, keep_pack=True)
        except BaseException:
            self.restart_pack()
            raise
        if isinstance(started, PlanOutcome) or outcome.exit_code == EXIT_PACK:
            # The pack may be mid-analysis of a program that stopped, or broken: never reuse it.
            self.restart_pack()
        return outcome

    def _pack(self, stack: str, project: str) -> PolicyAnalyzer:
        if self.analyzer is None or self.analyzer.proc is None or self.analyzer.proc.poll() is not None:
            self.analyzer = PolicyAnalyzer(PACK_DIR, stack=stack, project=project)
            self.analyzer.spawn()
        return self.analyzer

    def restart_pack(self) -> None:
        """Stop the pack; the next plan starts a new one (after a failure, or when the rules changed)."""
        if self.analyzer is not None:
            self.analyzer.abort()
            self.analyzer = None

    def close(self) -> None:
        """Stop the pack for good."""
        self.restart_pack()


__all__ = ["EXIT_OK", "Inputs", "StackWatch"]
