"""Narrow, documented adjustments to the Pulumi SDK that apply only while the offline engine runs.

Nothing here is active under the real `pulumi` CLI: the CLI runs `infra/__main__.py` through the
SDK's own entry point, never through `run_program`, which is the only caller of these hooks.
"""

from __future__ import annotations

import concurrent.futures
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from pulumi.runtime import resource as sdk_resource
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.sync_await import _ensure_event_loop

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
