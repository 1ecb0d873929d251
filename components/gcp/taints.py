"""The GPU taint GKE adds by itself, as plain data with no SDK import, so the plan views can use it.

GKE taints every node with an accelerator `nvidia.com/gpu=present:NoSchedule`. Declaring the same
taint on the pool would duplicate GKE's, so pools declare none; the plan derives the taint from
the attached accelerators with `gke_gpu_taints`, and nodes carry `TAINT_LABEL` to say so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

GKE_GPU_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}
TAINT_LABEL = ("mlinfra.io/gpu-taint", "added-by-gke")


def gke_gpu_taints(guest_accelerators: Sequence[Mapping] | None) -> list[dict]:
    """Taints GKE adds by itself to a pool's nodes: the GPU taint whenever GPUs are attached."""
    has_gpus = any(int(a.get("count") or 0) > 0 for a in guest_accelerators or ())
    return [dict(GKE_GPU_TAINT)] if has_gpus else []
