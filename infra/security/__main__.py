"""`python -m infra.security`: print the attack-path matrices (AWS, then Google Cloud) of the checked-in bootstrap
and stacks (Markdown)."""

from __future__ import annotations

import sys
from pathlib import Path

from infra.offline.document import build_document
from infra.offline.engine import STACKS_DIR, load_project, run_stack
from infra.security import gcp_model, gcp_paths
from infra.security.attack_paths import matrix, render
from infra.security.plan_model import add_stack, load_bootstrap

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    project = load_project(ROOT / "infra" / "bootstrap")
    bootstrap = build_document(run_stack("bootstrap", project.stacks_dir, project.program, project.name))
    platform = load_bootstrap(bootstrap)
    stacks = {stack: build_document(run_stack(stack, STACKS_DIR)) for stack in ("dev", "staging", "prod")}
    for stack, document in stacks.items():
        add_stack(platform, stack, document)
    gcp = gcp_model.load_bootstrap(bootstrap, platform)
    for stack, document in stacks.items():
        gcp_model.add_stack(gcp, stack, document, platform)
    workflows = sorted(f".github/workflows/{f.name}" for f in (ROOT / ".github" / "workflows").glob("*.yml"))
    print("AWS\n")
    print(render(matrix(platform, workflows)))
    print("\nGoogle Cloud\n")
    print(gcp_paths.render(gcp_paths.matrix(gcp, platform, workflows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
