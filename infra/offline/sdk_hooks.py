"""Narrow, documented adjustments to the Pulumi SDK that apply only while the offline engine runs.

Nothing here is active under the real `pulumi` CLI: the CLI runs `infra/__main__.py` through the
SDK's own entry point, never through `run_program`, which is the only caller of these hooks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pulumi.runtime import resource as sdk_resource
from pulumi.runtime.proto import source_pb2

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
