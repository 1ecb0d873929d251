"""The real StackBackend against the real `pulumi` CLI, on a throwaway local file backend.

Runs wherever `pulumi` is on PATH; skipped with that reason otherwise. It deploys nothing:
creating, configuring, tagging, reaping (destroy of an empty stack) and removing need no cloud.
"""

import shutil
import uuid
from datetime import UTC, datetime

import pytest

from infra.sandbox.backend import PulumiBackend, StackExists
from infra.sandbox.lifecycle import Sandboxes
from infra.sandbox.spec import TAG_EXPIRES, TAG_OWNER

pytestmark = pytest.mark.skipif(shutil.which("pulumi") is None, reason="pulumi CLI not on PATH")


def test_real_backend_round_trip(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    backend = PulumiBackend(env_vars={"PULUMI_BACKEND_URL": f"file://{state}", "PULUMI_CONFIG_PASSPHRASE": "itest",
                                      "PULUMI_SKIP_UPDATE_CHECK": "true"})
    stack = f"sandbox-itest-{uuid.uuid4().hex[:8]}"
    backend.create(stack)
    try:
        with pytest.raises(StackExists):  # never selected: a second create must not take it over
            backend.create(stack)
        assert stack in backend.list_stacks()
        backend.set_config(stack, {"mlinfra:environment": "sandbox"})
        backend.set_tags(stack, {TAG_OWNER: "itest", TAG_EXPIRES: "2026-01-01T00:00:00Z"})
        assert backend.get_tags(stack)[TAG_OWNER] == "itest"
        outcomes = Sandboxes(backend, clock=lambda: datetime(2026, 1, 2, tzinfo=UTC)).reap(on_output=print)
        assert [(o.stack, o.action) for o in outcomes] == [(stack, "destroyed")]
        assert stack not in backend.list_stacks()
        assert Sandboxes(backend).reap() == []
    finally:
        if stack in backend.list_stacks():
            backend.remove(stack)
