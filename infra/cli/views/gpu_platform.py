"""The GPU platform in a plan: each team's queue (quotas, and how a budget became one) and whether each pool scales."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from infra.catalog.accelerators import Cloud
from infra.catalog.spot import CHECKPOINT_NOTE, SPOT_HANDLING
from infra.cli.views.markdown import cell
from infra.plan.scale_check import scale_report

CLUSTER_QUEUE = "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue"
DERIVATION = "mlinfra.io/quota-derivation"


def team_queues(document: dict[str, Any]) -> list[dict[str, str]]:
    """One row per ClusterQueue: team, cohort, GPU quota (and borrowing) per flavor, derivation."""
    rows = []
    for resource in document["resources"]:
        if resource["type"] != CLUSTER_QUEUE:
            continue
        inputs = resource["inputs"]
        spec = inputs.get("spec", {})
        quotas = []
        for group in spec.get("resourceGroups", []):
            for flavor in group.get("flavors", []):
                gpu = next((r for r in flavor.get("resources", []) if r.get("name") == "nvidia.com/gpu"), {})
                borrow = gpu.get("borrowingLimit")
                quotas.append(f"{flavor.get('name')}: {gpu.get('nominalQuota')} GPUs"
                              f" (+{borrow if borrow is not None else 'any idle'} borrowed)")
        annotations = inputs.get("metadata", {}).get("annotations") or {}
        rows.append({"queue": inputs.get("metadata", {}).get("name", resource["name"]),
                     "cohort": str(spec.get("cohortName", "")), "quota": "; ".join(quotas),
                     "derivation": annotations.get(DERIVATION, "stated in GPUs")})
    return sorted(rows, key=lambda row: row["queue"])


def spot_pools(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(pool, how its interruptions are handled) for every spot GPU pool in the plan."""
    rows = []
    for resource in document["resources"]:
        inputs = resource["inputs"]
        if resource["type"] == "aws:eks/nodeGroup:NodeGroup" and inputs.get("capacityType") == "SPOT":
            cloud, labels = Cloud.AWS, inputs.get("labels", {})
        elif resource["type"] == "gcp:container/nodePool:NodePool" and inputs.get("nodeConfig", {}).get("spot"):
            cloud, labels = Cloud.GCP, inputs["nodeConfig"].get("labels", {})
        else:
            continue
        bucket = labels.get("mlinfra.io/checkpoints")
        extra = f"; {CHECKPOINT_NOTE} ({bucket})" if bucket else ""
        rows.append((resource["name"], SPOT_HANDLING[cloud] + extra))
    return sorted(rows)


def gpu_platform_table(document: dict[str, Any]) -> list:
    """Rich renderables: the team queues (when there are any) and the scale check of every GPU pool."""
    out: list = []
    rows = team_queues(document)
    if rows:
        table = Table(title="Team GPU queues (Kueue)")
        for column in ("Queue", "Cohort", "Quota per pool", "How the quota was set"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(row["queue"], row["cohort"], row["quota"], row["derivation"])
        out.append(table)
    lines = scale_report(document)
    if lines:
        scale = Table(title="Would it scale? (cluster-autoscaler 1.35.2 templates)")
        scale.add_column("Pool", overflow="fold")
        scale.add_column("", no_wrap=True)
        scale.add_column("Why", overflow="fold")
        for line in lines:
            scale.add_row(line.pool, "ok" if line.ok else "FAIL", escape(line.detail))
        out.append(scale)
    spot = spot_pools(document)
    if spot:
        table = Table(title="Spot GPU pools: interruptions")
        table.add_column("Pool", overflow="fold")
        table.add_column("Handled by", overflow="fold")
        for pool, how in spot:
            table.add_row(pool, escape(how))
        out.append(table)
    return out


def gpu_platform_markdown(document: dict[str, Any]) -> list[str]:
    """The same two lists as markdown lines for the pull-request comment."""
    lines: list[str] = []
    rows = team_queues(document)
    if rows:
        lines += ["#### Team GPU queues", "", "| Queue | Cohort | Quota per pool | How the quota was set |",
                  "| --- | --- | --- | --- |"]
        lines += [f"| {cell(r['queue'])} | {cell(r['cohort'])} | {cell(r['quota'])} | {cell(r['derivation'])} |"
                  for r in rows]
        lines.append("")
    report = scale_report(document)
    if report:
        lines += ["#### Would it scale?", ""]
        lines += [f"- {'✅' if line.ok else '❌'} `{line.pool}`: {line.detail}" for line in report]
        lines.append("")
    spot = spot_pools(document)
    if spot:
        lines += ["#### Spot GPU pools: interruptions", ""]
        lines += [f"- `{pool}`: {how}" for pool, how in spot]
        lines.append("")
    return lines
