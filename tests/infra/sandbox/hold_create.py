"""A second process for the creation-lock tests: `Sandboxes.create` whose `pulumi up` waits for its stdin to close.

`python -m tests.infra.sandbox.hold_create STACKS_DIR OWNER` prints `up` once it is deploying
(holding the lock), waits until stdin closes, then prints the `created ...` line the CLI prints.
"""

from __future__ import annotations

import sys
from pathlib import Path

from infra.sandbox.lifecycle import Sandboxes
from infra.sandbox.spec import Estimate
from tests.infra.sandbox.fake import FakeBackend


def fixed_estimate(stack_file) -> Estimate:
    """A planner answer without planning: the lock, not the plan, is under test."""
    return Estimate({"counts": {"custom": 59}, "cost": {"totals": {"peak": {"usdPerHour": 1.5}}}}, None,
                    dict(stack_file.config))


class DeployUntilStdinCloses(FakeBackend):
    """A backend whose `up` lasts until the test lets it finish."""

    def up(self, stack: str, on_output) -> None:
        print("up", flush=True)
        sys.stdin.read()
        super().up(stack, on_output)


def main() -> None:
    stacks_dir, owner = Path(sys.argv[1]), sys.argv[2]
    info = Sandboxes(DeployUntilStdinCloses(), planner=fixed_estimate, stacks_dir=stacks_dir).create(
        owner, on_output=lambda line: None)
    print(f"created {info.stack}, expires {info.expires:%Y-%m-%dT%H:%M:%SZ}", flush=True)


if __name__ == "__main__":
    main()
