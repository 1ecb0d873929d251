"""`mlinfra doctor`: tools against .tool-versions, backend login and credentials, offline, per way of working."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

PINS = dict(line.split() for line in (ROOT / ".tool-versions").read_text().splitlines() if line.strip())


def _fake_tool(folder: Path, name: str, output: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\necho '{output}'\n")
    path.chmod(0o755)


def doctor(tmp_path: Path, env_extra: dict[str, str], tools: dict[str, str]) -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, output in tools.items():
        _fake_tool(bin_dir, name, output)
    # Only the fake tools and the shell: no real pulumi, uv or cloud variables of this machine leak in.
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("AWS_", "GOOGLE_", "CLOUDSDK_", "PULUMI_")) and k not in ("PATH", "HOME")}
    # MLINFRA_SETUP_TOOLS: not this checkout's .tools/uv, which scripts/setup.py makes where uv is missing.
    env = {**keep, "PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path / "home"),
           "MLINFRA_SETUP_TOOLS": str(tmp_path / "no-tools"), **env_extra}
    return subprocess.run([sys.executable, "-m", "infra.cli", "doctor", "--format", "json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def by_name(result: subprocess.CompletedProcess) -> dict[str, dict]:
    return {c["name"]: c for c in json.loads(result.stdout)["checks"]}


def test_a_laptop_without_the_cli_can_plan_but_not_preview(tmp_path):
    result = doctor(tmp_path, {}, {"uv": f"uv {PINS['uv']} (abc 2026-11-01)"})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    checks = by_name(result)
    assert checks["uv"]["ok"] and checks["uv"]["found"] == PINS["uv"]
    assert checks["pulumi CLI"] == {"name": "pulumi CLI", "ok": False, "found": "not found",
                                    "needed_by": ["preview", "up", "sandbox"],
                                    "fix": f"curl -fsSL https://get.pulumi.com | sh -s -- --version {PINS['pulumi']}"}
    assert checks["pulumi backend"]["found"] == "not logged in"
    assert checks["cloud credentials"]["found"] == "none found"
    assert report["ways"] == {"plan": [], "preview": ["pulumi CLI", "pulumi backend", "cloud credentials"],
                              "up": ["pulumi CLI", "pulumi backend", "cloud credentials"],
                              "sandbox": ["pulumi CLI", "pulumi backend", "cloud credentials"]}


def test_a_ready_machine_with_other_versions_is_told_the_pins(tmp_path):
    home = tmp_path / "home"
    (home / ".pulumi").mkdir(parents=True)
    (home / ".pulumi" / "credentials.json").write_text(json.dumps(
        {"current": "s3://acme-ml-pulumi-state?region=us-east-1", "accessTokens": {"s3://x": ""}}))
    (home / ".config" / "gcloud").mkdir(parents=True)
    (home / ".config" / "gcloud" / "application_default_credentials.json").write_text("{}")
    result = doctor(tmp_path, {"AWS_PROFILE": "platform-admin"},
                    {"uv": "uv 0.1.0", "pulumi": "v3.100.0"})
    assert result.returncode == 0, result.stderr
    checks = by_name(result)
    assert checks["uv"]["found"] == f"0.1.0 (pinned: {PINS['uv']})" and checks["uv"]["ok"]
    assert checks["pulumi CLI"]["found"] == f"3.100.0 (pinned: {PINS['pulumi']})"
    assert checks["pulumi backend"]["found"] == "s3://acme-ml-pulumi-state?region=us-east-1"
    assert checks["cloud credentials"]["found"] == (
        f"aws: AWS_PROFILE, gcp: {home / '.config' / 'gcloud' / 'application_default_credentials.json'}")
    assert json.loads(result.stdout)["ways"] == {"plan": [], "preview": [], "up": [], "sandbox": []}
    # PULUMI_BACKEND_URL wins over the credentials file, as in the CLI.
    result = doctor(tmp_path, {"PULUMI_BACKEND_URL": "gs://other"}, {})
    assert by_name(result)["pulumi backend"]["found"] == "gs://other"


def test_without_uv_even_plan_is_not_ready_and_the_exit_says_so(tmp_path):
    result = doctor(tmp_path, {}, {})
    assert result.returncode == 1
    assert json.loads(result.stdout)["ways"]["plan"] == ["uv"]
    assert by_name(result)["uv"]["fix"] == "python3 scripts/setup.py (installs it into .tools/uv when missing)"


def test_the_uv_scripts_setup_installed_counts_when_none_is_on_path(tmp_path):
    tools = tmp_path / "tools" / "bin"
    tools.mkdir(parents=True)
    _fake_tool(tools, "uv", f"uv {PINS['uv']}")
    result = doctor(tmp_path, {"MLINFRA_SETUP_TOOLS": str(tmp_path / "tools")}, {})
    assert result.returncode == 0, result.stderr
    assert by_name(result)["uv"]["found"] == PINS["uv"]


def test_stray_files_in_the_checkout_and_the_pulumi_home_are_reported_not_waited_on(tmp_path):
    """A FIFO as Pulumi's credentials.json used to hang doctor; a one-word .tool-versions line was exit 70."""
    from infra.cli.doctor import backend, pinned

    home = tmp_path / "pulumi-home"
    home.mkdir()
    os.mkfifo(home / "credentials.json")
    assert backend({"PULUMI_HOME": str(home)}, tmp_path) is None
    (tmp_path / ".tool-versions").write_text("python\npulumi 3.200.0\n# comment\nuv 0.9.0 extra\n")
    assert pinned(tmp_path) == {"pulumi": "3.200.0", "uv": "0.9.0"}
    (tmp_path / ".tool-versions").unlink()
    os.mkfifo(tmp_path / ".tool-versions")
    assert pinned(tmp_path) == {}
