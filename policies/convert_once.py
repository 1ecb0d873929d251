"""Each resource is turned back into Python once per request, not once per rule.

pulumi_policy 1.21.0 (pulumi_policy/policy.py: `Analyze`, `AnalyzeStack`, `_get_provider_resource`)
rebuilds a resource for every policy it runs: `json_format.MessageToDict` of the same message,
`deserialize_properties` and `unknown_checking_proxy` of the result, its options and its
provider. For 67 rules that is 67 conversions of each resource in Analyze, and one per stack
rule of every resource in AnalyzeStack, where one would do; most of the pack's time (measured
with py-spy on `mlinfra plan --all`, 2026-11-29: MessageToDict alone was three quarters of
Analyze). `install` memoizes those five steps per object they are given.

What is remembered lives as long as the request that holds it: each thread's memory is emptied
when it starts and when it ends serving Analyze or AnalyzeStack (a request is served on one
thread). It used to be a per-thread LRU of 4,096 objects, which a stack of more than about 800
resources overflows (five objects each), so every stack rule converted every resource again: on a
500-pool plan (about 4,000 resources) the pack's conversions were half its time, and the time per
resource grew with the stack (py-spy, 2026-12-07).

Exact, not approximate:
- a request is never changed while it is served, and the same field access returns the same
  message object (upb keeps one Python object per message; tests/policies/test_convert_once.py);
- a hit requires that very object, which the cache keeps alive, so its id cannot be reused;
- what is handed out is shared by the rules of one request, so it must only be read: rules
  read properties (a test runs every stack through the pack with and without this module and
  compares every finding);
- `deserialize_properties` builds new containers and passes leaves through, so the cached
  MessageToDict result it reads is never changed either (pulumi_policy/deserialize.py).

Only installed on the pulumi_policy version whose code this was read against; on any other it
does nothing, and the pack is only slower.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from pulumi_policy import policy as _policy

READ_AGAINST = "1.21.0"


class _PerObject:
    """Remembers one answer per object, per thread, until the thread's request ends (`forget`)."""

    def __init__(self) -> None:
        self._local = threading.local()
        _MEMORIES.append(self)

    def get(self, obj: Any, compute: Callable[[], Any]) -> Any:
        """The answer remembered for this very `obj`, else `compute()`'s, remembered."""
        cache: dict[int, tuple[Any, Any]] | None = getattr(self._local, "cache", None)
        if cache is None:
            cache = self._local.cache = {}
        hit = cache.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        result = compute()
        cache[id(obj)] = (obj, result)
        return result

    def forget(self) -> None:
        """Drop what this thread remembered (and so the objects it kept alive)."""
        self._local.cache = None


# Every memory made by _once and _once_per_request, emptied together at a request's edges.
_MEMORIES: list[_PerObject] = []


def _forget_all() -> None:
    for memory in _MEMORIES:
        memory.forget()


def _request_scoped(method: Callable[[Any, Any, Any], Any]) -> Callable[[Any, Any, Any], Any]:
    """A servicer RPC whose thread starts and ends with nothing remembered."""

    def serve(self: Any, request: Any, context: Any) -> Any:
        _forget_all()
        try:
            return method(self, request, context)
        finally:
            _forget_all()

    return serve


class ConvertOnce:
    """A stand-in for protobuf's json_format: MessageToDict of a message it has seen is not redone."""

    def __init__(self, json_format: Any) -> None:
        self.json_format = json_format
        # pulumi_policy passes no options; a call with any is not cached (see _once).
        self.MessageToDict = _once(json_format.MessageToDict)  # noqa: N815 (protobuf's name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.json_format, name)


def _once(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn(obj)` remembered per object; calls with more arguments go straight to `fn`."""
    memo = _PerObject()

    def call(obj: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(obj, *args, **kwargs) if args or kwargs else memo.get(obj, lambda: fn(obj))

    return call


def _once_per_request(method: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """A servicer method of one request, remembered per request (a pack serves with one servicer)."""
    memo = _PerObject()

    def call(self: Any, request: Any) -> Any:
        return memo.get(request, lambda: method(self, request))

    return call


def install() -> bool:
    """Memoize pulumi_policy's per-rule conversions (idempotent); False when its version is not the one read."""
    if version("pulumi_policy") != READ_AGAINST:
        return False
    if isinstance(_policy.json_format, ConvertOnce):
        return True
    _policy.json_format = ConvertOnce(_policy.json_format)
    _policy.deserialize_properties = _once(_policy.deserialize_properties)
    _policy.unknown_checking_proxy = _once(_policy.unknown_checking_proxy)
    servicer = _policy._PolicyAnalyzerServicer
    servicer._get_resource_options = _once_per_request(servicer._get_resource_options)
    servicer._get_provider_resource = _once_per_request(servicer._get_provider_resource)
    servicer.Analyze = _request_scoped(servicer.Analyze)
    servicer.AnalyzeStack = _request_scoped(servicer.AnalyzeStack)
    return True
