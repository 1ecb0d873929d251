"""Sandbox lifecycle: per-engineer stacks from `stacks/Pulumi.sandbox.yaml` that expire and keep to a budget.

All Pulumi work goes through a `StackBackend`; the clock and the planner are injected, so every
rule here (naming, TTL arithmetic, the budget refusal, reap selection) is tested without the CLI.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from infra.catalog.accelerators import Cloud
from infra.config.sandbox import with_expiry
from infra.sandbox.backend import OnOutput, StackBackend, StackExists
from infra.sandbox.lock import creation_lock
from infra.sandbox.spec import (
    PREFIX,
    TAG_CLOUD,
    TAG_CREATOR,
    TAG_EXPIRES,
    TAG_OWNER,
    TAG_PEAK,
    TAG_RESOURCES,
    Planner,
    SandboxFailed,
    SandboxRefused,
    hours,
    iso,
    parse_expiry,
    parse_gpu,
    parse_ttl,
    sandbox_stack_file,
    stack_name,
)

_EXISTS = "sandbox '{stack}' already exists; choose another --name or destroy it first"


@dataclass(frozen=True)
class SandboxInfo:
    """One sandbox as `list` shows it."""

    stack: str
    owner: str
    cloud: str
    expires: datetime | None
    time_left: str
    peak_per_hour: str
    resources: str


@dataclass(frozen=True)
class ReapOutcome:
    """What `reap` did with one sandbox."""

    stack: str
    action: str  # destroyed, would-destroy, kept, skipped, failed
    detail: str


class Sandboxes:
    """Create, list, extend, destroy and reap sandboxes through a StackBackend."""

    def __init__(self, backend: StackBackend, planner: Planner | None = None,
                 clock: Callable[[], datetime] | None = None, stacks_dir: Path | None = None) -> None:
        from infra.offline.engine import STACKS_DIR
        from infra.sandbox.plan import plan_sandbox

        self.backend = backend
        self.planner = planner or plan_sandbox
        self.clock = clock or (lambda: datetime.now(UTC))
        self.stacks_dir = stacks_dir or STACKS_DIR

    def create(self, owner: str, name: str = "box", cloud: Cloud | None = None, gpu: str | None = None,
               ttl: str | None = None, creator: str = "unknown", on_output: OnOutput = print) -> SandboxInfo:
        """Plan and check the sandbox, refuse before touching Pulumi if it breaks a rule, then deploy it."""
        from infra.sandbox.plan import template_limits

        stack = stack_name(owner, name)
        wanted_gpu = parse_gpu(gpu) if gpu else None
        template, cluster, max_ttl, default_ttl = template_limits(self.stacks_dir)
        lifetime = parse_ttl(ttl) if ttl else timedelta(hours=default_ttl)
        if lifetime > timedelta(hours=max_ttl):
            raise SandboxRefused(f"--ttl {ttl} is longer than the sandbox maximum of {max_ttl}h "
                                 "(mlinfra:sandbox.max_ttl_hours)")
        estimate = self.planner(sandbox_stack_file(template, stack, owner, cluster, cloud, wanted_gpu))
        if estimate.breach_message is not None:
            raise SandboxRefused(f"sandbox '{stack}' is over budget: {estimate.breach_message}")
        # Held from the existence check to the end of `up`: a second create of the same sandbox
        # on this machine is refused before it changes anything (see infra/sandbox/lock.py).
        with creation_lock(self.stacks_dir, stack):
            if stack in self.backend.list_stacks():
                raise SandboxRefused(_EXISTS.format(stack=stack))
            expires = self.clock() + lifetime
            resources = estimate.document["counts"]["custom"]
            chosen_cloud = (cloud or Cloud(json.loads(template.config["mlinfra:clusters"])[cluster]["cloud"])).value
            tags = {TAG_OWNER: owner, TAG_EXPIRES: iso(expires), TAG_CREATOR: creator, TAG_CLOUD: chosen_cloud,
                    TAG_PEAK: f"{estimate.peak_per_hour:.4f}", TAG_RESOURCES: str(resources)}
            try:
                self.backend.create(stack)
            except StackExists:  # made elsewhere since the check (another machine, same backend)
                raise SandboxRefused(_EXISTS.format(stack=stack)) from None
            # Tags go on before `up` so a failed deployment still carries its expiry for the reaper.
            self.backend.set_tags(stack, tags)
            self.backend.set_config(stack, with_expiry(estimate.config, expires))
            try:
                self.backend.up(stack, on_output)
            except Exception as exc:
                raise SandboxFailed(f"pulumi up failed for '{stack}': {exc}. It keeps its expiry tag "
                                    f"({iso(expires)}); `mlinfra sandbox destroy {stack}` or the reaper "
                                    "cleans it up") from exc
        return self._info(stack, tags)

    def list(self) -> list[SandboxInfo]:
        """Every sandbox stack with owner, cloud, expiry, time left, peak cost and resource count."""
        return [self._info(stack, self.backend.get_tags(stack)) for stack in self._sandboxes()]

    def extend(self, stack: str, ttl: str) -> SandboxInfo:
        """Push the expiry out by `ttl`, never further than the maximum TTL from now."""
        from infra.sandbox.plan import template_limits

        self._existing(stack, "extended")
        extra = parse_ttl(ttl)
        template, _cluster, max_ttl, _default = template_limits(self.stacks_dir)
        now = self.clock()
        tags = self.backend.get_tags(stack)
        current = parse_expiry(tags.get(TAG_EXPIRES)) or now
        new_expiry = max(current, now) + extra
        latest = now + timedelta(hours=max_ttl)
        if new_expiry > latest:
            raise SandboxRefused(f"extending '{stack}' by {ttl} would expire it at {iso(new_expiry)}, past the "
                                 f"maximum TTL of {max_ttl}h from now ({iso(latest)})")
        self.backend.set_tags(stack, {TAG_EXPIRES: iso(new_expiry)})
        # The resources' `expires-at` tag follows on the next `up` of the sandbox.
        self.backend.set_config(stack, with_expiry({"mlinfra:sandbox": template.config["mlinfra:sandbox"]},
                                                   new_expiry))
        return self._info(stack, {**tags, TAG_EXPIRES: iso(new_expiry)})

    def tags_of(self, stack: str) -> dict[str, str]:
        """An existing sandbox's stack tags (owner, creator, expiry, ...), read before destroying it."""
        self._existing(stack, "destroyed")
        return self.backend.get_tags(stack)

    def destroy(self, stack: str, on_output: OnOutput = print) -> None:
        """Destroy a sandbox's resources, then remove the stack."""
        self._existing(stack, "destroyed")
        try:
            self.backend.destroy(stack, on_output)
        except Exception as exc:
            raise SandboxFailed(f"pulumi destroy failed for '{stack}': {exc}; the stack is kept, run the "
                                "command again") from exc
        self.backend.remove(stack)

    def reap(self, dry_run: bool = False, on_output: OnOutput = print) -> list[ReapOutcome]:
        """Destroy and remove every expired sandbox; carry on past failures and report each one."""
        now = self.clock()
        outcomes = []
        for stack in self._sandboxes():
            try:
                expires = parse_expiry(self.backend.get_tags(stack).get(TAG_EXPIRES))
            except Exception as exc:
                outcomes.append(ReapOutcome(stack, "failed", f"could not read tags: {exc}"))
                continue
            if expires is None:
                outcomes.append(ReapOutcome(stack, "skipped", f"no valid {TAG_EXPIRES} tag; destroy it by hand"))
            elif expires > now:
                outcomes.append(ReapOutcome(stack, "kept", f"expires {iso(expires)} (in {hours(expires - now)})"))
            elif dry_run:
                outcomes.append(ReapOutcome(stack, "would-destroy", f"expired {iso(expires)}"))
            else:
                outcomes.append(self._reap_one(stack, expires, on_output))
        return outcomes

    def _reap_one(self, stack: str, expires: datetime, on_output: OnOutput) -> ReapOutcome:
        try:
            self.backend.destroy(stack, on_output)
        except Exception as exc:
            return ReapOutcome(stack, "failed", f"destroy failed: {exc}")
        try:
            self.backend.remove(stack)
        except Exception as exc:
            return ReapOutcome(stack, "failed", f"destroyed, but removing the stack failed: {exc}")
        return ReapOutcome(stack, "destroyed", f"expired {iso(expires)}; resources destroyed, stack removed")

    def _sandboxes(self) -> list[str]:
        # Only stacks named sandbox-...: the reaper must never touch dev, staging or prod.
        return sorted(s for s in self.backend.list_stacks() if s.startswith(PREFIX))

    def _existing(self, stack: str, verb: str) -> None:
        if not stack.startswith(PREFIX):
            raise SandboxRefused(f"'{stack}' is not a sandbox: only stacks named {PREFIX}... can be {verb} here")
        if stack not in self.backend.list_stacks():
            raise SandboxRefused(f"no sandbox named '{stack}'; `mlinfra sandbox list` shows them")

    def _info(self, stack: str, tags: dict[str, str]) -> SandboxInfo:
        expires = parse_expiry(tags.get(TAG_EXPIRES))
        left = hours(expires - self.clock()) if expires else "unknown"
        return SandboxInfo(stack, tags.get(TAG_OWNER, "?"), tags.get(TAG_CLOUD, "?"), expires, left,
                           tags.get(TAG_PEAK, "?"), tags.get(TAG_RESOURCES, "?"))
