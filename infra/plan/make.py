"""What `mlinfra plan` does, apart from printing: run the engine, classify failures, build the document."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infra.config.load import ConfigError, config_from_stack_file, stack_file_problems
from infra.config.observability import scrape_interval
from infra.config.stack import budget_for
from infra.offline.analyzer import PolicyAnalyzer, PolicyPackError
from infra.offline.document import build_document
from infra.offline.engine import (
    PROJECT,
    REPO_ROOT,
    ProgramError,
    ProgramRun,
    Project,
    load_project,
    run_stack_file,
)
from infra.offline.monitor import DuplicateUrnError
from infra.offline.policy_check import PACK_DIR, check_run, config_file, finish_streamed, mandatory_violations
from infra.offline.policy_config import PolicyConfigError, load_policy_config
from infra.offline.policy_stream import PolicyStream, StreamChain
from infra.offline.stackfile import SECRET_PLACEHOLDER, StackFile, StackFileError, UnknownStackError, load_stack_file
from infra.plan.cost import BudgetBreach, add_cost
from infra.plan.preflight import preflight
from infra.plan.scale_check import scale_report
from infra.plan.tag_limits import tag_count_problems

EXIT_OK, EXIT_POLICY, EXIT_CONFIG, EXIT_PACK = 0, 1, 2, 3
# The project `mlinfra plan` plans by default: its Pulumi.yaml says where the program and the stacks are,
# for `pulumi` and for the plan alike, so a broken one fails here as it would fail there.
ROOT_PROJECT_DIR = REPO_ROOT


@dataclass
class PlanOutcome:
    """A plan document and/or the message and exit code that explain what is wrong."""

    exit_code: int
    document: dict[str, Any] | None = None
    error: str | None = None


def _stream(analyzer: PolicyAnalyzer, environment: str | None, project: str,
            chain: StreamChain | None = None) -> tuple[PolicyStream | None, Path | None]:
    """Resources go to the pack as they register, under the policy config the stack file names.

    No stream when that config cannot be read: the check after the run reports the same error
    then, after any config error of the stack itself, as before. `chain`: see PolicyStream.
    """
    config = config_file(environment, PACK_DIR, project)
    try:
        settings = load_policy_config(config) if config else {}
    except PolicyConfigError:
        return None, config
    return PolicyStream(analyzer, settings, chain), config


def root_project(uses_stack_dir: bool = True) -> Project:
    """The main project as its Pulumi.yaml describes it; StackFileError names the file and key when it cannot."""
    path = ROOT_PROJECT_DIR / "Pulumi.yaml"
    try:
        project = load_project(ROOT_PROJECT_DIR)
    except yaml.YAMLError as exc:
        raise StackFileError(f"{path}: not valid YAML: {exc}") from None
    if project.name != PROJECT:
        raise StackFileError(f"{path}: name: the program reads its config under '{PROJECT}:', so the project must "
                             f"be named '{PROJECT}' (got {project.name!r})")
    if not project.program.is_file():
        raise StackFileError(f"{path}: main: the program {project.program} does not exist; set main: infra/")
    if uses_stack_dir and not project.stacks_dir.is_dir():
        raise StackFileError(f"{path}: stackConfigDir: {project.stacks_dir} is not a directory; set "
                             "stackConfigDir: stacks")
    return project


def stack_file_refused(stack_file: StackFile) -> PlanOutcome | None:
    """Exit 2 for what only the stack file shows (unknown namespaces, plain credentials), else None."""
    problems = stack_file_problems(stack_file, SECRET_PLACEHOLDER)
    if problems:
        return PlanOutcome(EXIT_CONFIG, error=f"{stack_file.path}:\n{ConfigError(stack_file.name, problems)}")
    return None


def make_plan(stack: str, stacks_dir: Path | None = None, project_dir: Path | None = None) -> PlanOutcome:
    """Plan one stack; config problems become exit 2 with the message, never a traceback.

    `project_dir` plans another Pulumi project in the repository (e.g. infra/bootstrap) instead.
    """
    refused = preflight(PACK_DIR)
    if refused is not None:
        return PlanOutcome(refused[0], error=refused[1])
    try:
        project = root_project(stacks_dir is None) if project_dir is None else load_project(project_dir)
        stack_file = load_stack_file(stacks_dir or project.stacks_dir, stack)
    except (UnknownStackError, StackFileError) as exc:
        return PlanOutcome(EXIT_CONFIG, error=str(exc))
    refused = stack_file_refused(stack_file) if project_dir is None else None
    if refused is not None:
        return refused
    # The policy pack takes about a second to start: it loads while the program runs. Every way
    # out before the check stops it at once (a config error must not wait for a pack it never uses).
    analyzer = PolicyAnalyzer(PACK_DIR, stack=stack_file.name, project=project.name)
    analyzer.spawn()
    try:
        return plan_stack_file(stack_file, project, analyzer, budgeted=project_dir is None)
    finally:
        analyzer.abort()  # nothing left to stop once the check closed it


def plan_stack_file(stack_file: StackFile, project: Project, analyzer: PolicyAnalyzer, *,
                    budgeted: bool) -> PlanOutcome:
    """Run one stack under `analyzer` (spawned for it) and judge it; the pack is closed when the check is done.

    On every failure the caller must stop the pack, as it may be mid-analysis of this stack.
    """
    started = start_plan(stack_file, project, analyzer, budgeted=budgeted)
    return started if isinstance(started, PlanOutcome) else finish_plan(started)


@dataclass
class StartedPlan:
    """A stack whose program has run and whose policy analysis may still be running in its stream."""

    project: Project
    run: ProgramRun
    analyzer: PolicyAnalyzer
    stream: PolicyStream | None
    streamed_config: Path | None
    budgeted: bool


def start_plan(stack_file: StackFile, project: Project, analyzer: PolicyAnalyzer, *, budgeted: bool,
               chain: StreamChain | None = None) -> StartedPlan | PlanOutcome:
    """Run the program, its resources streamed to the pack; exit 2 at once on a config error.

    Returns without waiting for the pack: `finish_plan` does. `chain` puts the analysis behind
    the other stacks' on the same pack (`mlinfra plan --all`).
    """
    stream, streamed_config = _stream(analyzer, stack_file.config.get(f"{project.name}:environment"),
                                      project.name, chain)
    try:
        run = run_stack_file(stack_file, project.program, project.name,
                             on_register=stream.submit if stream else None)
    except BaseException as exc:
        if stream is not None:
            stream.cancel()
        if isinstance(exc, ProgramError) and isinstance(exc.cause, (ConfigError, DuplicateUrnError)):
            return PlanOutcome(EXIT_CONFIG, error=str(exc.cause))
        raise
    if stream is not None:
        stream.end_input()
    return StartedPlan(project, run, analyzer, stream, streamed_config, budgeted)


def finish_plan(started: StartedPlan, keep_pack: bool = False) -> PlanOutcome:
    """Wait for the stack's policy analysis (or run it, without a usable stream) and judge the plan.

    The stack's pack is closed when the check is done unless `keep_pack` (`mlinfra plan --all`
    reuses it).
    """
    run, stream, project, analyzer = started.run, started.stream, started.project, started.analyzer
    environment = run.outputs.get("environment")
    drafted = None
    try:
        config = config_file(environment, PACK_DIR, project.name)
        if stream is not None and config == started.streamed_config:
            # The pack is still on the last resources and AnalyzeStack, on the other core: meanwhile
            # this thread makes all of the document that does not depend on the findings.
            try:
                drafted = draft(run, started.budgeted)
            except BaseException:
                stream.cancel()  # the plan fails here; the pack's answers are no longer wanted
                raise
            policy = finish_streamed(stream, analyzer, config, keep_open=keep_pack)
        else:
            if stream is not None:
                stream.finish()  # analysed under a config the program did not confirm: redo
            policy = check_run(run, environment, analyzer=analyzer, keep_open=keep_pack)
    except (PolicyPackError, PolicyConfigError) as exc:
        return PlanOutcome(EXIT_PACK, error=f"policy check failed: {exc}")
    return judge(run, policy, started.budgeted, drafted)


@dataclass
class Draft:
    """The plan document before the policy findings are in, with every verdict that does not need them."""

    document: dict[str, Any]
    too_many_tags: list[str]
    breach: BudgetBreach | None = None
    unscalable: list[str] = field(default_factory=list)


def draft(run: ProgramRun, budgeted: bool) -> Draft:
    """The document with its cost (the `policy` field a placeholder), tag limits, budget and scale checks."""
    document = build_document(run)
    too_many = tag_count_problems(document)
    if too_many:  # the cloud refuses such a resource at apply: a config error, before cost and policy
        return Draft(document, too_many)
    # Budgets are part of the main project's config; other projects (bootstrap) are costed only.
    config = config_from_stack_file(run.stack_file) if budgeted else None
    budget = budget_for(config) if config is not None else None
    breach = add_cost(document, budget, scrape_interval_seconds=scrape_interval(config) if config else None)
    # A GPU pool the autoscaler cannot grow from zero is a pool that never runs a job (infra.plan.scale_check).
    unscalable = [f"GPU pool {line.pool} would not scale: {line.detail}"
                  for line in scale_report(document) if not line.ok]
    return Draft(document, [], breach, unscalable)


def judge(run: ProgramRun, policy: dict[str, Any], budgeted: bool, drafted: Draft | None = None) -> PlanOutcome:
    """The plan document with its policy findings and cost; exit 1 on mandatory violations or a budget breach.

    `drafted`: the draft of this run, made while the pack worked (else it is made here).
    """
    drafted = drafted or draft(run, budgeted)
    if drafted.too_many_tags:
        return PlanOutcome(EXIT_CONFIG, error=f"invalid config for stack '{run.stack}':\n" +
                           "\n".join(f"  - {line}" for line in drafted.too_many_tags))
    document = drafted.document
    document["policy"] = policy  # in the place build_document keeps for it
    # Both failures are reported together: a reviewer fixes them in one pass.
    problems = []
    rules = sorted({v["policy"] for v in mandatory_violations(policy)})
    if rules:
        problems.append(f"mandatory policy violations: {', '.join(rules)}")
    if drafted.breach is not None:
        problems.append(f"stack '{run.stack}' is over budget: {drafted.breach.message}")
    problems += drafted.unscalable
    if problems:
        return PlanOutcome(EXIT_POLICY, document=document, error="\n".join(problems))
    return PlanOutcome(EXIT_OK, document=document)
