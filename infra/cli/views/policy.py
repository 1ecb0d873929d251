"""The policy section of the table and markdown views of a plan."""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from infra.cli.views.fit import FitTable
from infra.cli.views.markdown import row as markdown_row


def _name_of(urn: str | None) -> str:
    return urn.rsplit("::", 1)[-1] if urn else "(stack)"


def policy_headline(document: dict[str, Any]) -> str:
    """One line: how many mandatory and advisory findings, and how many rules went unchecked."""
    policy = document.get("policy", {})
    violations = policy.get("violations", [])
    mandatory = sum(1 for v in violations if v["enforcementLevel"] == "mandatory")
    pack = policy.get("pack")
    where = f" ({pack['name']}@{pack['version']}, config {policy.get('config') or 'defaults'})" if pack else ""
    accepted = len(policy.get("accepted", []))
    return (f"Policy{where}: {mandatory} mandatory, {len(violations) - mandatory} advisory, "
            f"{len(policy.get('notChecked', []))} not checked" + (f", {accepted} accepted" if accepted else ""))


def _accepted(policy: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Accepted findings as rows: the resource by name and the config's reason."""
    return [("accepted", {"policy": a["policy"], "urn": f"::{a['resource']}", "message": a["reason"]})
            for a in policy.get("accepted", [])]


def policy_table(document: dict[str, Any]) -> list[Any]:
    """Renderables for the terminal: the headline, then one row per finding."""
    policy = document.get("policy", {})
    findings = [(v["enforcementLevel"], v) for v in policy.get("violations", [])]
    findings += [("not checked", n) for n in policy.get("notChecked", [])] + _accepted(policy)
    style = "bold red" if any(level == "mandatory" for level, _ in findings) else "bold green"
    parts: list[Any] = [f"[{style}]{policy_headline(document)}[/{style}]"]
    if findings:
        rows = []
        for level, finding in findings:
            text = escape(finding["message"])
            if finding.get("remediation"):
                text += f"\n[dim]Fix: {escape(finding['remediation'])}[/dim]"
            rows.append((escape(level), escape(finding["policy"]), escape(_name_of(finding.get("urn"))), text))
        # Level, rule and resource name a finding: whole words a reader searches for, never cut.
        parts.append(FitTable("Policy findings", ("Level", "Rule", "Resource", "Finding"), rows, keys=3,
                              column_options={"Finding": {"ratio": 2}}, markup=True))
    return parts


def policy_markdown(document: dict[str, Any]) -> list[str]:
    """Markdown lines: the headline, then a findings table (empty when the stack is clean)."""
    policy = document.get("policy", {})
    lines = [f"**{policy_headline(document)}**", ""]
    rows = [(v["enforcementLevel"], v) for v in policy.get("violations", [])]
    rows += [("not checked", n) for n in policy.get("notChecked", [])] + _accepted(policy)
    if rows:
        lines += ["| Level | Rule | Resource | Finding | Fix |", "| --- | --- | --- | --- | --- |"]
        for level, f in rows:
            cells = [level, f"`{f['policy']}`", _name_of(f.get("urn")), f["message"], f.get("remediation", "")]
            lines.append(markdown_row(cells))
        lines.append("")
    return lines
