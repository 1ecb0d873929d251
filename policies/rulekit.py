"""Shared building blocks for the rules: rule constructors, safe property access, shared facts.

The pack runs as a top-level program (`python -m pulumi.policy ADDR policies/`), so its modules
import each other by bare name. The repository root is put on `sys.path` so the rules can read
the accelerator catalog (`infra/catalog/accelerators.py`, plain stdlib data) instead of copying its facts.
"""

from __future__ import annotations

import functools
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    Severity,
)
from pulumi_policy.proxy import UnknownValueError

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)

from rule_guard import guarded  # noqa: E402 - names the rule when one raises or hangs
from rules_by_type import ResourceRule  # noqa: E402 - Analyze skips it for resources of other types
from stack_once import StackRule, resources  # noqa: E402 - one conversion of the stack for every stack rule

from infra.catalog import cluster_contracts as facts  # noqa: E402, F401 - upstream facts the rules share
from infra.catalog.accelerators import Cloud, offer_by_machine  # noqa: E402
from infra.catalog.expiry import parse_expiry  # noqa: E402, F401 - one reading of an expiry, shared with the reaper

MANDATORY, ADVISORY = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY
LOW, MEDIUM, HIGH, CRITICAL = Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL

ResourceCheck = Callable[[Mapping[str, Any], "Context"], Iterable[str]]
StackCheck = Callable[[PolicyResource, "StackView"], Iterable[str]]


class Context:
    """What a resource check may know besides the resource's properties."""

    def __init__(self, name: str, resource_type: str, config: Mapping[str, Any], protect: bool) -> None:
        self.name = name
        self.type = resource_type
        self.config = config
        self.protect = protect


def _schema(config: Mapping[str, Any] | None) -> PolicyConfigSchema | None:
    return PolicyConfigSchema(properties=dict(config)) if config else None


def resource_rule(name: str, description: str, *, types: Iterable[str], check: ResourceCheck,
                  severity: Severity, remediation: str, level: EnforcementLevel = MANDATORY,
                  config: Mapping[str, Any] | None = None) -> ResourceRule:
    """A rule over single resources of `types`; `check` yields one message per violation."""
    wanted = frozenset(types)

    def validate(args, report_violation) -> None:
        # First, and reporting nothing: rules_by_type.py leaves this rule out for other types.
        if args.resource_type not in wanted:
            return
        ctx = Context(args.name, args.resource_type, args.get_config(), bool(args.opts.protect))
        with guarded(name, args.urn):
            for message in check(args.props, ctx):
                report_violation(message)

    return ResourceRule(types=wanted, name=name, description=description, validate=validate,
                        enforcement_level=level, severity=severity, remediation_steps=remediation,
                        config_schema=_schema(config))


class StackView:
    """The whole stack as a stack rule sees it, with the lookups the rules share."""

    def __init__(self, resources: list[PolicyResource], config: Mapping[str, Any]) -> None:
        self.resources = resources
        self.config = config

    @functools.cached_property
    def environment(self) -> str | None:
        """The stack's environment: from policy config if set, else the tag most resources carry.

        Worked out once per view: rules ask it for every resource, and a count over the whole
        stack each time made a stack rule quadratic in the stack's size.
        """
        if self.config.get("environment"):
            return str(self.config["environment"])
        seen = Counter(environment_of(r.props) for r in self.resources)
        seen.pop(None, None)
        return seen.most_common(1)[0][0] if seen else None

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """`compute()` once per view (one stack rule's run), for lookups every resource's check shares."""
        cache = self.__dict__.setdefault("_memo", {})
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    def attached(self, target: PolicyResource, resource_type: str, prop: str = "bucket") -> list[PolicyResource]:
        """Resources of `resource_type` whose `prop` refers to `target`.

        Property dependencies are what the engine itself records, so this works while ids are
        still unknown (every preview of a new bucket).
        """
        return [r for r in self.resources if r.resource_type == resource_type
                and any(d.urn == target.urn for d in r.property_dependencies.get(prop, []))]


def stack_rule(name: str, description: str, *, types: Iterable[str] | None, check: StackCheck,
               severity: Severity, remediation: str, level: EnforcementLevel = MANDATORY,
               config: Mapping[str, Any] | None = None) -> StackRule:
    """A rule over the whole stack, run once per resource of `types` (None: every resource).

    A value unknown at preview stops only that resource's check; the others still run, and the
    first unknown is raised at the end so the engine reports the rule as not checked.
    """
    wanted = frozenset(types) if types is not None else None

    def validate(args, report_violation) -> None:
        view = StackView(resources(args), args.get_config())
        unknown: UnknownValueError | None = None
        for resource in view.resources:
            if wanted is not None and resource.resource_type not in wanted:
                continue
            try:
                with guarded(name, resource.urn):
                    for message in check(resource, view):
                        report_violation(message, resource.urn)
            except UnknownValueError as exc:
                unknown = unknown or exc
        if unknown is not None:
            raise unknown

    return StackRule(name=name, description=description, validate=validate, enforcement_level=level,
                     severity=severity, remediation_steps=remediation, config_schema=_schema(config))


def has(props: Mapping[str, Any] | None, key: str) -> bool:
    """Whether `key` is set, without reading its value (which may be unknown during preview)."""
    # Iterating keys never reads values; `key in props` would, and raise on an unknown value.
    return props is not None and any(k == key for k in props)


def dig(props: Mapping[str, Any] | None, *path: str | int, default: Any = None) -> Any:
    """The value at `path`, or `default` when any step is missing. Unknown values still raise."""
    value: Any = props
    for step in path:
        if value is None:
            return default
        if isinstance(step, int):
            if step >= len(value):
                return default
            value = value[step]
        elif has(value, step):
            value = value[step]
        else:
            return default
    return default if value is None else value


def truthy(value: Any) -> bool:
    """Launch templates carry booleans as strings ("true"/"false"); accept both shapes."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def labels_of(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """A resource's tags (AWS), labels (GCP) or metadata labels (Kubernetes), whichever it has."""
    for path in (("tags",), ("labels",), ("resourceLabels",), ("metadata", "labels"),
                 ("nodeConfig", "resourceLabels")):
        found = dig(props, *path)
        if found:
            return found
    return {}


def environment_of(props: Mapping[str, Any]) -> str | None:
    """The `environment` tag or label mlinfra puts on everything, None when absent or unknown."""
    try:
        return labels_of(props).get("environment")
    except UnknownValueError:
        return None


def gpus_per_machine(cloud: Cloud, machine_type: str) -> int:
    """GPUs one machine of `machine_type` carries, from the shared catalog (0: not a GPU machine)."""
    offer = offer_by_machine(cloud, machine_type)
    return offer.gpus if offer else 0


def aws_gpu_node_group(props: Mapping[str, Any]) -> bool:
    """Whether an EKS node group runs GPU machines (GPU AMI or a GPU instance type)."""
    ami = str(dig(props, "amiType", default=""))
    types = dig(props, "instanceTypes", default=[])
    return "NVIDIA" in ami or "GPU" in ami or any(gpus_per_machine(Cloud.AWS, t) for t in types)


def fmt(items: Iterable[Any]) -> str:
    """A readable, stable list for messages."""
    return ", ".join(str(i) for i in sorted(items))
