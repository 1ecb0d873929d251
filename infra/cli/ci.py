"""Stack lists for the GitHub Actions workflows: which stacks to plan, preview, deploy and check for drift.

Workflows call `python -m infra.cli.ci matrix` instead of globbing in shell, so the rule for which
stacks are long-lived (and so previewed, deployed and drift-checked) lives in tested Python.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from infra.offline.stackfile import StackFileError, available_stacks, load_stack_file

# Sandboxes are created and reaped by `mlinfra sandbox`, never by the deploy pipeline.
LONG_LIVED = ("dev", "staging", "prod")
# Pull requests preview only these: the preview identity may not read staging's or prod's state or
# decrypt their secrets (the bootstrap's `stacks.previewed`); the offline plan covers those.
PREVIEWED = ("dev",)
# Deploys of these need a reviewer (the bootstrap's `stacks.protected`), and so do their drift checks: the
# scheduled drift identity runs main's code unreviewed, so it may read only the other stacks (drift.yml).
PROTECTED = ("staging", "prod")


def stack_matrix(stacks_dir: Path) -> list[dict[str, str]]:
    """Each long-lived stack with its environment, in promotion order (dev, staging, prod)."""
    rows = []
    for stack in available_stacks(stacks_dir):
        environment = load_stack_file(stacks_dir, stack).config.get("mlinfra:environment", "")
        if environment in LONG_LIVED:
            rows.append({"stack": stack, "environment": environment})
    return sorted(rows, key=lambda row: (LONG_LIVED.index(row["environment"]), row["stack"]))


def deploy_stages(stacks_dir: Path) -> dict[str, list[dict[str, str]]]:
    """The deploy workflow's stages: each environment's stacks, dev first; a stage waits for the one before."""
    rows = stack_matrix(stacks_dir)
    return {environment: [row for row in rows if row["environment"] == environment] for environment in LONG_LIVED}


def preview_matrix(stacks_dir: Path) -> list[dict[str, str]]:
    """The long-lived stacks pull requests may preview: those whose environment is not protected."""
    return [row for row in stack_matrix(stacks_dir) if row["environment"] in PREVIEWED]


def drift_groups(stacks_dir: Path) -> dict[str, list[dict[str, str]]]:
    """The drift check's two groups: `unprotected` stacks (the drift identity) and `protected` ones (each in its
    own environment, as its deploy identity, after a reviewer's approval)."""
    rows = stack_matrix(stacks_dir)
    return {"unprotected": [row for row in rows if row["environment"] not in PROTECTED],
            "protected": [row for row in rows if row["environment"] in PROTECTED]}


def plans_markdown(plans_dir: Path) -> str:
    """Every plan of a `plan --all --format json --out-dir` folder as markdown, failed stacks with their error."""
    from infra.cli.views.plan import markdown_view

    index = json.loads((plans_dir / "index.json").read_text())
    parts = []
    for entry in index["stacks"]:
        if entry.get("file"):
            parts.append(markdown_view(json.loads((plans_dir / entry["file"]).read_text())))
        else:
            parts.append(f"### `{entry['project']}/{entry['stack']}`: not planned (exit {entry['exitCode']})\n\n"
                         f"```\n{entry.get('error') or ''}\n```\n")
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    """`matrix [STACKS_DIR]` prints the JSON list a workflow matrix takes (`preview`: only the stacks pull
    requests may preview); `stages` prints `<environment>=<JSON list>` lines for $GITHUB_OUTPUT, one per
    deploy stage (deploy.yml); `drift` prints `unprotected=` and `protected=` lines the same way (drift.yml);
    `all` prints every stack; `markdown PLANS_DIR` prints the plans in a `plan --all --format json --out-dir`
    folder as markdown (for the job summary)."""
    if not argv or argv[0] not in ("matrix", "preview", "stages", "drift", "all", "markdown"):
        print("usage: python -m infra.cli.ci matrix|preview|stages|drift|all [STACKS_DIR] | markdown PLANS_DIR",
              file=sys.stderr)
        return 2
    if argv[0] == "markdown":
        if len(argv) != 2 or not (Path(argv[1]) / "index.json").is_file():
            print("usage: python -m infra.cli.ci markdown PLANS_DIR (a folder with index.json)", file=sys.stderr)
            return 2
        print(plans_markdown(Path(argv[1])), end="")
        return 0
    stacks_dir = Path(argv[1]) if len(argv) > 1 else Path("stacks")
    try:
        if argv[0] == "all":
            print(json.dumps(available_stacks(stacks_dir)))
        elif argv[0] in ("stages", "drift"):
            groups = deploy_stages(stacks_dir) if argv[0] == "stages" else drift_groups(stacks_dir)
            for group, rows in groups.items():
                print(f"{group}={json.dumps(rows, separators=(',', ':'))}")
        elif argv[0] == "preview":
            print(json.dumps(preview_matrix(stacks_dir)))
        else:
            print(json.dumps(stack_matrix(stacks_dir)))
    except StackFileError as exc:  # the workflow log shows the file, line and key, not a traceback
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
