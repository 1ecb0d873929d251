#!/usr/bin/env python3
"""The first command on a fresh machine: uv if it is missing, the locked dependencies, then the dev plan.

Needs only Python 3.11+ and git. The system Python is never installed into: when uv is not on PATH it
goes into a virtualenv of its own, `.tools/uv` (git-ignored), at the version `.tool-versions` pins, and
is used from there. Then `uv sync --frozen --compile-bytecode` (exactly what uv.lock pins; the SDKs are
compiled once, so every later import is fast) and `uv run mlinfra plan dev`, whose exit code this
script returns. Progress goes to standard error, the plan to standard output.

    python3 scripts/setup.py             # set up, then print the offline plan of the dev stack
    python3 scripts/setup.py --dry-run   # only say what it would run
    .venv/bin/pytest                     # the second command: the tests
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Where uv goes when it is missing (MLINFRA_SETUP_TOOLS moves it, for the tests).
TOOLS = Path(os.environ.get("MLINFRA_SETUP_TOOLS") or ROOT / ".tools" / "uv")
MIN_PYTHON = (3, 11)


def pinned_versions(root: Path = ROOT) -> dict[str, str]:
    """`.tool-versions` as {tool: version}: the one place uv and the Pulumi CLI are pinned."""
    lines = (root / ".tool-versions").read_text().splitlines()
    return dict(line.split()[:2] for line in lines if line.strip() and not line.startswith("#"))


def private_uv(tools: Path = TOOLS) -> Path:
    """Where this script keeps a uv of its own (the venv's bin, or Scripts on Windows)."""
    return tools / ("Scripts/uv.exe" if os.name == "nt" else "bin/uv")


def find_uv(path: str | None, tools: Path = TOOLS) -> Path | None:
    """uv on PATH first (whatever its version: `mlinfra doctor` says when it differs), then our own."""
    found = shutil.which("uv", path=path)
    if found:
        return Path(found)
    own = private_uv(tools)
    return own if own.is_file() else None


def install_steps(version: str, tools: Path = TOOLS, python: str = sys.executable) -> list[list[str]]:
    """The commands that give uv a virtualenv of its own: never the system Python's site-packages."""
    pip = tools / ("Scripts/pip.exe" if os.name == "nt" else "bin/pip")
    return [[python, "-m", "venv", str(tools)],
            [str(pip), "install", "--quiet", "--disable-pip-version-check", f"uv=={version}"]]


def project_steps(uv: Path) -> list[list[str]]:
    """Install exactly what uv.lock pins, then plan the dev stack offline."""
    return [[str(uv), "sync", "--frozen", "--compile-bytecode"],
            [str(uv), "run", "--frozen", "mlinfra", "plan", "dev"]]


def say(message: str) -> None:
    print(f"setup: {message}", file=sys.stderr, flush=True)


def _shown(path: Path) -> str:
    """A path as the reader typed it: relative to the repository when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def run(step: list[str], dry_run: bool) -> int:
    shown = " ".join(os.path.relpath(a, ROOT) if a.startswith(str(ROOT)) else a for a in step)
    say(f"$ {shown}")
    return 0 if dry_run else subprocess.run(step, cwd=ROOT).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run none of them")
    args = parser.parse_args(argv)
    if sys.version_info < MIN_PYTHON:
        say(f"Python {'.'.join(map(str, MIN_PYTHON))} or newer is needed; this is {sys.version.split()[0]}. "
            "Run this script with a newer python3.")
        return 2
    uv = find_uv(os.environ.get("PATH"))
    if uv is None:
        version = pinned_versions()["uv"]
        say(f"uv not found on PATH: installing uv {version} into {_shown(TOOLS)} (its own virtualenv)")
        for step in install_steps(version):
            if run(step, args.dry_run) != 0:
                say("could not install uv. If `python3 -m venv` failed, install your system's venv package "
                    "(Debian and Ubuntu: `apt install python3-venv`) and run this again; if pip failed, "
                    "check that PyPI can be reached.")
                return 1
        uv = private_uv()
    for step in project_steps(uv):
        code = run(step, args.dry_run)
        if code != 0:
            return code
    if uv == private_uv():
        where = _shown(uv.parent)
        where = f"$PWD/{where}" if not Path(where).is_absolute() else where
        say(f"uv is in {_shown(uv.parent)}: `export PATH=\"{where}:$PATH\"` puts it on PATH for `uv run mlinfra ...`")
    say("done. Next: .venv/bin/pytest runs the tests; the docs start at docs/getting-started.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
