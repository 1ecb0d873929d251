"""`mlinfra doctor`: what this machine has and lacks for each way of working, offline.

It runs `uv --version` and `pulumi version` where they exist, reads `.tool-versions`, the Pulumi
credentials file and the environment, and calls no cloud and no backend: credentials are reported
present or not by their usual sources, never by value and never validated.

Which backend the CLI uses, read from pulumi/pulumi@0155f07 sdk/go/common/workspace/creds.go
(GetCurrentCloudURL, getCredsFilePath; read 2026-12-07): PULUMI_BACKEND_URL when set, else the
`current` key of `credentials.json` in PULUMI_CREDENTIALS_PATH, else PULUMI_HOME, else ~/.pulumi.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import click

WAYS = ("plan", "preview", "up", "sandbox")
EXIT_PLAN_NOT_READY = 1


# .tool-versions and Pulumi's credentials.json are a few KB.
MAX_SMALL_FILE_BYTES = 1024 * 1024

@dataclass(frozen=True)
class Check:
    """One thing looked at: what was found, whether it is good enough, and which ways of working need it."""

    name: str
    ok: bool
    found: str
    needed_by: tuple[str, ...]
    fix: str = ""


def pinned(root: Path) -> dict[str, str]:
    from infra.config.input_files import InputFileError, read_regular_file

    path = root / ".tool-versions"
    if not path.is_file():
        return {}
    try:  # bounded and never a FIFO: doctor reports, it does not wait or fail on a stray file
        text = read_regular_file(path, MAX_SMALL_FILE_BYTES, ".tool-versions file").decode("utf-8", "replace")
    except InputFileError:
        return {}
    pairs = (line.split() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {words[0]: words[1] for words in pairs if len(words) >= 2}


def _version(command: list[str]) -> str | None:
    """The first x.y.z a tool prints for its version, or None when it is missing or fails."""
    if not shutil.which(command[0]):
        return None
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"(\d+\.\d+\.\d+)", result.stdout + result.stderr)
    return match[1] if result.returncode == 0 and match else None


def _tool(name: str, command: list[str], want: str | None, needed_by: tuple[str, ...], fix: str) -> Check:
    have = _version(command)
    if have is None:
        return Check(name, False, "not found", needed_by, fix)
    if want and have != want:
        # A different version mostly works; it is a warning, not a blocker (.tool-versions pins CI's).
        return Check(name, True, f"{have} (pinned: {want})", needed_by, f"install {want} to match CI")
    return Check(name, True, have, needed_by)


def _uv(root: Path) -> str:
    """uv on PATH, else the one scripts/setup.py installed into .tools/uv (MLINFRA_SETUP_TOOLS moves it)."""
    own = Path(os.environ.get("MLINFRA_SETUP_TOOLS") or root / ".tools" / "uv") / "bin" / "uv"
    return "uv" if shutil.which("uv") or not own.is_file() else str(own)


def backend(env: dict[str, str], home: Path) -> str | None:
    """The backend URL the Pulumi CLI would use, or None when it is not logged in."""
    if env.get("PULUMI_BACKEND_URL"):
        return env["PULUMI_BACKEND_URL"]
    folder = Path(env.get("PULUMI_CREDENTIALS_PATH") or env.get("PULUMI_HOME") or home / ".pulumi")
    from infra.config.input_files import read_regular_file

    try:  # InputFileError (a FIFO, a folder, too large) is a ValueError: not logged in, as far as we can tell
        current = json.loads(read_regular_file(folder / "credentials.json", MAX_SMALL_FILE_BYTES)).get("current")
    except (OSError, ValueError, AttributeError, RecursionError):
        return None
    return current or None


def aws_credentials(env: dict[str, str], home: Path) -> str | None:
    """Where AWS credentials would come from (the SDKs' usual sources), or None."""
    if env.get("AWS_ACCESS_KEY_ID"):
        return "AWS_ACCESS_KEY_ID"
    for variable in ("AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                     "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        if env.get(variable):
            return variable
    for path in (Path(env.get("AWS_SHARED_CREDENTIALS_FILE") or home / ".aws" / "credentials"),
                 Path(env.get("AWS_CONFIG_FILE") or home / ".aws" / "config")):
        if path.is_file():
            return str(path)
    return None


def gcp_credentials(env: dict[str, str], home: Path) -> str | None:
    """Where Google Cloud application-default credentials would come from, or None."""
    explicit = env.get("GOOGLE_APPLICATION_CREDENTIALS")
    if explicit and Path(explicit).is_file():
        return "GOOGLE_APPLICATION_CREDENTIALS"
    config = Path(env.get("CLOUDSDK_CONFIG") or home / ".config" / "gcloud")
    adc = config / "application_default_credentials.json"
    return str(adc) if adc.is_file() else None


def checks(root: Path, env: dict[str, str], home: Path) -> list[Check]:
    """Everything doctor looks at, in the order it prints them."""
    versions = pinned(root)
    ok_python = sys.version_info >= (3, 11)
    found_backend = backend(env, home)
    aws, gcp = aws_credentials(env, home), gcp_credentials(env, home)
    cloud_fix = "AWS: `aws configure sso` or a profile; Google Cloud: `gcloud auth application-default login`"
    return [
        Check("python", ok_python, sys.version.split()[0], ("plan",), "" if ok_python else "Python 3.11 or newer"),
        Check("project environment", (root / ".venv").is_dir(), ".venv" if (root / ".venv").is_dir() else "no .venv",
              ("plan",), "python3 scripts/setup.py"),
        Check("policy pack", (root / "policies" / "PulumiPolicy.yaml").is_file(), "policies/PulumiPolicy.yaml",
              ("plan", "preview", "up"), "run from the repository's root"),
        _tool("uv", [_uv(root), "--version"], versions.get("uv"), ("plan",),
              "python3 scripts/setup.py (installs it into .tools/uv when missing)"),
        _tool("pulumi CLI", ["pulumi", "version"], versions.get("pulumi"), ("preview", "up", "sandbox"),
              f"curl -fsSL https://get.pulumi.com | sh -s -- --version {versions.get('pulumi', '<version>')}"),
        Check("pulumi backend", found_backend is not None, found_backend or "not logged in",
              ("preview", "up", "sandbox"), "pulumi login <the bootstrap's pulumi_backend_url>"),
        Check("cloud credentials", bool(aws or gcp),
              ", ".join(f"{cloud}: {src}" for cloud, src in (("aws", aws), ("gcp", gcp)) if src) or "none found",
              ("preview", "up", "sandbox"), cloud_fix),
    ]


def readiness(found: list[Check]) -> dict[str, list[str]]:
    """For each way of working, the names of the checks it needs that failed (empty: ready)."""
    return {way: [c.name for c in found if way in c.needed_by and not c.ok] for way in WAYS}


def text_report(found: list[Check], ready: dict[str, list[str]]) -> list[str]:
    """One line per check (and its fix on the next when something is off), then one per way of working."""
    lines = []
    for c in found:
        lines.append(f"{'ok' if c.ok else 'MISSING':8} {c.name}: {c.found}  (needed by {', '.join(c.needed_by)})")
        if c.fix and (not c.ok or "pinned" in c.found):
            lines.append(f"{'':8}   fix: {c.fix}")
    lines.append("")
    for way, missing in ready.items():
        lines.append(f"{way:8} {'ready' if not missing else 'not ready, needs: ' + ', '.join(missing)}")
    return lines


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def doctor(fmt: str) -> None:
    """Say what this machine has and lacks for plan, preview, up and sandboxes (offline: no cloud calls).

    Exit codes: 0 `mlinfra plan` can run (preview, up and sandboxes may still lack the Pulumi CLI or
    credentials: that is normal on a laptop); 1 not even `plan` can run.
    """
    found = checks(Path.cwd(), dict(os.environ), Path.home())
    ready = readiness(found)
    if fmt == "json":
        click.echo(json.dumps({"checks": [asdict(c) for c in found], "ways": ready}, indent=2))
    else:
        # Plain lines, not a table: a path or a command never breaks in the middle at 80 columns.
        for line in text_report(found, ready):
            click.echo(line)
    if ready["plan"]:
        sys.exit(EXIT_PLAN_NOT_READY)
