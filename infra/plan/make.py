"""What `mlinfra plan` does, apart from printing: run the engine, classify failures, build the document."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.config.load import ConfigError, config_from_stack_file
from infra.config.observability import scrape_interval
from infra.config.stack import budget_for
from infra.offline.analyzer import PolicyAnalyzer, PolicyPackError
from infra.offline.document import build_document
from infra.offline.engine import PROGRAM, PROJECT, STACKS_DIR, ProgramError, Project, load_project, run_stack_file
from infra.offline.policy_check import PACK_DIR, check_run, config_file, finish_streamed, mandatory_violations
from infra.offline.policy_config import PolicyConfigError, load_policy_config
from infra.offline.policy_stream import PolicyStream
from infra.offline.stackfile import StackFileError, UnknownStackError, load_stack_file
from infra.plan.cost import add_cost

EXIT_OK, EXIT_POLICY, EXIT_CONFIG, EXIT_PACK = 0, 1, 2, 3


@dataclass
class PlanOutcome:
    """A plan document and/or the message and exit code that explain what is wrong."""

    exit_code: int
    document: dict[str, Any] | None = None
    error: str | None = None


def _stream(analyzer: PolicyAnalyzer, environment: str | None,
            project: str) -> tuple[PolicyStream | None, Path | None]:
    """Resources go to the pack as they register, under the policy config the stack file names.

    No stream when that config cannot be read: the check after the run reports the same error
    then, after any config error of the stack itself, as before.
    """
    config = config_file(environment, PACK_DIR, project)
    try:
        settings = load_policy_config(config) if config else {}
    except PolicyConfigError:
        return None, config
    return PolicyStream(analyzer, settings), config


def make_plan(stack: str, stacks_dir: Path | None = None, project_dir: Path | None = None) -> PlanOutcome:
    """Plan one stack; config problems become exit 2 with the message, never a traceback.

    `project_dir` plans another Pulumi project in the repository (e.g. infra/bootstrap) instead.
    """
    try:
        project = Project(PROJECT, PROGRAM, stacks_dir or STACKS_DIR) if project_dir is None \
            else load_project(project_dir)
        stack_file = load_stack_file(stacks_dir or project.stacks_dir, stack)
    except (UnknownStackError, StackFileError) as exc:
        return PlanOutcome(EXIT_CONFIG, error=str(exc))
    # The policy pack takes about a second to start: it loads while the program runs. Every way
    # out before the check stops it at once (a config error must not wait for a pack it never uses).
    analyzer = PolicyAnalyzer(PACK_DIR, stack=stack_file.name, project=project.name)
    analyzer.spawn()
    stream, streamed_config = _stream(analyzer, stack_file.config.get(f"{project.name}:environment"), project.name)
    try:
        try:
            run = run_stack_file(stack_file, project.program, project.name,
                                 on_register=stream.submit if stream else None)
        except ProgramError as exc:
            if isinstance(exc.cause, ConfigError):
                return PlanOutcome(EXIT_CONFIG, error=str(exc.cause))
            raise
        environment = run.outputs.get("environment")
        try:
            config = config_file(environment, PACK_DIR, project.name)
            if stream is not None and config == streamed_config:
                policy = finish_streamed(stream, analyzer, config)
            else:
                if stream is not None:
                    stream.finish()  # analysed under a config the program did not confirm: redo
                policy = check_run(run, environment, analyzer=analyzer)
        except (PolicyPackError, PolicyConfigError) as exc:
            return PlanOutcome(EXIT_PACK, error=f"policy check failed: {exc}")
    finally:
        if stream is not None:
            stream.cancel()
        analyzer.abort()  # nothing left to stop once the check closed it
    document = build_document(run, policy=policy)
    # Budgets are part of the main project's config; other projects (bootstrap) are costed only.
    config = config_from_stack_file(run.stack_file) if project_dir is None else None
    budget = budget_for(config) if config is not None else None
    breach = add_cost(document, budget, scrape_interval_seconds=scrape_interval(config) if config else None)
    # Both failures are reported together: a reviewer fixes them in one pass.
    problems = []
    rules = sorted({v["policy"] for v in mandatory_violations(policy)})
    if rules:
        problems.append(f"mandatory policy violations: {', '.join(rules)}")
    if breach is not None:
        problems.append(f"stack '{stack}' is over budget: {breach.message}")
    if problems:
        return PlanOutcome(EXIT_POLICY, document=document, error="\n".join(problems))
    return PlanOutcome(EXIT_OK, document=document)
