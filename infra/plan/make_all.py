"""What `mlinfra plan --all` does: every stack of the project and of the bootstrap, in one process.

The SDKs load once, and one policy pack process serves every stack: the pack's servicer keeps no
state between stacks but the config, which each stack's Configure replaces whole (pulumi_policy
1.21.0, pulumi_policy/policy.py: `Configure` assigns `__policy_pack_config`; `Analyze` and
`AnalyzeStack` read only their request), and no rule of policies/ reads the stack or project
name the pack was started with (tests/infra/plan/test_make_all.py checks both).

The stacks are pipelined: a stack's program runs while the pack still analyses the ones before
it, each stack's analysis configured only once the one before it has ended (StreamChain). A
stack whose analysis failed fails with exit 3; the stacks behind it on that pack are analysed
again on a fresh one. The physical-name check of `mlinfra names check` runs over the same
documents, its sample sandboxes planned while the pack finishes.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.config.load import ConfigError
from infra.offline.analyzer import PolicyAnalyzer
from infra.offline.engine import PROGRAM, PROJECT, ProgramError, Project, load_project
from infra.offline.policy_check import PACK_DIR
from infra.offline.policy_stream import StreamChain
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

    Pipelined: each stack's program runs while the pack still analyses the stacks before it (its
    stream is chained behind theirs), so the plan process and the pack keep both cores busy
    instead of taking turns. Once every program has run, each stack is judged in order.
    `on_stack(project, stack)` is called before each stack is planned, and `on_stack("", what)`
    before each later phase (the progress display).
    """
    refused = preflight(PACK_DIR)
    if refused is not None:
        return AllPlans([], [CheckOutcome("policy pack", refused[0], error=refused[1])])
    try:
        planned = all_stacks(stacks_dir, bootstrap_dir)
    except StackFileError as exc:  # a project file (the bootstrap's Pulumi.yaml) that cannot be read
        return AllPlans([], [CheckOutcome("projects", EXIT_CONFIG, error=str(exc))])
    packs = _Packs()
    try:
        started = []
        for project, name in planned:
            if on_stack is not None:
                on_stack(project.name, name)
            # What is alive now (the SDK modules earlier stacks loaded, their runs) stays alive
            # to the end: frozen, the collector stops rescanning it in every full collection
            # (about 0.4 s of a plan --all, measured 2026-11-29). Unfrozen once all is planned.
            gc.freeze()
            started.append((project.name, name, _start_one(project, name, packs)))
        _progress(on_stack, "planning the names check's sample sandboxes")
        samples = _sample_documents(stacks_dir)  # needs no pack: it runs while the pack catches up
        _progress(on_stack, "waiting for the policy checks")
        packs.wait()
        stacks = [StackPlan(project, name, packs.finish(plan)) for project, name, plan in started]
    finally:
        gc.unfreeze()
        packs.stop()
    return AllPlans(stacks, [names_check(stacks, samples)])


def _progress(on_stack: Callable[[str, str], None] | None, what: str) -> None:
    if on_stack is not None:
        on_stack("", what)


def _start_one(project: Project, name: str, packs: _Packs) -> make.StartedPlan | PlanOutcome:
    try:
        stack_file = load_stack_file(project.stacks_dir, name)
    except (UnknownStackError, StackFileError) as exc:
        return PlanOutcome(EXIT_CONFIG, error=str(exc))
    budgeted = project.program == PROGRAM  # the main project; the bootstrap is costed only
    refused = make.stack_file_refused(stack_file) if budgeted else None
    if refused is not None:
        return refused
    analyzer, chain = packs.current(project.name, name)
    return make.start_plan(stack_file, project, analyzer, budgeted=budgeted, chain=chain)


class _Packs:
    """The pack processes of one `plan --all`: normally one, which analyses every stack in turn.

    A stack whose analysis failed has its pack stopped; the stacks chained behind it on that pack
    are analysed again, once every program has run, on a fresh pack (`finish`).
    """

    def __init__(self) -> None:
        self._all: list[PolicyAnalyzer] = []
        self._chains: list[StreamChain] = []
        self._spare: PolicyAnalyzer | None = None

    def current(self, project: str, stack: str) -> tuple[PolicyAnalyzer, StreamChain]:
        """The pack new streams go to, and its chain; a new pack (and chain) when it has died."""
        if not self._all or not _alive(self._all[-1]):
            self._all.append(_spawn(project, stack))
            self._chains.append(StreamChain())
        return self._all[-1], self._chains[-1]

    def wait(self) -> None:
        """Wait for every stream: from here on no pack is busy, so any may be asked again."""
        for chain in self._chains:
            chain.wait()

    def finish(self, started: make.StartedPlan | PlanOutcome) -> PlanOutcome:
        """Judge one stack, on the pack that analysed it or, when that pack failed first, on a sound one."""
        if isinstance(started, PlanOutcome):
            return started
        if not _alive(started.analyzer) or (started.stream is not None and started.stream.failed_earlier):
            # Not analysed, or not to the end, by a working pack: analysed anew, in one go.
            started.stream = None
            started.analyzer = self._sound(started.project.name, started.run.stack)
        outcome = make.finish_plan(started, keep_pack=True)
        if outcome.exit_code == EXIT_PACK:
            started.analyzer.abort()  # it may be broken: the stacks after this one get a fresh pack
        return outcome

    def _sound(self, project: str, stack: str) -> PolicyAnalyzer:
        if self._spare is None or not _alive(self._spare):
            self._spare = _spawn(project, stack)
            self._all.append(self._spare)
        return self._spare

    def stop(self) -> None:
        """Kill every pack: every stack has its answers, or the run is failing (a graceful stop
        waited about 0.6 s for the pack's server to shut down, for nothing)."""
        for pack in self._all:
            pack.abort()


def _alive(analyzer: PolicyAnalyzer) -> bool:
    return analyzer.proc is not None and analyzer.proc.poll() is None


def _spawn(project: str, stack: str) -> PolicyAnalyzer:
    # Spawned before the stack file is even read: the pack loads while the program runs.
    analyzer = make.PolicyAnalyzer(PACK_DIR, stack=stack, project=project)
    analyzer.spawn()
    return analyzer


def _sample_documents(stacks_dir: Path) -> list[dict[str, Any]] | None:
    """The names check's sample sandboxes, planned; None when they cannot be (a config error)."""
    try:
        return plan_documents([PlanInput(f) for f in sample_sandboxes(stacks_dir)])
    except (ProgramError, SandboxRefused) as exc:
        if isinstance(exc, ProgramError) and not isinstance(exc.cause, ConfigError):
            raise
        return None


def names_check(stacks: list[StackPlan], samples: list[dict[str, Any]] | None) -> CheckOutcome:
    """`mlinfra names check` over the documents planned here plus its sample sandboxes (None: not plannable).

    A stack that could not be planned is named as not checked; its own exit code already fails the run.
    """
    missing = [s.stack for s in stacks if s.outcome.document is None]
    documents = [s.outcome.document for s in stacks if s.outcome.document is not None]
    # The samples stand for engineers' sandboxes side by side; they are planned only here.
    if samples is None:
        missing.append("the sample sandboxes")
    documents += samples or []
    report = check_documents(documents)
    problems = describe(report)
    notes = problems + ([f"not checked: {', '.join(missing)} could not be planned"] if missing else [])
    return CheckOutcome("names", EXIT_POLICY if problems else EXIT_OK,
                        report.as_dict([d["stack"] for d in documents]), "\n".join(notes) or None)
