"""`python -m infra.security`: print the attack-path matrix of the checked-in bootstrap and stacks (Markdown)."""

from __future__ import annotations

import sys
from pathlib import Path

from infra.offline.document import build_document
from infra.offline.engine import STACKS_DIR, load_project, run_stack
from infra.security.attack_paths import matrix, render
from infra.security.plan_model import add_stack, load_bootstrap

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    project = load_project(ROOT / "infra" / "bootstrap")
    platform = load_bootstrap(build_document(run_stack("bootstrap", project.stacks_dir, project.program,
                                                       project.name)))
    for stack in ("dev", "staging", "prod"):
        add_stack(platform, stack, build_document(run_stack(stack, STACKS_DIR)))
    workflows = sorted(f".github/workflows/{f.name}" for f in (ROOT / ".github" / "workflows").glob("*.yml"))
    print(render(matrix(platform, workflows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
