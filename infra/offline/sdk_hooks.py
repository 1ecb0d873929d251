"""Narrow, documented adjustments to the Pulumi SDK that apply only while the offline engine runs.

Nothing here is active under the real `pulumi` CLI: the CLI runs `infra/__main__.py` through the
SDK's own entry point, never through `run_program`, which is the only caller of these hooks.
"""

from __future__ import annotations

import concurrent.futures
import inspect
import sys
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from pulumi import _types as sdk_types
from pulumi.runtime import mocks as sdk_mocks
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

T = TypeVar("T")

_EMPTY = source_pb2.StackTrace()


def _no_stack_trace() -> source_pb2.StackTrace:
    return _EMPTY


@contextmanager
def without_stack_traces() -> Iterator[None]:
    """Skip the stack trace the SDK captures for every resource while the block runs.

    The SDK walks the Python stack and reads each frame's source line for every resource it
    registers (`pulumi.runtime.resource._get_stack_trace`) so the engine can point at the line
    that created it; the offline plan never shows it. The SDK has no switch for this, so the
    module function is swapped for one returning an empty trace (what the SDK itself sends when
    it cannot find the frame) and always restored.
    If a future SDK renames the function, nothing is swapped and plans are only slower.
    """
    original = getattr(sdk_resource, "_get_stack_trace", None)
    if original is None:
        yield
        return
    sdk_resource._get_stack_trace = _no_stack_trace
    try:
        yield
    finally:
        sdk_resource._get_stack_trace = original


# Offline, a plan is one busy thread (the program's event loop) handing each monitor call to a
# worker and waiting for it; nothing runs in parallel, so threads only take turns on the GIL.
_MONITOR_WORKERS = 1
# CPython's default is 5 ms: a waiting thread (the policy stream) forces the busy one to stop
# every 5 ms. At 20 ms the program switches away less often; the stream, which feeds a pack
# that keeps up, loses nothing that matters (measured 2026-11-29: about 10% less CPU per plan).
_SWITCH_INTERVAL_SECONDS = 0.02


@contextmanager
def monitor_calls_in_one_worker() -> Iterator[None]:
    """Run the SDK's monitor calls in one worker thread, with fewer forced GIL switches, while the block runs.

    The SDK sends every registration, invoke and output to the monitor through
    `loop.run_in_executor(None, ...)` (pulumi 3.272.0, the locked version, read 2026-11-29:
    pulumi/runtime/resource.py, invoke.py, settings.py, stack.py): on the loop's default pool,
    sized for a remote engine's gRPC latency (six threads on two cores). Offline the monitor is
    the in-process mock, whose every call answers at once and none waits for another
    (pulumi/runtime/mocks.py), so one worker serves them as fast, without six threads
    contending for the GIL. They cannot run inline on the loop's own thread:
    MockMonitor.RegisterResource calls `_sync_await`, which would re-enter the running loop.
    """
    loop = _ensure_event_loop()
    previous_executor = getattr(loop, "_default_executor", None)  # asyncio has no public getter
    previous_interval = sys.getswitchinterval()
    worker = concurrent.futures.ThreadPoolExecutor(max_workers=_MONITOR_WORKERS,
                                                   thread_name_prefix="mlinfra-monitor")
    loop.set_default_executor(worker)
    sys.setswitchinterval(_SWITCH_INTERVAL_SECONDS)
    try:
        yield
    finally:
        sys.setswitchinterval(previous_interval)
        loop._default_executor = previous_executor  # type: ignore[attr-defined]
        worker.shutdown(wait=False)


