"""What `mlinfra plan --all` does: every stack of the project and of the bootstrap, in one process.

The SDKs load once, and one policy pack process serves every stack: the pack's servicer keeps no
state between stacks but the config, which each stack's Configure replaces whole (pulumi_policy
1.21.0, pulumi_policy/policy.py: `Configure` assigns `__policy_pack_config`; `Analyze` and
`AnalyzeStack` read only their request), and no rule of policies/ reads the stack or project
name the pack was started with (tests/infra/plan/test_make_all.py checks both). A pack that
failed, or was stopped because a stack failed, is replaced by a fresh one for the next stack.
The physical-name check of `mlinfra names check` runs over the same documents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.config.load import ConfigError
from infra.offline.analyzer import PolicyAnalyzer
from infra.offline.engine import PROGRAM, PROJECT, ProgramError, Project, load_project
from infra.offline.policy_check import PACK_DIR
from infra.offline.stackfile import StackFileError, UnknownStackError, available_stacks, load_stack_file
from infra.plan import make
from infra.plan.make import EXIT_CONFIG, EXIT_OK, EXIT_PACK, EXIT_POLICY, PlanOutcome
from infra.plan.name_plans import BOOTSTRAP_DIR, PlanInput, plan_documents, sample_sandboxes
from infra.plan.names import check_documents, describe
from infra.plan.preflight import preflight
from infra.sandbox.plan import SandboxRefused
from infra.sandbox.spec import PREFIX

# Worst first. A config error (2) is what a reviewer must fix before anything else is worth
# reading, and it must never be hidden by a pack failure (3) or a policy/budget failure (1)
# elsewhere; a pack that could not run (3) says less was checked than a plan that failed a rule (1).
EXIT_SEVERITY = (EXIT_CONFIG, EXIT_PACK, EXIT_POLICY, EXIT_OK)


@dataclass
class StackPlan:
    """One stack's outcome under `plan --all`."""

    project: str
    stack: str
    outcome: PlanOutcome


@dataclass
class CheckOutcome:
    """A cross-stack check over the plan documents, reported like a stack."""

    name: str
    exit_code: int
    report: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass
class AllPlans:
    """Every stack's outcome in planning order, and the cross-stack checks."""

    stacks: list[StackPlan]
    checks: list[CheckOutcome]

    @property
    def exit_code(self) -> int:
        """The worst exit code of any stack or check, in EXIT_SEVERITY's order."""
        return worst({s.outcome.exit_code for s in self.stacks} | {c.exit_code for c in self.checks})


def worst(codes: set[int]) -> int:
    """The code that wins among `codes` (EXIT_SEVERITY order)."""
    return next((code for code in EXIT_SEVERITY if code in codes), EXIT_OK)


def all_stacks(stacks_dir: Path, bootstrap_dir: Path | None = BOOTSTRAP_DIR) -> list[tuple[Project, str]]:
    """Every stack `plan --all` plans, in order: the project's stack files, then the bootstrap's.

    Live sandboxes (`Pulumi.sandbox-*.yaml`, written by Pulumi on an engineer's machine) are left
    out as `mlinfra names check` leaves them out; the template is planned as stack `sandbox`.
    """
    main = Project(PROJECT, PROGRAM, stacks_dir)
    found = [(main, s) for s in available_stacks(stacks_dir) if not s.startswith(PREFIX)]
    if bootstrap_dir is not None and (bootstrap_dir / "Pulumi.yaml").is_file():
        bootstrap = load_project(bootstrap_dir)
        found += [(bootstrap, s) for s in available_stacks(bootstrap.stacks_dir)]
    return found


def plan_all(stacks_dir: Path, bootstrap_dir: Path | None = BOOTSTRAP_DIR,
             on_stack: Callable[[str, str], None] | None = None) -> AllPlans:
    """Plan every stack of `all_stacks`, then run the cross-stack checks over their documents.

    `on_stack(project, stack)` is called before each stack is planned (the progress display).
    """
    refused = preflight(PACK_DIR)
    if refused is not None:
        return AllPlans([], [CheckOutcome("policy pack", refused[0], error=refused[1])])
    try:
        planned = all_stacks(stacks_dir, bootstrap_dir)
    except StackFileError as exc:  # a project file (the bootstrap's Pulumi.yaml) that cannot be read
        return AllPlans([], [CheckOutcome("projects", EXIT_CONFIG, error=str(exc))])
    stacks: list[StackPlan] = []
    analyzer: PolicyAnalyzer | None = None
    try:
        for project, name in planned:
            if on_stack is not None:
                on_stack(project.name, name)
            if analyzer is None or analyzer.proc is None or analyzer.proc.poll() is not None:
                # Spawned before the stack file is even read: it loads while the program runs.
                analyzer = make.PolicyAnalyzer(PACK_DIR, stack=name, project=project.name)
                analyzer.spawn()
            outcome = _plan_one(project, name, analyzer)
            if outcome.document is None or outcome.exit_code == EXIT_PACK:
                analyzer.abort()  # it may still be analysing this stack, or be broken: a fresh one next
            stacks.append(StackPlan(project.name, name, outcome))
    finally:
        if analyzer is not None:
            # Every stack has its answers by now: killed, not asked to stop (a graceful stop
            # waited about 0.6 s for the pack's server to shut down, for nothing).
            analyzer.abort()
    if on_stack is not None:
        on_stack("", "names check")
    return AllPlans(stacks, [names_check(stacks, stacks_dir)])


def _plan_one(project: Project, name: str, analyzer: PolicyAnalyzer) -> PlanOutcome:
    try:
        stack_file = load_stack_file(project.stacks_dir, name)
    except (UnknownStackError, StackFileError) as exc:
        return PlanOutcome(EXIT_CONFIG, error=str(exc))
    budgeted = project.program == PROGRAM  # the main project; the bootstrap is costed only
    refused = make.stack_file_refused(stack_file) if budgeted else None
    if refused is not None:
        return refused
    try:
        return make.plan_stack_file(stack_file, project, analyzer, budgeted=budgeted, keep_pack=True)
    except BaseException:
        analyzer.abort()
        raise


def names_check(stacks: list[StackPlan], stacks_dir: Path) -> CheckOutcome:
    """`mlinfra names check` over the documents planned here plus its sample sandboxes.

    A stack that could not be planned is named as not checked; its own exit code already fails the run.
    """
    missing = [s.stack for s in stacks if s.outcome.document is None]
    documents = [s.outcome.document for s in stacks if s.outcome.document is not None]
    try:
        # The samples stand for engineers' sandboxes side by side; they are planned only here.
        documents += plan_documents([PlanInput(f) for f in sample_sandboxes(stacks_dir)])
    except (ProgramError, SandboxRefused) as exc:
        if isinstance(exc, ProgramError) and not isinstance(exc.cause, ConfigError):
            raise
        missing.append("the sample sandboxes")
    report = check_documents(documents)
    problems = describe(report)
    notes = problems + ([f"not checked: {', '.join(missing)} could not be planned"] if missing else [])
    return CheckOutcome("names", EXIT_POLICY if problems else EXIT_OK,
                        report.as_dict([d["stack"] for d in documents]), "\n".join(notes) or None)
