"""Sandbox rules: TTLs that contradict each other, an unknown template cluster, GPUs over the cap."""

from __future__ import annotations

from collections.abc import Iterator

from infra.config.stack import Environment, StackConfig


def sandbox_problems(config: StackConfig) -> Iterator[tuple[str, str]]:
    """Problems with the sandbox section: TTLs that contradict each other, GPUs over the cap."""
    sandbox = config.sandbox
    if sandbox is None:
        if config.environment == Environment.SANDBOX:
            # Without it a sandbox has no budget, TTL or GPU cap: the limits that make it a sandbox.
            yield ("sandbox", "required in a sandbox stack; add `mlinfra:sandbox: {budget_per_hour: ...}` "
                   "(docs/how-to/sandbox.md)")
        return
    if sandbox.default_ttl_hours > sandbox.max_ttl_hours:
        yield ("sandbox.default_ttl_hours", f"must be <= max_ttl_hours (got {sandbox.default_ttl_hours} > "
               f"{sandbox.max_ttl_hours})")
    if sandbox.cluster not in config.clusters:
        known = ", ".join(config.clusters) or "none"
        yield "sandbox.cluster", f"no cluster named '{sandbox.cluster}' (clusters: {known})"
    gpus = sum(p.max_nodes * p.gpus_per_node for c in config.clusters.values() for p in c.gpu_pools.values())
    if gpus > sandbox.gpu_cap:
        yield ("sandbox.gpu_cap", f"GPU pools can reach {gpus} GPUs at peak, over the cap of "
               f"{sandbox.gpu_cap}; lower max_nodes or gpus_per_node")
