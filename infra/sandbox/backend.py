"""The one narrow interface between sandbox logic and Pulumi, and its Automation API implementation.

Everything that needs the Pulumi CLI goes through `StackBackend`, so the sandbox lifecycle is
tested with an in-memory fake and the real implementation stays a thin pass-through.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Protocol

from infra.offline.engine import REPO_ROOT

OnOutput = Callable[[str], None]


class StackBackend(Protocol):
    """The stack operations sandboxes need, whatever runs them."""

    def list_stacks(self) -> list[str]:
        """Names of this project's stacks."""

    def create(self, stack: str) -> None:
        """Create the stack; raise StackExists if it already exists (never select it)."""

    def set_config(self, stack: str, config: Mapping[str, str]) -> None:
        """Set `namespace:key -> value` config (objects JSON-encoded)."""

    def set_tags(self, stack: str, tags: Mapping[str, str]) -> None:
        """Set (add or overwrite) stack tags."""

    def get_tags(self, stack: str) -> dict[str, str]:
        """The stack's tags."""

    def up(self, stack: str, on_output: OnOutput) -> None:
        """Deploy the stack, streaming Pulumi's output lines."""

    def destroy(self, stack: str, on_output: OnOutput) -> None:
        """Delete every resource in the stack, streaming Pulumi's output lines."""

    def remove(self, stack: str) -> None:
        """Remove the (empty) stack and its config."""


_operations = 0  # Pulumi CLI operations (up, destroy) running in this process


@contextlib.contextmanager
def pulumi_operation() -> Iterator[None]:
    """Mark a Pulumi CLI operation as running, so Ctrl-C lets it cancel cleanly (infra/cli/process_exit.py)."""
    global _operations
    _operations += 1
    try:
        yield
    finally:
        _operations -= 1


def pulumi_running() -> bool:
    """Whether a Pulumi CLI operation that must not be cut off is running now."""
    return _operations > 0


class StackExists(RuntimeError):
    """`create` found the stack already there: someone else made it first."""


class PulumiUnavailable(RuntimeError):
    """The Pulumi CLI is not installed, so the Automation API cannot run."""


class PulumiBackend:
    """StackBackend over `pulumi.automation`, using this project (Pulumi.yaml at the repo root)."""

    def __init__(self, work_dir: Path = REPO_ROOT, env_vars: Mapping[str, str] | None = None) -> None:
        self._work_dir = work_dir
        self._env_vars = dict(env_vars or {})
        self._ws = None

    @property
    def _workspace(self):
        # Made on first use, so refusals that need no Pulumi (budget, TTL, naming) work without the CLI.
        if self._ws is None:
            if shutil.which("pulumi") is None:
                raise PulumiUnavailable("pulumi CLI not on PATH: sandboxes deploy with the Pulumi CLI; install it "
                                        "(https://www.pulumi.com/docs/install/) and log in to a backend")
            self._ws = self._auto.LocalWorkspace(work_dir=str(self._work_dir), env_vars=self._env_vars)
        return self._ws

    @property
    def _auto(self):
        from pulumi import automation

        return automation

    def list_stacks(self) -> list[str]:
        return [summary.name for summary in self._workspace.list_stacks()]

    def create(self, stack: str) -> None:
        # `pulumi stack init` refuses an existing stack, and the SDK raises StackAlreadyExistsError
        # when its error output matches "stack.*already exists" (pulumi 3.272.0,
        # sdk/python/lib/pulumi/automation/errors.py, read 2026-11-29 in the locked wheel). Selecting
        # it instead, as this once did, let a second create overwrite the first's expiry.
        try:
            self._workspace.create_stack(stack)
        except self._auto.StackAlreadyExistsError as exc:
            raise StackExists(stack) from exc

    def set_config(self, stack: str, config: Mapping[str, str]) -> None:
        values = {key: self._auto.ConfigValue(value=value) for key, value in config.items()}
        self._workspace.set_all_config(stack, values)

    def set_tags(self, stack: str, tags: Mapping[str, str]) -> None:
        for key, value in tags.items():
            self._workspace.set_tag(stack, key, value)

    def get_tags(self, stack: str) -> dict[str, str]:
        return dict(self._workspace.list_tags(stack))

    def up(self, stack: str, on_output: OnOutput) -> None:
        with pulumi_operation():
            self._auto.Stack.select(stack, self._workspace).up(on_output=on_output, color="never")

    def destroy(self, stack: str, on_output: OnOutput) -> None:
        with pulumi_operation():
            self._auto.Stack.select(stack, self._workspace).destroy(on_output=on_output, color="never")

    def remove(self, stack: str) -> None:
        self._workspace.remove_stack(stack)
