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

from infra.cli.ci import PROTECTED, preview_matrix, stack_matrix
from infra.config.rules.names import scale_set_name

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
        "checks.yml", "deploy.yml", "drift.yml", "preview.yml", "prices.yml", "pulumi-up.yml", "sandbox-reaper.yml"]


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


def deploy_repository_workflow() -> str:
    """`uses:` of the protected environments' deploy: the bootstrap's deploy repository, its copy of the
    deploy workflow, on the branch its runner groups admit (infra/compose/bootstrap_github.py)."""
    github = load_yaml(ROOT / "infra" / "bootstrap" / "stacks" / "Pulumi.bootstrap.yaml")["config"]["bootstrap:github"]
    return f"{github['org']}/{github['deploy_repository']}/.github/workflows/pulumi-up.yml@{github['branch']}"


def test_every_action_is_pinned_to_a_commit_with_its_version():
    remote = []
    for path in workflow_files():
        for line in path.read_text().splitlines():
            ref = line.strip().removeprefix("- ").removeprefix("uses:").strip()
            if not line.strip().removeprefix("- ").startswith("uses:") or ref.startswith(("./", "$/")):
                continue
            # The one reusable workflow called by branch: the runner groups admit it at that ref only, and its
            # repository's branch is protected by the bootstrap (a SHA would have to change with every copy).
            if ref.startswith(deploy_repository_workflow() + " "):
                remote.append(path.name)
                assert "# zizmor: ignore[unpinned-uses] -- " in ref
                continue
            assert PINNED.match(ref), f"{path.name}: {ref!r} is not pinned as owner/repo@<sha> # vX.Y.Z"
    assert sorted(remote) == ["deploy.yml", "deploy.yml", "drift.yml"]


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
    assert [(n, j.get("needs"), j.get("with", {}).get("environment")) for n, j in deploy.items()] == [
        ("checks", None, None), ("stacks", "checks", None), ("dev", "stacks", "dev"),
        ("staging", ["stacks", "dev"], "staging"), ("prod", ["stacks", "staging"], "prod")]
    # The stacks of each stage come from the stack files, never a list written in the workflow.
    for stage in ("dev", "staging", "prod"):
        assert deploy[stage]["strategy"]["matrix"] == {"include": f"${{{{ fromJSON(needs.stacks.outputs.{stage}) }}}}"}
        assert deploy[stage]["with"]["stack"] == "${{ matrix.stack }}"
        assert deploy["stacks"]["outputs"][stage] == f"${{{{ steps.list.outputs.{stage} }}}}"
    assert "python -m infra.cli.ci stages" in deploy["stacks"]["steps"][-1]["run"]


def test_stack_matrix_lists_long_lived_stacks_in_promotion_order(tmp_path):
    for stack, environment in [("prod", "prod"), ("alice", "sandbox"), ("dev", "dev"), ("stage", "staging")]:
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(f"config:\n  mlinfra:environment: {environment}\n")
    assert stack_matrix(tmp_path) == [{"stack": "dev", "environment": "dev"},
                                      {"stack": "stage", "environment": "staging"},
                                      {"stack": "prod", "environment": "prod"}]