class _Rest:
    """The rest of a coroutine that stopped awaiting `pending`, as an awaitable an asyncio Task drives.

    What the Task sends or throws in goes on to the coroutine, and what the coroutine yields (the
    future it waits on) goes up to the Task, exactly as if the Task had started the coroutine itself.
    """

    def __init__(self, coroutine: Coroutine[Any, Any, T], pending: Any) -> None:
        self.coroutine, self.pending = coroutine, pending

    def __await__(self) -> Generator[Any, Any, T]:
        pending = self.pending
        while True:
            try:
                sent = yield pending
            except BaseException as exc:  # noqa: BLE001 - thrown in by the Task (a cancellation): passed on
                step = self.coroutine.throw
                arg: Any = exc
            else:
                step, arg = self.coroutine.send, sent
            try:
                pending = step(arg)
            except StopIteration as finished:
                return finished.value


async def _finish(coroutine: Coroutine[Any, Any, T], pending: Any) -> T:
    return await _Rest(coroutine, pending)


def settled_at_once(awaitable: Awaitable[T]) -> T:
    """`_sync_await`, without an event loop's round for a coroutine that never waits.

    The mock monitor serializes each resource's state with `_sync_await(rpc.serialize_properties(...))`
    (pulumi 3.272.0, pulumi/runtime/mocks.py, read 2026-12-08): a Task and a turn of the worker
    thread's event loop for every resource. For plain values (what the offline mocks return: the
    inputs and stand-ins) the coroutine finishes at its first step without waiting on anything, so
    it is run to its end here. Only a coroutine that does wait (a resource reference, an Output) goes
    to the event loop, from where it stopped. Same result, same exceptions, in the same thread.
    """
    if not inspect.iscoroutine(awaitable):
        return _sync_await(awaitable)
    try:
        pending = awaitable.send(None)
    except StopIteration as finished:
        return finished.value
    return _sync_await(_finish(awaitable, pending))


@contextmanager
def mock_monitor_settles_at_once() -> Iterator[None]:
    """The mock monitor's `_sync_await` replaced by `settled_at_once` while the block runs, then restored."""
    original = getattr(sdk_mocks, "_sync_await", None)
    if original is None:  # a future SDK without it: nothing swapped, plans are only slower
        yield
        return
    sdk_mocks._sync_await = settled_at_once
    try:
        yield
    finally:
        sdk_mocks._sync_await = original


# The SDK's type-hint unwrappers the serialization calls for every property of every resource (pulumi
# 3.272.0: rpc.serialize_property calls `_types.unwrap_type`, rpc.translate_output_properties
# `_types.unwrap_optional_type`; read 2026-12-08). Both are pure functions of the hint object.
_UNWRAPPERS = ("unwrap_type", "unwrap_optional_type")


def _remembered(unwrap: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`unwrap(hint)` once per hint object; a hint that raises is not remembered (it raises again)."""
    seen: dict[int, tuple[Any, Any]] = {}

    def remembered(hint: Any) -> Any:
        hit = seen.get(id(hint))
        if hit is not None and hit[0] is hint:
            return hit[1]
        result = unwrap(hint)
        seen[id(hint)] = (hint, result)  # the hint is kept alive with it, so its id is never reused
        return result

    return remembered


@contextmanager
def type_unwraps_remembered() -> Iterator[None]:
    """The SDK's type-hint unwrappers remember their answers while the block runs, then are restored.

    A 100-pool plan (1,233 resources) unwrapped 303 distinct hints 24,054 times and 224 distinct
    optional hints 51,429 times: 0.072 s and 0.041 s of CPU, 0.004 s and 0.010 s remembered
    (measured 2026-12-08 over the hints that plan passed). The SDK caches the hints themselves
    (functools.cache on the per-class lookups), so they are the same objects each time.
    """
    originals = {name: getattr(sdk_types, name, None) for name in _UNWRAPPERS}
    for name, unwrap in originals.items():
        if unwrap is not None:  # a future SDK without it: nothing swapped
            setattr(sdk_types, name, _remembered(unwrap))
    try:
        yield
    finally:
        for name, unwrap in originals.items():
            if unwrap is not None:
                setattr(sdk_types, name, unwrap)
