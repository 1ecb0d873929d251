"""Analyze runs, for each resource, only the resource rules that check resources of its type.

pulumi_policy 1.21.0 (pulumi/pulumi-policy@v1.21.0:sdk/python/lib/pulumi_policy/policy.py lines
971-1029, `_PolicyAnalyzerServicer.Analyze`, the same file as the installed package; read
2026-12-07) runs every resource rule of the pack for every resource: for
each it looks up the rule's level and config, builds a report function and the rule's arguments
(the resource's properties, options and provider; see convert_once.py) and calls the rule, which
for most resources returns at once because the resource is not of a type it checks. With 52
resource rules that was 0.45 ms of the pack's CPU per resource, most of it for rules with nothing
to say (cProfile of Analyze over a 100-pool plan's 1,233 resources, 2026-12-07).

The servicer keeps the rules it is given (line 1309, `self.__policies = policies`) and only ever
iterates them (lines 976, 1036, 1133, 1223), so `install` has it keep them in a `_ByType`: while
Analyze serves a resource on a thread, a `ResourceRule` (made by `rulekit.resource_rule`) whose
types do not include the resource's type is left out; every other rule, and every other request
(AnalyzeStack, GetAnalyzerInfo, Configure, Remediate), sees the whole list as shipped.

Exact, not approximate: a ResourceRule's first step is to return, reporting nothing, for a type it
does not check (`rulekit.resource_rule`), so leaving it out changes no response; its level and
config are still what pulumi_policy reads for the rules that run, and a disabled rule stays
disabled. A test runs every stack and every broken case through the pack with and without this
module and compares every finding.

Only installed on the pulumi_policy version whose code this was read against; on any other it
does nothing, and every rule runs for every resource as shipped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from importlib.metadata import version
from typing import Any

from pulumi_policy import ResourceValidationPolicy
from pulumi_policy import policy as _policy

READ_AGAINST = "1.21.0"

_serving = threading.local()


class ResourceRule(ResourceValidationPolicy):
    """A resource rule that reports nothing for resources whose type is not in `types`."""

    def __init__(self, *, types: Iterable[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.types = frozenset(types)


class _ByType(list):
    """The pack's rules; inside Analyze, without the ResourceRules that do not check the resource's type."""

    def __iter__(self) -> Iterator[Any]:
        resource_type = getattr(_serving, "type", None)
        everything = super().__iter__()
        if resource_type is None:
            return everything
        return (p for p in everything if not isinstance(p, ResourceRule) or resource_type in p.types)


def _keeps_type(analyze: Callable[[Any, Any, Any], Any]) -> Callable[[Any, Any, Any], Any]:
    """Analyze as shipped, with the resource's type known to `_ByType` on this thread while it runs."""

    def serve(self: Any, request: Any, context: Any) -> Any:
        _serving.type = request.type
        try:
            return analyze(self, request, context)
        finally:
            _serving.type = None

    return serve


def _rules_by_type(init: Callable[..., None]) -> Callable[..., None]:
    """The servicer's constructor, keeping its rules (its third argument) in a `_ByType`."""

    def construct(self: Any, name: Any, pack_version: Any, policies: Any, *args: Any, **kwargs: Any) -> None:
        init(self, name, pack_version, _ByType(policies), *args, **kwargs)

    return construct


def install() -> bool:
    """Leave out rules that cannot apply (idempotent; before the pack is built); False on another version."""
    if version("pulumi_policy") != READ_AGAINST:
        return False
    servicer = _policy._PolicyAnalyzerServicer
    if not getattr(servicer, "_mlinfra_rules_by_type", False):
        servicer.__init__ = _rules_by_type(servicer.__init__)
        servicer.Analyze = _keeps_type(servicer.Analyze)
        servicer._mlinfra_rules_by_type = True
    return True
