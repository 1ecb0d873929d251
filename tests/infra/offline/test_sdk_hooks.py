"""The offline engine skips the SDK's per-resource stack trace, only while it runs a program."""

import pulumi
import pytest
from pulumi.runtime import resource as sdk_resource

from infra.offline.engine import ProgramError, run_program
from infra.offline.sdk_hooks import without_stack_traces


def _bucket_program():
    import pulumi_aws as aws

    aws.s3.Bucket("logs")
    pulumi.export("environment", "dev")


def test_recorded_requests_carry_no_stack_trace_and_the_sdk_function_is_restored(register):
    original = sdk_resource._get_stack_trace
    reg = register(_bucket_program)
    request = reg.one("aws:s3/bucket:Bucket", "logs").request
    assert len(request.stackTrace.frames) == 0
    assert not request.HasField("sourcePosition")
    assert sdk_resource._get_stack_trace is original


class _Base:
    """Stands for Resource: the SDK looks for the third `__init__` up the stack."""

    def __init__(self):
        self.trace = sdk_resource._get_stack_trace()


class _Custom(_Base):
    def __init__(self):
        super().__init__()


class _Concrete(_Custom):
    def __init__(self):
        super().__init__()


def test_without_the_hook_the_sdk_records_where_the_resource_was_created():
    """The hook is what removes the trace: unhooked, the SDK's function finds this test's frame."""
    assert any(frame.pc.uri.endswith("test_sdk_hooks.py") for frame in _Concrete().trace.frames)
    with without_stack_traces():
        assert len(_Concrete().trace.frames) == 0
    assert len(_Concrete().trace.frames) > 0


def test_the_sdk_function_is_restored_when_the_program_fails():
    original = sdk_resource._get_stack_trace

    def failing():
        raise ValueError("boom")

    with pytest.raises(ProgramError, match="boom"):
        run_program(failing)
    assert sdk_resource._get_stack_trace is original


def _in_a_worker(fn):
    """Run `fn` on a fresh thread, as the mock monitor's calls run (on a worker with its own event loop)."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result(timeout=30)


def test_a_coroutine_that_never_waits_is_run_to_its_end_without_an_event_loop(monkeypatch):
    from pulumi.runtime import rpc
    from pulumi.runtime.sync_await import _sync_await

    from infra.offline import sdk_hooks

    state = {"name": "logs", "tags": {"team": "ml"}, "sizes": [1, 2.5], "on": True, "none": None,
             "password": rpc.wrap_rpc_secret("s3cret")}
    slow = _in_a_worker(lambda: _sync_await(rpc.serialize_properties(state, {})))

    def no_loop(awaitable):
        raise AssertionError("went to the event loop")

    monkeypatch.setattr(sdk_hooks, "_sync_await", no_loop)
    fast = _in_a_worker(lambda: sdk_hooks.settled_at_once(rpc.serialize_properties(state, {})))
    assert fast == slow
    assert "none" not in fast and fast["tags"]["team"] == "ml"


def test_a_coroutine_that_waits_goes_on_in_the_event_loop_from_where_it_stopped():
    import asyncio

    from infra.offline.sdk_hooks import settled_at_once

    steps = []

    async def waits_twice():
        steps.append("start")
        await asyncio.sleep(0)
        steps.append("after a bare yield")
        value = await asyncio.sleep(0.01, result=41)
        steps.append("after a future")
        return value + 1

    assert _in_a_worker(lambda: settled_at_once(waits_twice())) == 42
    assert steps == ["start", "after a bare yield", "after a future"]


def test_what_the_coroutine_raises_is_raised_before_or_after_it_waits():
    import asyncio

    from infra.offline.sdk_hooks import settled_at_once

    async def fails_at_once():
        raise ValueError("at once")

    async def fails_later():
        await asyncio.sleep(0)
        raise KeyError("later")

    with pytest.raises(ValueError, match="at once"):
        _in_a_worker(lambda: settled_at_once(fails_at_once()))
    with pytest.raises(KeyError, match="later"):
        _in_a_worker(lambda: settled_at_once(fails_later()))


def test_the_mock_monitor_settles_at_once_only_while_a_program_runs(register):
    from pulumi.runtime import mocks

    from infra.offline.sdk_hooks import settled_at_once

    original = mocks._sync_await
    seen = []

    def program():
        seen.append(mocks._sync_await)
        _bucket_program()

    register(program)
    assert seen == [settled_at_once]
    assert mocks._sync_await is original


def test_type_unwraps_are_the_sdks_answers_remembered_and_restored_after():
    import pulumi_aws as aws
    from pulumi import _types

    from infra.offline.sdk_hooks import type_unwraps_remembered

    hints = list(_types.input_type_types(aws.eks.NodeGroupScalingConfigArgs).values())
    hints += [str | None, int | str | None, pulumi.Output[str], str]
    originals = (_types.unwrap_type, _types.unwrap_optional_type)
    expected = [(originals[0](h), originals[1](h)) for h in hints]
    with type_unwraps_remembered():
        assert (_types.unwrap_type, _types.unwrap_optional_type) != originals
        assert [(_types.unwrap_type(h), _types.unwrap_optional_type(h)) for h in hints] == expected
        assert [(_types.unwrap_type(h), _types.unwrap_optional_type(h)) for h in hints] == expected  # remembered
    assert (_types.unwrap_type, _types.unwrap_optional_type) == originals


def test_a_hint_that_fails_to_unwrap_fails_every_time(monkeypatch):
    from pulumi import _types

    from infra.offline.sdk_hooks import type_unwraps_remembered

    calls = []

    def refuses(hint):
        calls.append(hint)
        raise AssertionError("not a hint")

    monkeypatch.setattr(_types, "unwrap_type", refuses)
    with type_unwraps_remembered():
        for _ in range(2):
            with pytest.raises(AssertionError, match="not a hint"):
                _types.unwrap_type(int)
    assert calls == [int, int]
