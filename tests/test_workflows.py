"""The GitHub Actions workflows, checked by actionlint and zizmor exactly as they are shipped.

Both linters come from the dev dependency group (uv.lock), so they run here and in CI with no
network: zizmor with `--offline` (no GitHub API), actionlint is a local binary. Any finding fails
the suite. zizmor's config files are ignored (`--no-config`), so a finding can only be silenced
by an inline `# zizmor: ignore[rule]` comment, and every such comment must say why.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra.cli.ci import stack_matrix

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
IGNORE = re.compile(r"#\s*zizmor:\s*ignore\[[^\]]+\](?P<reason>.*)$")


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert path, f"{name} is not installed; it comes with the dev group: run `uv sync`"
    return path


def _offline_env() -> dict[str, str]:
    # No token in reach, so not even a misconfigured run could call the GitHub API.
    return {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_CONFIG")}


def actionlint(*files: Path) -> subprocess.CompletedProcess:
    """actionlint over the given workflow files, one finding per line as `path:line:col: msg [rule]`."""
    return subprocess.run([_tool("actionlint"), "-oneline", "-no-color", *map(str, files)],
                          capture_output=True, text=True, timeout=60, env=_offline_env())


def zizmor(target: Path) -> subprocess.CompletedProcess:
    """zizmor over a workflow file or folder: offline, pedantic, config files ignored."""
    return subprocess.run([_tool("zizmor"), "--offline", "--no-config", "--persona", "pedantic",
                           "--no-progress", "--format", "json", str(target)],
                          capture_output=True, text=True, timeout=60, env=_offline_env())


def zizmor_rules(result: subprocess.CompletedProcess) -> set[str]:
    return {finding["ident"] for finding in json.loads(result.stdout or "[]")}


def unexplained_ignores(text: str) -> list[int]:
    """Line numbers of `# zizmor: ignore[...]` comments with no reason after them."""
    bad = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = IGNORE.search(line)
        if match and len(re.sub(r"^[\s:—–-]+", "", match["reason"]).split()) < 3:
            bad.append(number)
    return bad


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


def load(path: Path) -> dict:
    document = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def test_the_expected_workflows_exist():
    assert [p.name for p in workflow_files()] == [
        "checks.yml", "deploy.yml", "drift.yml", "preview.yml", "pulumi-up.yml", "sandbox-reaper.yml"]


def test_actionlint_passes_on_the_workflows():
    result = actionlint(*workflow_files())
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


def test_zizmor_passes_offline_on_the_workflows():
    result = zizmor(WORKFLOWS)
    assert result.returncode == 0 and zizmor_rules(result) == set(), result.stdout + result.stderr


def test_lint_fails_on_a_bad_workflow(tmp_path):
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "name: bad\n"
        "on: pull_request\n"
        "jobs:\n"
        "  greet:\n"
        "    runs-on: ubuntu-24.04\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n'
    )
    linted = actionlint(bad)
    assert linted.returncode == 1
    assert re.search(r'bad\.yml:8:\d+: "github\.event\.pull_request\.title" is potentially untrusted.*'
                     r"\[expression\]$", linted.stdout, re.M), linted.stdout
    audited = zizmor(bad)
    assert audited.returncode != 0
    assert {"template-injection", "unpinned-uses", "artipacked", "excessive-permissions"} <= zizmor_rules(audited)


def test_an_ignore_comment_needs_a_reason():
    assert unexplained_ignores("      - run: x # zizmor: ignore[template-injection]\n") == [1]
    assert unexplained_ignores("  a: b\n  c: d # zizmor: ignore[artipacked] -\n") == [2]
    assert unexplained_ignores(
        "      - run: x # zizmor: ignore[template-injection] -- value is a fixed matrix entry\n") == []


def test_no_finding_is_silenced_without_a_reason():
    for path in workflow_files():
        assert unexplained_ignores(path.read_text()) == [], path.name
    # Config files would silence findings with no comment in the workflow at all.
    for name in (".github/zizmor.yml", ".github/zizmor.yaml", "zizmor.yml", "zizmor.yaml",
                 ".github/actionlint.yml", ".github/actionlint.yaml"):
        assert not (ROOT / name).exists(), name


def test_every_action_is_pinned_to_a_commit_with_its_version():
    for path in workflow_files():
        for line in path.read_text().splitlines():
            ref = line.strip().removeprefix("- ").removeprefix("uses:").strip()
            if not line.strip().removeprefix("- ").startswith("uses:") or ref.startswith(("./", "$/")):
                continue
            assert PINNED.match(ref), f"{path.name}: {ref!r} is not pinned as owner/repo@<sha> # vX.Y.Z"


def test_permissions_are_empty_at_the_top_and_no_trigger_runs_fork_code_with_secrets():
    for path in workflow_files():
        document = load(path)
        assert document["permissions"] == {}, path.name
        triggers = document["on"] if isinstance(document["on"], dict) else {document["on"]: None}
        assert "pull_request_target" not in triggers and "workflow_run" not in triggers, path.name


def test_no_secret_or_event_field_is_interpolated_into_a_script():
    for path in workflow_files():
        for job in load(path)["jobs"].values():
            for step in job.get("steps", []):
                script = step.get("run", "")
                assert not re.search(r"\$\{\{[^}]*\b(secrets|github\.event)\b", script), (path.name, script)


def test_comment_and_cloud_steps_never_run_for_forks():
    checks = load(WORKFLOWS / "checks.yml")
    assert "github.event.pull_request.head.repo.full_name == github.repository" in checks["jobs"]["comment"]["if"]
    assert checks["jobs"]["plan"]["permissions"] == {"contents": "read"}
    steps = load(WORKFLOWS / "preview.yml")["jobs"]["preview"]["steps"]
    cloud = [s for s in steps if "uses" in s and not s["uses"].startswith("actions/")]
    assert cloud and all("!github.event.pull_request.head.repo.fork" in s["if"] for s in cloud)


def test_updates_queue_per_stack_and_previews_cancel():
    up = load(WORKFLOWS / "pulumi-up.yml")["jobs"]["up"]
    assert up["concurrency"] == {"group": "pulumi-up-${{ inputs.stack }}", "cancel-in-progress": False}
    assert up["environment"] == "${{ inputs.environment }}"
    preview = load(WORKFLOWS / "preview.yml")["jobs"]["preview"]
    assert preview["concurrency"] == {
        "group": "preview-${{ matrix.stack }}-${{ github.event.pull_request.number }}", "cancel-in-progress": True}
    deploy = load(WORKFLOWS / "deploy.yml")["jobs"]
    assert [(n, j.get("needs"), j["with"]["environment"]) for n, j in deploy.items()] == [
        ("dev", None, "dev"), ("staging", "dev", "staging"), ("prod", "staging", "prod")]


def test_stack_matrix_lists_long_lived_stacks_in_promotion_order(tmp_path):
    for stack, environment in [("prod", "prod"), ("alice", "sandbox"), ("dev", "dev"), ("stage", "staging")]:
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(f"config:\n  mlinfra:environment: {environment}\n")
    assert stack_matrix(tmp_path) == [{"stack": "dev", "environment": "dev"},
                                      {"stack": "stage", "environment": "staging"},
                                      {"stack": "prod", "environment": "prod"}]


@pytest.mark.parametrize("args, code", [(["matrix"], 0), (["all"], 0), (["bogus"], 2)])
def test_ci_command(args, code):
    result = subprocess.run([sys.executable, "-m", "infra.cli.ci", *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == code, result.stderr
    if args == ["matrix"]:
        assert json.loads(result.stdout) == stack_matrix(ROOT / "stacks")
        assert {"stack": "dev", "environment": "dev"} in json.loads(result.stdout)
