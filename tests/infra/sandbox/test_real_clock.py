"""A real sandbox expires at the real now + TTL whatever MLINFRA_PLAN_TIME says: the plan clock pins plans only."""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from infra.catalog.expiry import parse_expiry
from infra.offline.document import build_document
from infra.offline.engine import run_stack_file
from infra.offline.stackfile import StackFile
from infra.sandbox.lifecycle import Sandboxes
from infra.sandbox.plan import plan_sandbox
from infra.sandbox.spec import TAG_EXPIRES
from tests.infra.sandbox.fake import FakeBackend


def test_create_uses_the_real_clock_under_a_pinned_plan_clock(monkeypatch):
    monkeypatch.setenv("MLINFRA_PLAN_TIME", "2020-01-01T00:00:00Z")
    backend = FakeBackend()
    sandboxes = Sandboxes(backend, planner=plan_sandbox)  # the real planner and the default (real) clock
    before = datetime.now(UTC).replace(microsecond=0)
    sandboxes.create("alice", ttl="8h", on_output=lambda line: None)
    after = datetime.now(UTC)
    stack = backend.stacks["sandbox-alice-box"]
    expires = parse_expiry(stack["tags"][TAG_EXPIRES])
    assert before + timedelta(hours=8) <= expires <= after + timedelta(hours=8)
    configured = json.loads(stack["config"]["mlinfra:sandbox"])["expires_at"]
    assert configured == int(expires.timestamp())
    # What `pulumi up` runs for it: every resource carries that expiry and nothing reads the plan clock.
    document = build_document(run_stack_file(StackFile("sandbox-alice-box", Path("memory"), stack["config"])))
    tags = re.findall(r'"expires-at": "(\d+)"', json.dumps(document))
    assert len(tags) >= 30 and set(tags) == {str(configured)}
    assert "planClock" not in document
