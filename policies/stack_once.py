"""Every stack rule of an AnalyzeStack request reads one conversion of the stack, not its own.

pulumi_policy 1.21.0 (pulumi/pulumi-policy@v1.21.0:sdk/python/lib/pulumi_policy/policy.py lines
1031-1115, `_PolicyAnalyzerServicer.AnalyzeStack`, the same file as the installed package; read
2026-12-07) rebuilds the whole stack for each stack rule it runs: for
every resource a `PolicyResource` with its properties, options and provider, then the parent,
dependency and property-dependency links between them. With 28 stack rules that is 28 copies of
the stack per request; on a 500-pool plan (6,161 resources) it was most of AnalyzeStack's time
and grew faster than the stack (profiled 2026-12-07, see docs/development/performance.md).

`install` wraps the servicer's AnalyzeStack: the request's resources are set aside for the
thread that serves it, and pulumi_policy's own AnalyzeStack runs on an empty request, so it still
does everything else exactly as shipped (which rules run at which enforcement level, each rule's
config, how violations are reported under each rule's name, and what an unknown value or a
not-applicable rule becomes). Our stack rules (`StackRule`, made by `rulekit.stack_rule`) read
the set-aside stack through `resources(args)`, converted once, the first time a rule asks.

Exact, not approximate:
- the conversion builds what pulumi_policy builds for each rule: the same properties, options and
  provider per resource (through the very functions it calls), a resource's parent and
  dependencies linked to the resources of the same conversion when the stack holds them and left
  out when it does not, in the request's order;
- the resources are shared by the rules of one request, so they must only be read: rules read
  them (a test runs every stack through the pack with and without this module and compares every
  finding, its rule, level, message and resource);
- a stack rule not made by `rulekit.stack_rule` would see an empty stack, so `install` refuses
  (and changes nothing) when the pack has one.

Only installed on the pulumi_policy version whose code this was read against; on any other it
does nothing, and stack rules read `args.resources` as shipped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from importlib.metadata import version
from typing import Any

import convert_ahead
from pulumi_policy import PolicyResource, StackValidationPolicy
from pulumi_policy import policy as _policy

READ_AGAINST = "1.21.0"

_serving = threading.local()


class StackRule(StackValidationPolicy):
    """A stack rule that reads the stack through `resources(args)`, so it can share one conversion."""


def resources(args: Any) -> list[PolicyResource]:
    """The stack a rule checks: this request's one conversion while `install`'s AnalyzeStack serves, else args'."""
    pending = getattr(_serving, "pending", None)
    if pending is None:
        return list(args.resources)
    if getattr(_serving, "converted", None) is None:
        servicer, request = pending
        _serving.converted = convert_stack(servicer, request.resources)
    return list(_serving.converted)


def convert_stack(servicer: Any, stack: Iterable[Any]) -> list[PolicyResource]:
    """The request's resources as stack rules see them, linked to each other by URN."""
    made: list[tuple[PolicyResource, Any]] = []
    by_urn: dict[str, PolicyResource] = {}
    for item in stack:
        # The calls pulumi_policy makes for each resource of each rule (convert_ahead.convert), or
        # their result for equal messages, made while Analyze served the resource.
        props, options, provider = convert_ahead.converted(servicer, item)
        resource = PolicyResource(item.type, props, item.urn, item.name, options, provider, None, [], {})
        made.append((resource, item))
        by_urn[item.urn] = resource
    for resource, item in made:
        # A link to a URN the stack does not hold is left out, as pulumi_policy does ("" is no parent).
        resource.parent = by_urn.get(item.parent) if item.parent else None
        resource.dependencies.extend(by_urn[urn] for urn in item.dependencies if urn in by_urn)
        for key, links in item.propertyDependencies.items():
            resource.property_dependencies[key] = [by_urn[urn] for urn in links.urns if urn in by_urn]
    return [resource for resource, _ in made]


def _fan_out(analyze_stack: Callable[[Any, Any, Any], Any]) -> Callable[[Any, Any, Any], Any]:
    """AnalyzeStack as shipped, over an empty request, with the real one set aside for `resources`."""

    def serve(self: Any, request: Any, context: Any) -> Any:
        _serving.pending, _serving.converted = (self, request), None
        try:
            return analyze_stack(self, type(request)(), context)
        finally:
            _serving.pending = _serving.converted = None

    return serve


def install(policies: Iterable[Any]) -> bool:
    """Share one conversion among the stack rules (idempotent); False, changing nothing, when that is not safe.

    Not safe: another pulumi_policy version than the one read, or a stack rule that reads
    `args.resources` itself (it would get the empty request).
    """
    if version("pulumi_policy") != READ_AGAINST:
        return False
    if any(isinstance(p, StackValidationPolicy) and not isinstance(p, StackRule) for p in policies):
        return False
    servicer = _policy._PolicyAnalyzerServicer
    # Marked on the class, not the method: convert_once wraps AnalyzeStack again, and wrapping
    # twice would hand the inner wrapper the empty request.
    if not getattr(servicer, "_mlinfra_stack_once", False):
        servicer.AnalyzeStack = _fan_out(servicer.AnalyzeStack)
        servicer._mlinfra_stack_once = True
    return True
