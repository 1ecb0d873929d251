"""Each resource is converted for the stack rules while Analyze serves it, not after the program ends.

A preview sends every resource in an Analyze call as it registers, then the whole stack once in
AnalyzeStack. The stack rules read the stack through one conversion per request (stack_once.py),
but that conversion only starts when AnalyzeStack arrives, after the program has ended: on a
100-pool plan (1,233 resources) it was 70% of AnalyzeStack's time (py-spy of the pack in GIL mode,
2026-12-08: 1,385 of 1,988 samples in `convert_stack`), all of it on the path the plan waits on.
The same conversion of the same resource was often already made in Analyze for its resource rules.

`install` wraps the servicer's Analyze: once it has answered, the resource's properties, options
and provider are converted the way AnalyzeStack converts them (through convert_once's memory of
this request, so what the resource rules converted is not converted again) and kept under its
URN with the messages they came from. `converted(item)` hands a stack resource its conversion back
only when the item's properties, options and provider are equal (protobuf equality, which ignores
map order) to the messages the kept one was made from; anything else (a resource AnalyzeStack
sends with other values, as the Pulumi CLI does with outputs, or never sent to Analyze) is
converted as before. The work moves to while the program runs, when the pack has a core to itself.

Exact, not approximate:
- the conversion of equal messages by the same functions is equal (pulumi_policy's conversions
  read only the message: policy.py `_get_resource_options`, `_get_provider_resource`, and
  `deserialize_properties(json_format.MessageToDict(...))`);
- what is kept is shared by the resource rules of that Analyze and the stack rules of
  AnalyzeStack, so rules must only read it (as convert_once.py already requires; a test runs
  every stack through the pack with and without this module and compares every finding);
- a conversion that raises is not kept (AnalyzeStack converts again and raises as before), and
  Analyze's answer is the one pulumi_policy gave, made before anything here runs.

Kept until the next Configure (a new stack, or the next plan of a watch), not dropped at the end of
AnalyzeStack, where freeing 1,233 conversions took a sixth of its time before the answer went out.
Only installed on the pulumi_policy version whose code this was read against (1.21.0 as installed:
pulumi_policy/policy.py, `Analyze`, `AnalyzeStack`, `_get_resource_options`, `_get_provider_resource`,
read 2026-12-08); on any other it does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version
from typing import Any, NamedTuple

from pulumi_policy import policy as _policy

READ_AGAINST = "1.21.0"


class _Kept(NamedTuple):
    properties: Any
    options: Any
    provider: Any  # the provider message, or None when the request had none
    converted: tuple[Any, Any, Any]  # (properties proxy, options, provider resource)


# By URN. Filled by Analyze's threads; a dict's item assignment is atomic under the GIL.
_kept: dict[str, _Kept] = {}


def _provider_of(message: Any) -> Any:
    return message.provider if message.HasField("provider") else None


def convert(servicer: Any, item: Any) -> tuple[Any, Any, Any]:
    """What AnalyzeStack makes of a resource: its properties proxy, options and provider.

    The calls pulumi_policy makes, looked up where it looks them up (so convert_once's memory applies).
    """
    props = _policy.unknown_checking_proxy(
        _policy.deserialize_properties(_policy.json_format.MessageToDict(item.properties)))
    return props, servicer._get_resource_options(item), servicer._get_provider_resource(item)


def converted(servicer: Any, item: Any) -> tuple[Any, Any, Any]:
    """The conversion of a stack resource: the one kept from its Analyze when made from equal messages."""
    kept = _kept.get(item.urn)
    if (kept is not None and kept.properties == item.properties and kept.options == item.options
            and kept.provider == _provider_of(item)):
        return kept.converted
    return convert(servicer, item)


def forget() -> None:
    """Drop every kept conversion."""
    _kept.clear()


def _keeps(analyze: Callable[[Any, Any, Any], Any]) -> Callable[[Any, Any, Any], Any]:
    """Analyze as shipped; then the resource converted for the stack rules and kept."""

    def serve(self: Any, request: Any, context: Any) -> Any:
        response = analyze(self, request, context)
        try:
            made = convert(self, request)
        except Exception:  # noqa: BLE001 - AnalyzeStack converts it again and reports what it raises
            return response
        _kept[request.urn] = _Kept(request.properties, request.options, _provider_of(request), made)
        return response

    return serve


def _forgets(method: Callable[[Any, Any, Any], Any]) -> Callable[[Any, Any, Any], Any]:
    """A servicer RPC that starts with nothing kept (Configure: another stack, or another plan)."""

    def serve(self: Any, request: Any, context: Any) -> Any:
        forget()
        return method(self, request, context)

    return serve


def install() -> bool:
    """Convert each resource ahead in Analyze (idempotent); False, changing nothing, on another pulumi_policy."""
    if version("pulumi_policy") != READ_AGAINST:
        return False
    servicer = _policy._PolicyAnalyzerServicer
    if not getattr(servicer, "_mlinfra_convert_ahead", False):
        servicer.Analyze = _keeps(servicer.Analyze)
        servicer.Configure = _forgets(servicer.Configure)
        servicer._mlinfra_convert_ahead = True
    return True
