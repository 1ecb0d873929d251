"""The plan document (`mlinfra plan --format json`): a public, versioned contract.

Its schema is `infra/offline/plan.schema.json`; a change that breaks a reader bumps
`planVersion`.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from infra.offline.engine import ProgramRun
from infra.offline.standin_marks import output_stand_ins, resource_stand_ins

PLAN_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("plan.schema.json")


def resource_entry(record, stand_ins: dict[str, dict[str, str]] | None = None) -> dict[str, Any]:
    """One resource as the document lists it; `standIns` only where it has or uses stand-ins."""
    marks = resource_stand_ins(record, stand_ins or {})
    return {
        "urn": record.urn,
        "type": record.type,
        "name": record.name,
        "custom": record.custom,
        "parent": record.parent,
        "provider": record.provider,
        "inputs": record.inputs,
        **record.options(),
        **({"standIns": marks} if marks else {}),
    }


def tree_order(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Parents before their children, siblings by URN.

    The SDK sends registrations from worker threads, so arrival order changes from run to run;
    this order does not, so two plans of the same program are byte for byte the same document.
    """
    urns = {r["urn"] for r in resources}
    children: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for resource in resources:
        children[resource["parent"] if resource["parent"] in urns else None].append(resource)
    ordered: list[dict[str, Any]] = []
    pending = sorted(children[None], key=lambda r: r["urn"], reverse=True)
    while pending:  # depth first without recursion: a deep component tree cannot overflow the stack
        resource = pending.pop()
        ordered.append(resource)
        pending.extend(sorted(children[resource["urn"]], key=lambda r: r["urn"], reverse=True))
    return ordered


def build_document(run: ProgramRun, policy: dict | None = None, cost: dict | None = None) -> dict[str, Any]:
    """The plan document for one program run."""
    stand_ins = {r.urn: r.stand_ins for r in run.resources if r.stand_ins}
    resources = tree_order([resource_entry(r, stand_ins) for r in run.resources])
    outputs_standing = output_stand_ins(run.outputs, stand_ins)
    counts = Counter(r["type"] for r in resources)
    return {
        "planVersion": PLAN_VERSION,
        "project": run.project,
        "stack": run.stack,
        "environment": run.outputs.get("environment"),
        "resources": resources,
        "counts": {
            "total": len(resources),
            "custom": sum(1 for r in resources if r["custom"]),
            "byType": dict(sorted(counts.items())),
        },
        "outputs": run.outputs,
        # Stack outputs that are stand-ins for what the cloud computes (docs/stand-ins.md).
        **({"outputStandIns": outputs_standing} if outputs_standing else {}),
        "invokes": sorted(set(run.invokes)),
        "policy": policy if policy is not None else {"violations": []},
        "cost": cost if cost is not None else {},
        # Only when the program derived something from the clock (a sandbox template's expiry):
        # `mlinfra diff` plans a revision at this instant and folds a change that is only the clock.
        **({"planClock": run.clock.as_document()} if run.clock is not None and run.clock.expiries else {}),
    }


def load_schema() -> dict[str, Any]:
    """The JSON Schema every plan document satisfies."""
    return json.loads(SCHEMA_PATH.read_text())
