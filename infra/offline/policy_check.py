"""The plan's policy check: one pack process, the stack's environment config, findings for the document."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from infra.catalog.version import mlinfra_version
from infra.offline.analyzer import Finding, PolicyAnalyzer, PolicyPackError
from infra.offline.analyzer_inputs import PolicyInput, inputs_from_records, secret_values
from infra.offline.engine import REPO_ROOT, ProgramRun
from infra.offline.policy_config import load_policy_config
from infra.offline.policy_stream import PolicyStream
from infra.offline.stackfile import SECRET_PLACEHOLDER
from infra.offline.strict_yaml import StrictYamlError, read_yaml

PACK_DIR = REPO_ROOT / "policies"
_PLAIN_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


def config_file(environment: str | None, pack_dir: Path = PACK_DIR, project: str = "mlinfra") -> Path | None:
    """The file `pulumi preview --policy-pack-config` gets too: `policies/config/<project>.json` for
    another project (the bootstrap's deploy role must create IAM roles, which no platform role
    may), else `policies/config/<environment>.json`."""
    if project != "mlinfra":
        own = pack_dir / "config" / f"{project}.json"
        if own.exists():
            return own
    if environment is None or not _PLAIN_NAME.fullmatch(environment):
        # Not a name a file could have (300 characters, a slash): the program's config check
        # refuses it with exit 2 naming the key; looking it up would raise "File name too long".
        return None
    path = pack_dir / "config" / f"{environment}.json"
    return path if path.exists() else None


def check_pack(pack_dir: Path = PACK_DIR) -> None:
    """Raise PolicyPackError naming the folder when it is not a policy pack (missing, or no PulumiPolicy.yaml)."""
    manifest = pack_dir / "PulumiPolicy.yaml"
    if not pack_dir.is_dir():
        raise PolicyPackError(f"policy pack {pack_dir} does not exist; restore policies/ from the repository")
    if not manifest.is_file():
        raise PolicyPackError(f"policy pack {pack_dir} has no PulumiPolicy.yaml, so Pulumi would not run it; "
                              "restore it from the repository")
    try:
        document = read_yaml(manifest)
    except StrictYamlError as exc:
        raise PolicyPackError(f"policy pack manifest {exc}") from None
    if not isinstance(document, dict):
        raise PolicyPackError(f"policy pack manifest {manifest}: expected a mapping (runtime, version, ...)")


def pack_version() -> str:
    """The pack's version: mlinfra's own (PulumiPolicy.yaml says the same, for the CLI; a test keeps them equal)."""
    return mlinfra_version()


def _with_pack_version(message: str, analyzer: PolicyAnalyzer) -> str:
    """A "can't run policy" message naming the pack as the header does, not by the SDK's fixed version.

    pulumi_policy 1.21.0 serves every Python pack as version "0.0.1" (pulumi_policy/policy.py,
    `PolicyPack.__init__`: the CLI shows PulumiPolicy.yaml's instead) and writes it into the text
    as `'<name>@v0.0.1'`.
    """
    assert analyzer.info is not None
    return message.replace(f"'{analyzer.info.name}@v{analyzer.info.version}'",
                           f"'{analyzer.info.name}@{pack_version()}'")


def check_run(run: ProgramRun, environment: str | None, pack_dir: Path = PACK_DIR,
              analyzer: PolicyAnalyzer | None = None, keep_open: bool = False) -> dict[str, Any]:
    """Run the pack over a program run the way a preview does; returns the document's `policy` field.

    `analyzer` is a pack spawned earlier for this stack (see `make_plan`); it is closed here on
    success and on pack errors, and the caller stops it if anything before that raises.
    `keep_open` leaves it running for the next stack (`mlinfra plan --all`); the caller stops it.
    """
    config = config_file(environment, pack_dir, run.project)
    settings = load_policy_config(config) if config else {}
    inputs = inputs_from_records(run.resources)
    analyzer = analyzer or PolicyAnalyzer(pack_dir, stack=run.stack, project=run.project)
    with _in_use(analyzer, keep_open):
        analyzer.configure(settings)
        findings = analyzer.analyze_all(inputs)
        return policy_result(analyzer, config, inputs, findings, pack_dir)


def finish_streamed(stream: PolicyStream, analyzer: PolicyAnalyzer, config: Path | None,
                    pack_dir: Path = PACK_DIR, keep_open: bool = False) -> dict[str, Any]:
    """The `policy` field for a run whose resources went to the pack while it ran (PolicyStream)."""
    # First: the stream's thread is the one that connects to the pack; entering `with` before it
    # has would connect a second time. On its error the caller stops the pack.
    inputs, findings = stream.finish()  # AnalyzeStack's findings included (the stream ran it)
    with _in_use(analyzer, keep_open):
        return policy_result(analyzer, config, inputs, findings, pack_dir)


@contextlib.contextmanager
def _in_use(analyzer: PolicyAnalyzer, keep_open: bool) -> Iterator[PolicyAnalyzer]:
    """The pack started; stopped afterwards (also on error) unless the caller keeps it for another stack.

    Stopped with `release`, not the graceful `close`: once the findings are in, nothing the plan
    does next needs the pack, and waiting for it to wind down was a fifth of a second of every plan.
    """
    analyzer.start()
    if keep_open:
        yield analyzer
        return
    try:
        yield analyzer
    finally:
        analyzer.release()


def policy_result(analyzer: PolicyAnalyzer, config: Path | None, inputs: list[PolicyInput],
                  findings: list[Finding], pack_dir: Path = PACK_DIR) -> dict[str, Any]:
    """The document's `policy` field from one analysis."""
    assert analyzer.info is not None
    remediation = {p.name: p.remediation_steps for p in analyzer.info.policies}
    # Rules see secrets in plaintext, as under the CLI; the plan document must never show them.
    secrets = set().union(*(secret_values(i.properties) for i in inputs))
    for finding in findings:
        if finding.not_checked:
            finding.message = _with_pack_version(finding.message, analyzer)
        for secret in secrets:
            finding.message = finding.message.replace(secret, SECRET_PLACEHOLDER)
    return {
        "pack": {"name": analyzer.info.name, "version": pack_version()},
        "config": str(config.relative_to(REPO_ROOT)) if config and config.is_relative_to(REPO_ROOT)
        else (str(config) if config else None),
        "violations": [_violation(f, remediation) for f in _ordered(findings) if not f.not_checked],
        "notChecked": [{"policy": f.policy, "enforcementLevel": f.level, "message": f.message, "urn": f.urn}
                       for f in _ordered(findings) if f.not_checked],
        **({"accepted": accepted} if (accepted := accepted_findings(config)) else {}),
    }


def accepted_findings(config: Path | None) -> list[dict[str, str]]:
    """Findings the policy config accepts (a rule's `accepted`: resource -> reason), listed to stay visible."""
    if config is None:
        return []
    return [{"policy": name, "resource": str(resource), "reason": str(reason)}
            for name, setting in sorted(load_policy_config(config).items())
            if isinstance(setting.properties.get("accepted"), dict)
            for resource, reason in sorted(setting.properties["accepted"].items())]


def _ordered(findings: list[Finding]) -> list[Finding]:
    rank = {"mandatory": 0, "remediate": 0, "advisory": 1}
    return sorted(findings, key=lambda f: (rank.get(f.level, 2), f.policy, f.urn or ""))


def _violation(finding: Finding, remediation: dict[str, str]) -> dict[str, Any]:
    return {"policy": finding.policy, "enforcementLevel": finding.level, "severity": finding.severity,
            "message": finding.message, "urn": finding.urn, "remediation": remediation.get(finding.policy, "")}


def mandatory_violations(policy: dict[str, Any]) -> list[dict[str, Any]]:
    """Violations that fail the plan."""
    return [v for v in policy.get("violations", []) if v["enforcementLevel"] == "mandatory"]
