"""An in-memory StackBackend: stacks with config and tags, a call log, and failures on demand."""

from __future__ import annotations


class FakeBackend:
    """Behaves like the Pulumi backend for the calls sandboxes make; records every call."""

    def __init__(self) -> None:
        self.stacks: dict[str, dict] = {}
        self.calls: list[tuple[str, str]] = []
        self.fail: dict[tuple[str, str], str] = {}  # (operation, stack) -> error message

    def _call(self, op: str, stack: str = "") -> None:
        self.calls.append((op, stack))
        if (op, stack) in self.fail:
            raise RuntimeError(self.fail[(op, stack)])

    def add(self, stack: str, tags: dict[str, str] | None = None, deployed: bool = True) -> None:
        self.stacks[stack] = {"config": {}, "tags": dict(tags or {}), "deployed": deployed}

    def list_stacks(self) -> list[str]:
        self._call("list_stacks")
        return list(self.stacks)

    def create(self, stack: str) -> None:
        from infra.sandbox.backend import StackExists

        self._call("create", stack)
        if stack in self.stacks:
            raise StackExists(stack)
        self.stacks[stack] = {"config": {}, "tags": {}, "deployed": False}

    def set_config(self, stack: str, config) -> None:
        self._call("set_config", stack)
        self.stacks[stack]["config"].update(config)

    def set_tags(self, stack: str, tags) -> None:
        self._call("set_tags", stack)
        self.stacks[stack]["tags"].update(tags)

    def get_tags(self, stack: str) -> dict[str, str]:
        self._call("get_tags", stack)
        return dict(self.stacks[stack]["tags"])

    def up(self, stack: str, on_output) -> None:
        self._call("up", stack)
        on_output(f"Updating ({stack})")
        self.stacks[stack]["deployed"] = True

    def destroy(self, stack: str, on_output) -> None:
        self._call("destroy", stack)
        on_output(f"Destroying ({stack})")
        self.stacks[stack]["deployed"] = False

    def remove(self, stack: str) -> None:
        self._call("remove", stack)
        if self.stacks[stack]["deployed"]:
            raise RuntimeError(f"stack '{stack}' still has resources")
        del self.stacks[stack]
