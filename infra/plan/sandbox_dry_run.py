"""`mlinfra sandbox create --dry-run`: the sandbox planned, priced, policy-checked and name-checked offline.

Nothing here needs the Pulumi CLI or a backend: it is what `create` would deploy, judged the way
`mlinfra plan` judges a stack (the policy pack through the analyzer protocol, the budget), plus its
physical names against every committed stack's. So a sandbox can be tried on a laptop with no CLI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from infra.catalog.accelerators import Cloud
from infra.config.sandbox import with_expiry
from infra.offline.analyzer import PolicyAnalyzer
from infra.offline.policy_check import PACK_DIR
from infra.plan.make import EXIT_CONFIG, EXIT_OK, EXIT_POLICY, plan_stack_file, root_project, stack_file_refused
from infra.plan.name_plans import plan_documents, plan_inputs
from infra.plan.names import check_documents, describe
from infra.plan.preflight import preflight
from infra.sandbox.plan import template_limits
from infra.sandbox.spec import PREFIX, hours, iso, parse_gpu, parse_ttl, sandbox_stack_file, stack_name


@dataclass
class DryRun:
    """What `create` would make, and every reason it would refuse."""

    stack: str
    exit_code: int
    lines: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    document: dict[str, Any] | None = None


def _pool_line(config: dict[str, str], cluster: str) -> str:
    spec = json.loads(config.get("mlinfra:clusters", "{}")).get(cluster, {})
    pools = [f"{name}: {p.get('accelerator')} x{p.get('gpus_per_node', 1)} per node, {p.get('min_nodes', 0)}.."
             f"{p.get('max_nodes', 1)} nodes, {p.get('capacity', 'on-demand')}"
             for name, p in (spec.get("gpu_pools") or {}).items()]
    return f"cloud {spec.get('cloud')}, cluster {cluster}; GPU pools: {'; '.join(pools) or 'none'}"


def dry_run(owner: str, name: str, cloud: Cloud | None, gpu: str | None, ttl: str | None, stacks_dir: Path,
            now: datetime) -> DryRun:
    """Plan the sandbox `create OWNER --name NAME ...` would make; SandboxRefused for a bad owner, name or option."""
    stack = stack_name(owner, name)
    wanted_gpu = parse_gpu(gpu) if gpu else None
    template, cluster, max_ttl, default_ttl = template_limits(stacks_dir)
    lifetime = parse_ttl(ttl) if ttl else timedelta(hours=default_ttl)
    result = DryRun(stack, EXIT_OK)
    if lifetime > timedelta(hours=max_ttl):
        result.refusals.append(f"--ttl {ttl} is longer than the sandbox maximum of {max_ttl}h "
                               "(mlinfra:sandbox.max_ttl_hours)")
    expires = now + lifetime
    made = sandbox_stack_file(template, stack, owner, cluster, cloud, wanted_gpu)
    stack_file = replace(made, config=with_expiry(made.config, expires))
    result.lines += [f"dry run: {stack} (nothing was created; no Pulumi CLI needed)",
                     f"  {_pool_line(stack_file.config, cluster)}",
                     f"  expires {iso(expires)} if created now (in {hours(lifetime)}; at most {max_ttl}h)"]
    outcome = _plan(stack_file)
    if outcome.document is None:
        result.exit_code = EXIT_CONFIG if outcome.exit_code == EXIT_CONFIG else outcome.exit_code
        result.lines.append(f"  not planned: {outcome.error}")
        return result
    document = result.document = outcome.document
    totals = document["cost"]["totals"]
    sandbox = json.loads(stack_file.config.get("mlinfra:sandbox") or "{}")
    budget = json.loads(stack_file.config.get("mlinfra:budget_per_hour") or "null") or sandbox.get("budget_per_hour")
    result.lines.append(f"  {document['counts']['custom']} cloud resources; cost idle "
                        f"{totals['idle']['usdPerHour']:.4f} USD/h, peak {totals['peak']['usdPerHour']:.4f} USD/h "
                        f"(budget {budget} USD/h)")
    violations = document["policy"]["violations"]
    mandatory = [v for v in violations if v.get("enforcementLevel") == "mandatory"]
    result.lines.append(f"  policy: {len(violations)} findings, {len(mandatory)} mandatory"
                        if violations else "  policy: clean")
    if outcome.exit_code == EXIT_POLICY:
        result.refusals.append(outcome.error or "a mandatory policy rule is violated or it is over budget")
    result.lines += _names(document, stacks_dir, result.refusals)
    if result.refusals:
        result.exit_code = EXIT_POLICY
        result.lines += ["refused, `create` would stop before Pulumi runs:"] + [f"  - {r}" for r in result.refusals]
    else:
        result.lines.append("`create` would go ahead: within budget, policy-clean, no name claimed twice")
    return result


def _plan(stack_file):
    """The sandbox judged as `mlinfra plan` judges a stack: preflight, stack-file checks, policy pack, budget."""
    from infra.plan.make import PlanOutcome

    refused = preflight(PACK_DIR)
    if refused is not None:
        return PlanOutcome(refused[0], error=refused[1])
    refused = stack_file_refused(stack_file)
    if refused is not None:
        return refused
    project = root_project(False)
    analyzer = PolicyAnalyzer(PACK_DIR, stack=stack_file.name, project=project.name)
    analyzer.spawn()
    try:
        return plan_stack_file(stack_file, project, analyzer, budgeted=True)
    finally:
        analyzer.abort()


def _names(document: dict[str, Any], stacks_dir: Path, refusals: list[str]) -> list[str]:
    """The sandbox's physical names against every committed stack's (the template's sample sandboxes left out)."""
    others = [i for i in plan_inputs(stacks_dir, bootstrap_dir=None) if not i.stack_file.name.startswith(PREFIX)]
    report = check_documents([document, *plan_documents(others)])
    mine = [c for c in report.claims if c.stack == document["stack"]]
    problems = [line for line in describe(report) if f"'{document['stack']}'" in line]
    refusals += problems
    return [f"  names: {len(mine)} physical names, "
            + ("none claimed by another stack" if not problems else f"{len(problems)} claimed twice")]
