"""What `mlinfra plan` does, apart from printing: run the engine, classify failures, build the document."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.config import ConfigError
from infra.offline.analyzer import PolicyPackError
from infra.offline.document import build_document
from infra.offline.engine import STACKS_DIR, ProgramError, run_stack
from infra.offline.policy_check import check_run, mandatory_violations
from infra.offline.policy_config import PolicyConfigError
from infra.offline.stackfile import StackFileError, UnknownStackError

EXIT_OK, EXIT_POLICY, EXIT_CONFIG, EXIT_PACK = 0, 1, 2, 3


@dataclass
class PlanOutcome:
    """A plan document, or the message and exit code that explain why there is none."""

    exit_code: int
    document: dict[str, Any] | None = None
    error: str | None = None


def make_plan(stack: str, stacks_dir: Path | None = None) -> PlanOutcome:
    """Plan one stack; config problems become exit 2 with the message, never a traceback."""
    try:
        run = run_stack(stack, stacks_dir or STACKS_DIR)
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
    return PlanOutcome(EXIT_POLICY if mandatory_violations(policy) else EXIT_OK, document=document)
