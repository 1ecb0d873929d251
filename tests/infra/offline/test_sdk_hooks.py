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
