"""Physical names across stacks: which resource claims which name in which scope, and the clashes.

Pure functions over plan documents. The table of what is a name, and its scope, is data in
`infra/catalog/physical_names.py`; a name-like input it does not classify is a finding too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from infra.catalog.physical_names import (
    AWS_ACCOUNT,
    AWS_REGION,
    GCP_PROJECT,
    GCP_REGION,
    K8S_CLUSTER,
    PHYSICAL_NAMES,
    PhysicalName,
    name_like_inputs,
)
from infra.offline.properties import UNKNOWN_PLACEHOLDER
from infra.offline.standin_marks import as_unknown

# Stacks do not pin their AWS account: all of them are taken to share one, the worst case.
SHARED_AWS_ACCOUNT = "shared"


@dataclass(frozen=True)
class Claim:
    """One resource's claim on one physical name."""

    stack: str
    type: str
    input: str
    name: str
    namespace: str
    scope: tuple[tuple[str, str], ...]
    urn: str

    @property
    def key(self) -> tuple[Any, ...]:
        return self.namespace, self.scope, self.name

    def scope_text(self) -> str:
        return ", ".join(f"{part}={value}" for part, value in self.scope) or "global"


@dataclass(frozen=True)
class Unclassified:
    """A name-like input with no entry in the table: the type must be classified."""

    stack: str
    type: str
    input: str
    value: Any


@dataclass(frozen=True)
class Unresolved:
    """A name, or a part of its scope, known only after apply: it cannot be compared offline."""

    stack: str
    type: str
    input: str
    urn: str
    why: str


@dataclass
class NameReport:
    """Every claim over a set of plans, the clashes among them, and what could not be checked."""

    claims: list[Claim] = field(default_factory=list)
    unclassified: list[Unclassified] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)

    @property
    def collisions(self) -> list[list[Claim]]:
        """Groups of two or more resources claiming one name in one scope."""
        groups: dict[tuple[Any, ...], list[Claim]] = {}
        for claim in self.claims:
            groups.setdefault(claim.key, []).append(claim)
        return [group for _, group in sorted(groups.items(), key=lambda item: repr(item[0])) if len(group) > 1]

    @property
    def ok(self) -> bool:
        """No collisions and nothing unclassified (names known only after apply are not failures)."""
        return not self.collisions and not self.unclassified

    def as_dict(self, stacks: list[str]) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {"stacks": stacks, "ok": self.ok,
                "collisions": [[asdict(c) for c in group] for group in self.collisions],
                "unclassified": [asdict(u) for u in self.unclassified],
                "unresolved": [asdict(u) for u in self.unresolved],
                "claims": [asdict(c) for c in self.claims]}


def _get(inputs: Mapping[str, Any], path: str) -> Any:
    node: Any = inputs
    for step in path.split("."):
        if not isinstance(node, Mapping) or step not in node:
            return None
        node = node[step]
    return node


