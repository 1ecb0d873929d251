"""What the deploy path needs from every stack: roles under the bootstrap's boundary (the only roles
the CI deploy role may create)."""

from __future__ import annotations

import pytest

from infra.offline.engine import STACKS_DIR
from infra.offline.stackfile import available_stacks
from tests.helpers import stack_run

BOUNDARY = "arn:aws:iam::123456789012:policy/acme-ml/acme-ml-workload-boundary"
STACKS = available_stacks(STACKS_DIR)


@pytest.mark.parametrize("stack", STACKS)
def test_every_role_and_policy_a_stack_creates_is_under_the_boundary(stack):
    resources = stack_run(stack).resources
    roles = [r for r in resources if r.type == "aws:iam/role:Role"]
    assert roles, stack
    for role in roles:
        assert (role.inputs.get("permissionsBoundary"), role.inputs.get("path")) == (BOUNDARY, "/acme-ml/"), role.name
    for policy in (r for r in resources if r.type == "aws:iam/policy:Policy"):
        assert policy.inputs.get("path") == "/acme-ml/", policy.name
