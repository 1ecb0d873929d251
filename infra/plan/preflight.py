"""What `make_plan` checks before it starts anything: the settings and files every plan needs."""

from __future__ import annotations

from pathlib import Path

from infra.config.plan_clock import PlanTimeError, pinned_time
from infra.offline.analyzer import PolicyPackError
from infra.offline.policy_check import check_pack
from infra.plan.cost import PriceDateError, price_date

EXIT_CONFIG, EXIT_PACK = 2, 3  # the codes of infra.plan.make, which imports this module


def preflight(pack_dir: Path) -> tuple[int, str] | None:
    """The exit code and message that stop a plan before it starts, or None.

    A bad MLINFRA_PRICE_DATE or MLINFRA_PLAN_TIME is 2 (the estimate at the end needs it: fail now, not after the
    whole plan); a missing policy pack or PulumiPolicy.yaml is 3.
    """
    try:
        pinned_time()
        price_date()
    except (PlanTimeError, PriceDateError) as exc:
        return EXIT_CONFIG, str(exc)
    try:
        check_pack(pack_dir)
    except PolicyPackError as exc:
        return EXIT_PACK, f"policy check failed: {exc}"
    return None