class _Plan:
    """One plan document, indexed for resolving scopes."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.stack = str(document["stack"])
        # A stand-in is no name anything could clash with: it is unknown here, as in a preview.
        resources = as_unknown(list(document["resources"]))
        self.resources = [r for r in resources if r.get("custom")]
        self.by_urn = {r["urn"]: r for r in resources}
        self._identity: dict[str, str] = {}

    def provider(self, resource: Mapping[str, Any]) -> Mapping[str, Any]:
        reference = resource.get("provider") or ""
        return self.by_urn.get(reference.rsplit("::", 1)[0], {})

    def identity(self, urn: str) -> str:
        """A resource as the cloud knows it: its first claimed name and scope, else its URN."""
        if urn not in self._identity:
            self._identity[urn] = urn  # a cycle ends at the URN
            resource = self.by_urn.get(urn)
            rules = PHYSICAL_NAMES.get(resource["type"], {}) if resource else {}
            for path, rule in rules.items():
                name = _get(resource["inputs"], path) if resource else None
                if isinstance(rule, PhysicalName) and isinstance(name, str) and name != UNKNOWN_PLACEHOLDER:
                    scope, _ = self.scope(resource, rule)
                    self._identity[urn] = "/".join([*(v for _, v in scope), name])
                    break
        return self._identity[urn]

    def scope(self, resource: Mapping[str, Any], rule: PhysicalName) -> tuple[tuple[tuple[str, str], ...], str | None]:
        """The resolved scope parts, and why one is unknown (None when all are known)."""
        inputs, provider = resource["inputs"], self.provider(resource).get("inputs", {})
        parts, unknown = [], None
        for part in rule.scope:
            if part == AWS_ACCOUNT:
                value = SHARED_AWS_ACCOUNT
            elif part in (AWS_REGION, GCP_REGION):
                value = inputs.get("region") or provider.get("region")
            elif part == GCP_PROJECT:
                value = inputs.get("project") or provider.get("project")
            elif part == K8S_CLUSTER:
                value = self._cluster(resource)
            else:
                path, _, default = part.removeprefix("input:").partition("=")
                value = _get(inputs, path)
                if value is None:
                    value = default or None
                elif value == UNKNOWN_PLACEHOLDER:
                    value = self._from_dependency(resource, path.split(".")[0])
            if value is None or value == UNKNOWN_PLACEHOLDER:
                unknown = unknown or f"{part} is unknown until apply"
                value = UNKNOWN_PLACEHOLDER
            label = part.removeprefix("input:").partition("=")[0]
            parts.append((label, str(value).rstrip("/").lower()))
        return tuple(parts), unknown

    def _from_dependency(self, resource: Mapping[str, Any], key: str) -> str | None:
        # An output of one other resource (a key ring's id, a router's name): that resource's identity.
        sources = (resource.get("propertyDependencies") or {}).get(key) or []
        return self.identity(sources[0]) if len(sources) == 1 else None

    def _cluster(self, resource: Mapping[str, Any]) -> str | None:
        provider = self.provider(resource)
        clusters = (provider.get("propertyDependencies") or {}).get("kubeconfig") or []
        if len(clusters) == 1:
            return self.identity(clusters[0])
        return provider.get("urn")


def check_documents(documents: Iterable[Mapping[str, Any]]) -> NameReport:
    """Every physical-name claim in these plans; collisions and unclassified inputs are findings."""
    report = NameReport()
    for document in documents:
        plan = _Plan(document)
        for resource in plan.resources:
            kind, inputs = resource["type"], resource["inputs"]
            if kind.startswith("pulumi:providers:"):
                continue
            rules = PHYSICAL_NAMES.get(kind, {})
            for path in name_like_inputs(kind, inputs):
                if path not in rules:
                    report.unclassified.append(Unclassified(plan.stack, kind, path, _get(inputs, path)))
            for path, rule in rules.items():
                name = _get(inputs, path)
                if not isinstance(rule, PhysicalName) or name is None:
                    continue
                scope, unknown = plan.scope(resource, rule)
                if name == UNKNOWN_PLACEHOLDER or unknown:
                    report.unresolved.append(Unresolved(plan.stack, kind, path, resource["urn"],
                                                        unknown or "the name is unknown until apply"))
                    continue
                text = str(name).lower() if rule.ignore_case else str(name)
                report.claims.append(Claim(plan.stack, kind, path, text, rule.namespace or f"{kind} {path}",
                                           scope, resource["urn"]))
    return report


def describe(report: NameReport) -> list[str]:
    """One line per finding: both stacks, the type, the scope and the name of every collision."""
    lines = []
    for group in report.collisions:
        first = group[0]
        who = "; ".join(f"stack '{c.stack}' ({c.type} {c.urn.rsplit('::', 1)[-1]})" for c in group)
        lines.append(f"name '{first.name}' ({first.type} {first.input}) is claimed {len(group)} times in scope "
                     f"[{first.scope_text()}]: {who}")
    for item in report.unclassified:
        lines.append(f"stack '{item.stack}': {item.type} sets '{item.input}' ({item.value!r}), which looks like a "
                     "physical name but has no entry in infra/catalog/physical_names.py: classify it as "
                     "PhysicalName(scope) or NotAName(why)")
    return lines
