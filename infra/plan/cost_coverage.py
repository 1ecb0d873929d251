"""What a cost estimate covers, in words a reader cannot misread as a whole bill.

A total is only the sum of what could be priced. So every estimate carries its coverage (how many
resources are priced, how many are not and of which types) and the dates of its own prices (the
oldest and newest source), never the day it was computed.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

# Node pools are the GPU capacity: a budget cannot be judged while one of them has no price.
CAPACITY_TYPES = ("aws:eks/nodeGroup:NodeGroup", "gcp:container/nodePool:NodePool")


def prices_as_of(cost: dict[str, Any]) -> dict[str, str | None]:
    """The oldest and newest date of the prices the estimate used (None when it used none)."""
    dates = sorted({entry["asOf"] for entry in [*cost["items"], *cost["usage"]]})
    return {"oldest": dates[0] if dates else None, "newest": dates[-1] if dates else None}


def coverage(cost: dict[str, Any]) -> dict[str, Any]:
    """Counts of priced and unpriced resources, the unpriced ones by type, and whether GPU capacity is among them."""
    types = Counter(u["type"] for u in cost["unpriced"])
    return {"pricedItems": len(cost["items"]), "usageItems": len(cost["usage"]),
            "unpricedCount": len(cost["unpriced"]),
            "unpricedTypes": dict(sorted(types.items())),
            "unpricedCapacity": sorted(u["name"] for u in cost["unpriced"] if u["type"] in CAPACITY_TYPES)}


def covers_words(cost: dict[str, Any]) -> str:
    """`priced 1,234.56 USD/month at peak; 3 resources unpriced (2 aws:eks/nodeGroup:NodeGroup, ...)`."""
    peak = cost["totals"]["peak"]["usdPerMonth"]
    cover = cost.get("coverage") or coverage(cost)
    words = f"priced {peak:,.2f} USD/month at peak"
    if cover["unpricedCount"]:
        kinds = ", ".join(f"{count} {rtype}" for rtype, count in cover["unpricedTypes"].items())
        noun = "resource" if cover["unpricedCount"] == 1 else "resources"
        words += f"; {cover['unpricedCount']} {noun} unpriced ({kinds}): the total leaves them out"
    else:
        words += "; every billed resource priced"
    return words


def dates_words(cost: dict[str, Any]) -> str:
    """`prices as of 2025-03 to 2026-11-29` (the sources' own dates), or why there are none."""
    dates = cost.get("pricesAsOf") or prices_as_of(cost)
    if dates["oldest"] is None:
        return "no prices used"
    if dates["oldest"] == dates["newest"]:
        return f"prices as of {dates['oldest']}"
    return f"prices as of {dates['oldest']} to {dates['newest']} (oldest and newest source)"
