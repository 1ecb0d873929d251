"""The offline side of sandboxes: read the template's limits and plan a sandbox before Pulumi runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infra.config.load import ConfigError, config_from_stack_file
from infra.config.observability import scrape_interval
from infra.config.stack import budget_for
from infra.offline.document import build_document
from infra.offline.engine import ProgramError, run_stack_file
from infra.offline.stackfile import StackFile, StackFileError, UnknownStackError, load_stack_file
from infra.plan.cost import add_cost
from infra.sandbox.spec import TEMPLATE, Estimate, SandboxRefused


def template_limits(stacks_dir: Path) -> tuple[StackFile, str, int, int]:
    """The template stack file, the cluster `--gpu` changes, and the maximum and default TTL in hours."""
    try:
        template = load_stack_file(stacks_dir, TEMPLATE)
        config = config_from_stack_file(template)
    except (UnknownStackError, StackFileError, ConfigError) as exc:
        raise SandboxRefused(f"the sandbox template is unusable: {exc}") from None
    if config.sandbox is None:
        raise SandboxRefused(f"{template.path} has no mlinfra:sandbox section (budget_per_hour, max_ttl_hours, ...)")
    return template, config.sandbox.cluster, config.sandbox.max_ttl_hours, config.sandbox.default_ttl_hours


def plan_sandbox(stack_file: StackFile) -> Estimate:
    """Plan the sandbox offline and check its peak cost against its budget."""
    try:
        run = run_stack_file(stack_file)
    except ProgramError as exc:
        if isinstance(exc.cause, ConfigError):
            raise SandboxRefused(str(exc.cause)) from None
        raise
    document: dict[str, Any] = build_document(run)
    config = config_from_stack_file(stack_file)
    breach = add_cost(document, budget_for(config), scrape_interval_seconds=scrape_interval(config))
    return Estimate(document, breach.message if breach else None, dict(stack_file.config))