def ci_lines(command: str, stacks_dir: Path) -> list[str]:
    """`python -m infra.cli.ci COMMAND` over stack files of every kind (sandbox, two dev stacks, staging, prod)."""
    for stack, environment in [("prod", "prod"), ("alice", "sandbox"), ("dev", "dev"), ("research", "dev"),
                               ("stage", "staging")]:
        (stacks_dir / f"Pulumi.{stack}.yaml").write_text(f"config:\n  mlinfra:environment: {environment}\n")
    result = subprocess.run([sys.executable, "-m", "infra.cli.ci", command, str(stacks_dir)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_deploy_stages_group_the_stacks_by_environment_in_promotion_order(tmp_path):
    assert ci_lines("stages", tmp_path) == [
        'dev=[{"stack":"dev","environment":"dev"},{"stack":"research","environment":"dev"}]',
        'staging=[{"stack":"stage","environment":"staging"}]',
        'prod=[{"stack":"prod","environment":"prod"}]']


def test_drift_checks_protected_stacks_as_their_deploy_behind_their_reviewers(tmp_path):
    assert ci_lines("drift", tmp_path) == [
        'unprotected=[{"stack":"dev","environment":"dev"},{"stack":"research","environment":"dev"}]',
        'protected=[{"stack":"stage","environment":"staging"},{"stack":"prod","environment":"prod"}]']
    bootstrap = load_yaml(ROOT / "infra" / "bootstrap" / "stacks" / "Pulumi.bootstrap.yaml")["config"]
    assert list(PROTECTED) == bootstrap["bootstrap:stacks"]["protected"]
    drift = jobs_of("drift.yml")
    # The drift environment has no reviewers: only unprotected stacks there.
    assert drift["refresh"]["environment"] == "drift"
    assert drift["refresh"]["strategy"]["matrix"] == {"include": "${{ fromJSON(needs.stacks.outputs.unprotected) }}"}
    assert drift["protected"]["uses"] == deploy_repository_workflow()
    assert drift["protected"]["with"] == {"stack": "${{ matrix.stack }}", "environment": "${{ matrix.environment }}",
                                          "drift": True}
    assert drift["protected"]["strategy"]["matrix"] == {"include": "${{ fromJSON(needs.stacks.outputs.protected) }}"}
    # In drift mode the called job refreshes and never updates.
    steps = {step.get("name"): step for step in jobs_of("pulumi-up.yml")["up"]["steps"]}
    assert steps["Update"]["if"].endswith("&& !inputs.drift")
    assert steps["Preview"]["if"].endswith("&& !inputs.drift")
    assert steps["Refresh (preview only), failing on any drift"]["if"].endswith("&& inputs.drift")
    assert "--preview-only --expect-no-changes" in steps["Refresh (preview only), failing on any drift"]["run"]


@pytest.mark.parametrize("args, code", [(["matrix"], 0), (["preview"], 0), (["stages"], 0), (["all"], 0),
                                        (["bogus"], 2)])
def test_ci_command(args, code):
    result = subprocess.run([sys.executable, "-m", "infra.cli.ci", *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == code, result.stderr
    if args == ["matrix"]:
        assert json.loads(result.stdout) == stack_matrix(ROOT / "stacks")
        assert {"stack": "dev", "environment": "dev"} in json.loads(result.stdout)


# --- deploy gating, pinned tools, frozen installs, where cloud jobs run (#16) ---------------------

TOOLS = ROOT / ".tool-versions"
CLOUD_VARS = ("AWS_DEPLOY_ROLE_ARN", "AWS_DRIFT_ROLE_ARN", "AWS_PREVIEW_ROLE_ARN", "AWS_SANDBOX_ROLE_ARN")


def tool_versions() -> dict[str, str]:
    return dict(line.split() for line in TOOLS.read_text().splitlines() if line.strip())


def locked_version(package: str) -> str:
    text = (ROOT / "uv.lock").read_text()
    return re.search(rf'^name = "{re.escape(package)}"\nversion = "([^"]+)"', text, re.M)[1]


def jobs_of(name: str) -> dict[str, dict]:
    return load(WORKFLOWS / name)["jobs"]


def all_steps():
    for path in workflow_files():
        for job_name, job in load(path)["jobs"].items():
            for index, step in enumerate(job.get("steps", [])):
                yield path.name, job_name, job, index, step


def test_deploy_runs_only_after_the_checks_of_the_same_commit_passed():
    deploy = load(WORKFLOWS / "deploy.yml")
    assert set(deploy["on"]) == {"push", "workflow_dispatch"} and deploy["on"]["push"] == {"branches": ["main"]}
    jobs = deploy["jobs"]
    # The checks are a job of this very run (same commit), not a separate workflow it could race.
    assert jobs["checks"]["uses"] == "./.github/workflows/checks.yml"
    assert "workflow_call" in load(WORKFLOWS / "checks.yml")["on"]
    assert jobs["stacks"]["if"] == "github.ref == 'refs/heads/main'"

    def ancestors(job: str) -> set[str]:
        needs = jobs[job].get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        return set(needs).union(*(ancestors(n) for n in needs)) if needs else set()

    for name, job in jobs.items():
        if "pulumi-up.yml" in job.get("uses", ""):
            assert "checks" in ancestors(name), name
    # Checks stop being cancellable once a deploy waits on them.
    assert load(WORKFLOWS / "checks.yml")["concurrency"]["cancel-in-progress"] == (
        "${{ github.event_name == 'pull_request' }}")


def test_checks_no_longer_run_twice_on_main():
    assert "push" not in load(WORKFLOWS / "checks.yml")["on"]


def test_tool_versions_are_pinned_in_one_file_that_the_lock_and_docs_agree_with():
    versions = tool_versions()
    assert set(versions) == {"uv", "pulumi", "awscli"}
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in versions.values()), versions
    # The CLI and the Python SDK are released together under one version number.
    assert versions["pulumi"] == locked_version("pulumi")
    for page in ("how-to/first-deployment.md", "operations/ci-cd.md"):
        text = (ROOT / "docs" / page).read_text()
        assert f"Pulumi CLI {versions['pulumi']}" in text and f"uv {versions['uv']}" in text, page


def test_every_setup_uv_and_pulumi_install_uses_the_pinned_versions():
    seen = {"setup-uv": 0, "pulumi": 0}
    for name, job_name, job, index, step in all_steps():
        uses = step.get("uses", "")
        if uses.startswith("astral-sh/setup-uv@"):
            seen["setup-uv"] += 1
            assert step["with"]["version-file"] == ".tool-versions", (name, job_name)
        if uses.startswith("pulumi/actions@"):
            seen["pulumi"] += 1
            assert step["with"]["pulumi-version"] == "${{ steps.versions.outputs.pulumi }}", (name, job_name)
            reader = [s for s in job["steps"][:index] if s.get("id") == "versions"]
            assert reader and "'$1 == \"pulumi\" {print $2}' .tool-versions" in reader[0]["run"], (name, job_name)
    assert seen["setup-uv"] >= 6 and seen["pulumi"] >= 3, seen


def test_uv_sync_is_frozen_everywhere_and_precedes_every_uv_run():
    for path in workflow_files():
        for job_name, job in load(path)["jobs"].items():
            synced = False
            for step in job.get("steps", []):
                script = step.get("run", "")
                if "uv sync" in script:
                    assert "uv sync --frozen" in script, (path.name, job_name)
                    synced = True
                if "uv run" in script:
                    assert synced, f"{path.name}:{job_name} runs uv before `uv sync --frozen`"
                    assert "--no-project" not in script and "--with" not in script, (path.name, job_name)


def test_missing_stacks_are_created_with_the_right_secrets_provider():
    up = jobs_of("pulumi-up.yml")["up"]
    select = [s for s in up["steps"] if "pulumi stack select" in s.get("run", "")]
    assert [s["run"] for s in select] == [
        'pulumi stack select --create "$STACK" --secrets-provider "$SECRETS_PROVIDER" --non-interactive']
    # The environment's own variable: one secrets key per environment (bootstrap output secrets_providers).
    assert up["env"]["SECRETS_PROVIDER"] == "${{ vars.PULUMI_SECRETS_PROVIDER }}" and up["environment"]
    names = [s.get("name") for s in up["steps"]]
    assert names.index("Select the stack, creating it when missing") < names.index("Preview") < names.index("Update")


def test_jobs_that_reach_clusters_run_on_the_stacks_deployer_runners():
    assert jobs_of("pulumi-up.yml")["up"]["runs-on"] == "${{ inputs.stack }}-deploy"
    assert jobs_of("drift.yml")["refresh"]["runs-on"] == "${{ matrix.stack }}-deploy"
    # Pull-request code runs on a preview set of its own, never on a deployer.
    assert jobs_of("preview.yml")["preview"]["runs-on"] == "${{ matrix.stack }}-preview"
    reaper = jobs_of("sandbox-reaper.yml")["reap"]
    # Sandboxes are reaped from outside their VPC: in-cluster objects leave the state with the cluster.
    assert reaper["env"]["PULUMI_K8S_DELETE_UNREACHABLE"] == "true"


def test_each_cloud_identity_is_used_only_in_its_environment():
    expected = {"AWS_DEPLOY_ROLE_ARN": {"${{ inputs.environment }}"}, "AWS_DRIFT_ROLE_ARN": {"drift"},
                "AWS_PREVIEW_ROLE_ARN": {None}, "AWS_SANDBOX_ROLE_ARN": {"sandbox"}}
    found: dict[str, set] = {}
    for _name, _job_name, job, _index, step in all_steps():
        role = step.get("with", {}).get("role-to-assume", "")
        for var in CLOUD_VARS:
            if var in role:
                found.setdefault(var, set()).add(job.get("environment"))
    assert found == expected
    gcp = {step["with"]["service_account"]: job.get("environment") for _, _, job, _, step in all_steps()
           if "service_account" in step.get("with", {})}
    assert gcp == {"${{ vars.GCP_DEPLOY_SERVICE_ACCOUNT }}": "${{ inputs.environment }}",
                   "${{ vars.GCP_DRIFT_SERVICE_ACCOUNT }}": "drift",
                   "${{ vars.GCP_PREVIEW_SERVICE_ACCOUNT }}": None,
                   "${{ vars.GCP_SANDBOX_SERVICE_ACCOUNT }}": "sandbox"}


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def test_pull_requests_preview_exactly_the_stacks_the_preview_identity_may_read():
    bootstrap = load_yaml(ROOT / "infra" / "bootstrap" / "stacks" / "Pulumi.bootstrap.yaml")["config"]
    previewed = bootstrap["bootstrap:stacks"]["previewed"]
    # dev, and any unprotected stack of your own (`mlinfra stack new` adds it to stacks.previewed).
    assert [row["stack"] for row in preview_matrix(ROOT / "stacks")] == previewed and "dev" in previewed
    assert not set(previewed) & set(bootstrap["bootstrap:stacks"]["protected"])
    # The matrix is written in the workflow, not printed by the pull request's own code.
    assert "stacks" not in jobs_of("preview.yml")
    assert jobs_of("preview.yml")["preview"]["strategy"]["matrix"] == {"include": preview_matrix(ROOT / "stacks")}


def test_every_stack_the_workflows_reach_has_its_deployer_runners():
    """`runs-on: <stack>-deploy` must name a deploy scale set of that stack, in a group for this repository."""
    for row in stack_matrix(ROOT / "stacks"):
        config = load_yaml(ROOT / "stacks" / f"Pulumi.{row['stack']}.yaml")["config"]
        # Keyed by scale set name, `<stack>-<key>` (infra/config/rules/names.py), which `runs-on` uses.
        sets = {scale_set_name(row["stack"], key): spec for cluster in config["mlinfra:clusters"].values()
                for key, spec in cluster.get("runners", {}).items()}
        deployer = sets.get(f"{row['stack']}-deploy")
        assert deployer is not None, f"{row['stack']} has no {row['stack']}-deploy runner set"
        assert deployer["kind"] == "deploy" and deployer.get("runner_group", "default") != "default"
        assert "cloud_access" not in deployer


def test_jobs_on_deployer_runners_install_the_pinned_cluster_credential_helpers():
    for name, job in [("pulumi-up.yml", "up"), ("drift.yml", "refresh"), ("preview.yml", "preview")]:
        steps = jobs_of(name)[job]["steps"]
        [helpers] = [s for s in steps if s.get("name") == "Install the cluster credential helpers"]
        expected = 'uv tool install "awscli==$(awk \'$1 == "awscli" {print $2}\' .tool-versions)"'
        assert expected in helpers["run"], helpers["run"]
        [gcloud] = [s for s in steps if s.get("uses", "").startswith("google-github-actions/setup-gcloud@")]
        assert gcloud["with"] == {"install_components": "gke-gcloud-auth-plugin"}
        names = [s.get("name") or s.get("uses", "") for s in steps]
        assert names.index("Install the cluster credential helpers") < next(
            i for i, n in enumerate(names) if n.startswith("pulumi/actions@"))


def _reap_step_script() -> str:
    [step] = [s for s in jobs_of("sandbox-reaper.yml")["reap"]["steps"] if s.get("name") == "Reap expired sandboxes"]
    return step["run"]


@pytest.mark.parametrize(("broken", "code", "calls"), [
    (False, 0, ["run mlinfra sandbox --help", "run mlinfra sandbox reap"]),
    (True, 1, ["run mlinfra sandbox --help"]),
])
def test_the_reaper_fails_when_mlinfra_sandbox_cannot_run(tmp_path, broken, code, calls):
    # The step's own script, run by bash as the runner would, against a stand-in `uv` that records
    # its arguments and, when `broken`, fails the way a broken install does.
    log = tmp_path / "calls"
    fake = tmp_path / "bin" / "uv"
    fake.parent.mkdir()
    fake.write_text(f'#!/usr/bin/env bash\necho "$*" >> {log}\n'
                    + ('echo "ModuleNotFoundError: No module named infra" >&2\nexit 1\n' if broken else "exit 0\n"))
    fake.chmod(0o755)
    env = {"PATH": f"{fake.parent}:/usr/bin:/bin", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary")}
    result = subprocess.run(["bash", "-e", "-c", _reap_step_script()], env=env, capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == code, result.stdout + result.stderr
    assert log.read_text().splitlines() == calls
    if broken:
        assert "::error::mlinfra sandbox cannot run" in result.stdout


def _plan_step_script() -> str:
    [step] = [s for s in jobs_of("checks.yml")["plan"]["steps"] if s.get("id") == "plan"]
    return step["run"]


def test_the_pull_request_plans_head_and_base_on_one_plan_clock(tmp_path):
    # The step's own script, run by bash as the runner would, against a stand-in `uv` that records
    # the MLINFRA_PLAN_TIME each command saw: `plan --all` (HEAD) and `diff` (which plans BASE)
    # must see one value, or the sandbox template's expiry shows as changed in every pull request.
    log = tmp_path / "calls"
    fake = tmp_path / "bin" / "uv"
    fake.parent.mkdir()
    fake.write_text(f'#!/usr/bin/env bash\necho "${{MLINFRA_PLAN_TIME:-unset}} $3 $4" >> {log}\n'
                    'for a in "$@"; do case "$prev" in --out|--full-out) echo diff > "$a";; '
                    '--out-dir) mkdir -p "$a";; esac; prev=$a; done\n')
    fake.chmod(0o755)
    env = {"PATH": f"{fake.parent}:/usr/bin:/bin", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
           "GITHUB_OUTPUT": str(tmp_path / "output"), "BASE_SHA": "0" * 40, "RUN_URL": "https://example.test/run"}
    result = subprocess.run(["bash", "-e", "-c", _plan_step_script()], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    calls = [line.split(" ", 1) for line in log.read_text().splitlines()]
    assert [command for _, command in calls] == ["plan --all", "diff 0000000000000000000000000000000000000000",
                                                 "-m infra.cli.ci"]
    [instant] = {seen for seen, _ in calls}
    assert instant.isdigit()
