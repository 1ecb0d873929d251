"""What `mlinfra plan` does, apart from printing: run the engine, classify failures, build the document."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.config import ConfigError
from infra.config_sandbox import budget_for, config_from_stack_file
from infra.cost import add_cost
from infra.offline.analyzer import PolicyPackError
from infra.offline.document import build_document
from infra.offline.engine import STACKS_DIR, ProgramError, load_project, run_stack
from infra.offline.policy_check import check_run, mandatory_violations
from infra.offline.policy_config import PolicyConfigError
from infra.offline.stackfile import StackFileError, UnknownStackError

EXIT_OK, EXIT_POLICY, EXIT_CONFIG, EXIT_PACK = 0, 1, 2, 3


@dataclass
class PlanOutcome:
    """A plan document and/or the message and exit code that explain what is wrong."""

    exit_code: int
    document: dict[str, Any] | None = None
    error: str | None = None


def make_plan(stack: str, stacks_dir: Path | None = None, project_dir: Path | None = None) -> PlanOutcome:
    """Plan one stack; config problems become exit 2 with the message, never a traceback.

    `project_dir` plans another Pulumi project in the repository (e.g. infra/bootstrap) instead.
    """
    try:
        if project_dir is None:
            run = run_stack(stack, stacks_dir or STACKS_DIR)
        else:
            project = load_project(project_dir)
            run = run_stack(stack, stacks_dir or project.stacks_dir, project.program, project.name)
    except (UnknownStackError, StackFileError) as exc:
        return PlanOutcome(EXIT_CONFIG, error=str(exc))
    except ProgramError as exc:
        if isinstance(exc.cause, ConfigError):
            return PlanOutcome(EXIT_CONFIG, error=str(exc.cause))
        raise
    environment = run.outputs.get("environment")
    try:
        policy = check_run(run, environment)
    except (PolicyPackError, PolicyConfigError) as exc:
        return PlanOutcome(EXIT_PACK, error=f"policy check failed: {exc}")
    document = build_document(run, policy=policy)
    # Budgets are part of the main project's config; other projects (bootstrap) are costed only.
    budget = budget_for(config_from_stack_file(run.stack_file)) if project_dir is None else None
    breach = add_cost(document, budget)
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
