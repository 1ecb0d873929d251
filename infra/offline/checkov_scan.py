"""Checkov over every stack and the bootstrap, as Terraform plans, against the accepted list.

Each stack is planned offline, converted with `terraform_plan`, and all the plans go to one
Checkov process (it takes seconds to start, so once, not once per stack). Every failed check must
match an entry of `policies/checkov-accepted.yaml` (id, reason, stacks, optionally resources);
anything else is a finding to fix. Entries that no longer match anything are reported too, so the
list cannot silently outlive what it excused.

    uv run python -m infra.offline.checkov_scan      # prints what is not accepted; exit 1 if any

Checkov runs with --skip-download and with its update check off: nothing leaves the machine.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
ACCEPTED_PATH = ROOT / "policies" / "checkov-accepted.yaml"
CHECKOV_VENV_BIN = ROOT / ".ci" / ".checkov" / "bin" / "checkov"  # built by .ci/checkov
BOOTSTRAP = "bootstrap"


@dataclass(frozen=True)
class Finding:
    """One failed Checkov check on one resource of one stack."""

    check_id: str
    stack: str
    resource: str
    name: str

    def line(self) -> str:
        return f"{self.stack}: {self.check_id} {self.resource} ({self.name})"


@dataclass(frozen=True)
class Accepted:
    """A check id accepted on the named stacks (and resources), with the reason why."""

    check_id: str
    reason: str
    stacks: tuple[str, ...]
    resources: tuple[str, ...] = ("*",)

    def covers(self, finding: Finding) -> bool:
        return (finding.check_id == self.check_id and finding.stack in self.stacks
                and any(fnmatch.fnmatchcase(finding.resource, pattern) for pattern in self.resources))


def load_accepted(path: Path = ACCEPTED_PATH) -> list[Accepted]:
    """The accepted list; every entry needs an id, a reason and the stacks it applies to."""
    entries = yaml.safe_load(path.read_text()) or []
    accepted = []
    for n, entry in enumerate(entries):
        missing = [k for k in ("id", "reason", "stacks") if not entry.get(k)]
        if missing:
            raise ValueError(f"{path.name}[{n}]: missing {', '.join(missing)}")
        accepted.append(Accepted(entry["id"], entry["reason"].strip(), tuple(entry["stacks"]),
                                 tuple(entry.get("resources") or ["*"])))
    return accepted


def find_checkov() -> str | None:
    """$CHECKOV, else the pinned venv .ci/checkov builds, else `checkov` on PATH."""
    if os.environ.get("CHECKOV"):
        return os.environ["CHECKOV"]
    if CHECKOV_VENV_BIN.exists():
        return str(CHECKOV_VENV_BIN)
    return shutil.which("checkov")


@dataclass(frozen=True)
class Results:
    """What one Checkov run found: the failed checks and the passed ones."""

    failed: list[Finding]
    passed: list[Finding]


def run_checkov(plans: dict[str, dict[str, Any]], checkov: str, workdir: Path) -> Results:
    """Failed and passed checks of every plan (name -> Terraform plan JSON), from one Checkov process."""
    files = []
    for name, plan in plans.items():
        path = workdir / f"{name}.tf.json"
        path.write_text(json.dumps(plan))
        files += ["-f", str(path)]
    env = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}
    done = subprocess.run([checkov, *files, "--framework", "terraform_plan", "-o", "json",
                           "--skip-download", "--soft-fail"], capture_output=True, text=True, env=env,
                          cwd=workdir, timeout=600)
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"checkov failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    report = json.loads(done.stdout)
    reports = report if isinstance(report, list) else [report]
    errors = [r for r in reports if r.get("summary", {}).get("parsing_errors")]
    if errors:
        raise RuntimeError(f"checkov could not parse a plan: {errors[0]['results'].get('parsing_errors')}")
    return Results(*(_findings(reports, outcome) for outcome in ("failed", "passed")))


def _findings(reports: list[dict[str, Any]], outcome: str) -> list[Finding]:
    return sorted({Finding(f["check_id"], Path(f["file_path"]).name.removesuffix(".tf.json"), f["resource"],
                           f["check_name"])
                   for r in reports for f in r.get("results", {}).get(f"{outcome}_checks", [])},
                  key=lambda f: (f.stack, f.check_id, f.resource))


def unaccepted(findings: list[Finding], accepted: list[Accepted]) -> list[Finding]:
    """Findings no entry of the accepted list covers."""
    return [f for f in findings if not any(a.covers(f) for a in accepted)]


def stale(findings: list[Finding], accepted: list[Accepted]) -> list[Accepted]:
    """Accepted entries that cover no finding any more (fixed, or a stack renamed)."""
    return [a for a in accepted if not any(a.covers(f) for f in findings)]


def plan_all(stacks: list[str] | None = None, run: Callable[[str], Any] | None = None) -> dict[str, dict[str, Any]]:
    """Every stack of stacks/ and the bootstrap, planned offline and converted.

    `run` plans one stack by name, "bootstrap" included (tests pass their cached runs); the default
    runs it afresh.
    """
    from infra.offline.document import build_document
    from infra.offline.engine import STACKS_DIR
    from infra.offline.stackfile import available_stacks
    from infra.offline.terraform_plan import terraform_plan

    return {stack: terraform_plan(build_document((run or _run_afresh)(stack)))
            for stack in stacks or [*available_stacks(STACKS_DIR), BOOTSTRAP]}


def _run_afresh(stack: str) -> Any:
    from infra.offline.engine import load_project, run_stack

    if stack == BOOTSTRAP:
        project = load_project(ROOT / "infra" / "bootstrap")
        return run_stack(BOOTSTRAP, project.stacks_dir, project.program, project.name)
    return run_stack(stack)


def main(argv: list[str]) -> int:
    """Print the findings outside the accepted list and the stale entries; 1 if any, 3 without checkov."""
    checkov = find_checkov()
    if checkov is None:
        print("checkov not found: run .ci/checkov once (it builds the pinned venv) or set CHECKOV", file=sys.stderr)
        return 3
    with tempfile.TemporaryDirectory() as tmp:
        findings = run_checkov(plan_all(argv or None), checkov, Path(tmp)).failed
    accepted = load_accepted()
    bad, old = unaccepted(findings, accepted), ([] if argv else stale(findings, accepted))
    for finding in bad:
        print(finding.line())
    for entry in old:
        print(f"stale accepted entry: {entry.check_id} on {', '.join(entry.stacks)} matches nothing")
    print(f"{len(findings)} failed checks, {len(findings) - len(bad)} accepted, {len(bad)} not accepted, "
          f"{len(old)} stale entries", file=sys.stderr)
    return 1 if bad or old else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
