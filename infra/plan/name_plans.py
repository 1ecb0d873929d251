"""The plans `mlinfra names check` compares: every stack file, sample sandboxes, the bootstrap.

All are planned in this one process (the offline engine, no policy pack, no cost): a dozen
subprocesses would pay the SDK imports a dozen times.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.catalog.accelerators import Cloud
from infra.offline.document import build_document
from infra.offline.engine import PROGRAM, PROJECT, REPO_ROOT, load_project, run_stack_file
from infra.offline.stackfile import StackFile, available_stacks, load_stack_file
from infra.sandbox.plan import template_limits
from infra.sandbox.spec import PREFIX, TEMPLATE, sandbox_stack_file, stack_name

BOOTSTRAP_DIR = REPO_ROOT / "infra" / "bootstrap"
# Sandboxes as `mlinfra sandbox create OWNER [--cloud CLOUD]` configures them: two per cloud, so
# two engineers' sandboxes in one account or project are compared with each other.
SAMPLE_SANDBOXES: tuple[tuple[str, Cloud], ...] = (
    ("alice", Cloud.AWS), ("bob", Cloud.AWS), ("carol", Cloud.GCP), ("dave", Cloud.GCP))


@dataclass(frozen=True)
class PlanInput:
    """One stack to plan: its config, and the program and project it belongs to."""

    stack_file: StackFile
    program: Path = PROGRAM
    project: str = PROJECT


def plan_inputs(stacks_dir: Path, bootstrap_dir: Path | None = BOOTSTRAP_DIR) -> list[PlanInput]:
    """Every stack file (real sandboxes' files excepted), the sample sandboxes, and the bootstrap stacks."""
    # `Pulumi.sandbox-*.yaml` are live sandboxes Pulumi wrote locally; the samples stand for them.
    inputs = [PlanInput(load_stack_file(stacks_dir, s)) for s in available_stacks(stacks_dir)
              if not s.startswith(PREFIX)]
    inputs += [PlanInput(f) for f in sample_sandboxes(stacks_dir)]
    if bootstrap_dir is not None and (bootstrap_dir / "Pulumi.yaml").is_file():
        project = load_project(bootstrap_dir)
        inputs += [PlanInput(load_stack_file(project.stacks_dir, s), project.program, project.name)
                   for s in available_stacks(project.stacks_dir)]
    return inputs


def sample_sandboxes(stacks_dir: Path) -> Iterator[StackFile]:
    """The sample sandboxes made from the template, or none when there is no template."""
    if not (stacks_dir / f"Pulumi.{TEMPLATE}.yaml").is_file():
        return
    template, cluster, _max_ttl, _default_ttl = template_limits(stacks_dir)
    for owner, cloud in SAMPLE_SANDBOXES:
        yield sandbox_stack_file(template, stack_name(owner, "box"), owner, cluster, cloud, None)


def plan_documents(inputs: list[PlanInput]) -> list[dict[str, Any]]:
    """The plan document of each input; a config error propagates as the program raised it."""
    return [build_document(run_stack_file(i.stack_file, i.program, i.project)) for i in inputs]
