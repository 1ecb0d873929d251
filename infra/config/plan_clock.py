"""The plan clock: the one instant a plan reads as "now", and what the plan derived from it.

A sandbox template planned on its own (`stacks/Pulumi.sandbox.yaml`, the sample sandboxes)
shows the expiry a sandbox made at that moment would get: plan time + the default TTL. Two plans
made a minute apart therefore differ in every `expires-at` tag, and a pull-request diff would
show those lines although the pull request changed nothing. So the clock is one value:
`MLINFRA_PLAN_TIME` (epoch seconds, or ISO 8601; no zone means UTC) when set, else the real time,
read once per program run and recorded in the plan document (`planClock`) with every expiry
derived from it, so `mlinfra diff` can plan a git revision at the same instant and tell a moved
clock from a changed TTL exactly.

Real sandboxes never read it: `mlinfra sandbox create` and `extend` compute the expiry from the
real clock and write it into the stack config (`mlinfra:sandbox.expires_at`), which the program
uses as is.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from infra.catalog.expiry import parse_expiry

PLAN_TIME_ENV = "MLINFRA_PLAN_TIME"
# Expiries are the plan time plus a TTL of at most a few days; a plan clock in year 9999 would push them
# past 9999-12-31, the last day Python's datetime holds (infra/catalog/expiry.py, LATEST_EPOCH).
LATEST_PLAN_YEAR = 9999


class PlanTimeError(ValueError):
    """MLINFRA_PLAN_TIME is set but names no moment."""


@dataclass
class ClockReading:
    """The instant one program run read as "now" and the expiries (epoch seconds) it derived from it."""

    time: int
    expiries: set[int] = field(default_factory=set)

    def as_document(self) -> dict[str, object]:
        """The plan document's `planClock`: `{"time": epoch, "expiries": [epoch, ...]}`."""
        return {"time": self.time, "expiries": sorted(self.expiries)}


# The reading of the run in progress; None outside a run (a plain `expiry_epoch` call).
_current: ClockReading | None = None


def pinned_time(environ: dict[str, str] | os._Environ[str] | None = None) -> int | None:
    """MLINFRA_PLAN_TIME as epoch seconds, None when unset; PlanTimeError when it names no moment."""
    raw = (os.environ if environ is None else environ).get(PLAN_TIME_ENV, "")
    if not raw.strip():
        return None
    moment = parse_expiry(raw)  # the same reading as every expiry: epoch seconds or ISO 8601, UTC
    if moment is None:
        raise PlanTimeError(f"{PLAN_TIME_ENV}={raw!r} is not a moment: expected epoch seconds (e.g. "
                            "1795953600) or ISO 8601 (e.g. 2026-11-29T12:00:00Z; no zone means UTC), "
                            "or unset it to plan at the real time")
    if moment.year >= LATEST_PLAN_YEAR:
        raise PlanTimeError(f"{PLAN_TIME_ENV}={raw!r} is too late: a plan derives expiries (plan time + TTL) from "
                            f"it, and those must stay before year {LATEST_PLAN_YEAR + 1}, the last a date can "
                            f"hold; pick a moment before {LATEST_PLAN_YEAR}-01-01, or unset it")
    if moment.timestamp() <= 0:
        raise PlanTimeError(f"{PLAN_TIME_ENV}={raw!r} is not after 1970-01-01T00:00:00Z; pick a later moment, "
                            "or unset it")
    return int(moment.timestamp())


def plan_time() -> int:
    """Now, for a plan: the run's instant inside a run, else MLINFRA_PLAN_TIME, else the real time."""
    if _current is not None:
        return _current.time
    pinned = pinned_time()
    return int(time.time()) if pinned is None else pinned


@contextmanager
def clock_run() -> Iterator[ClockReading]:
    """One instant for a whole program run: every read inside sees it, and what it derived is kept."""
    global _current
    previous, _current = _current, ClockReading(plan_time())
    try:
        yield _current
    finally:
        _current = previous


def expiry_from_clock(ttl_seconds: int) -> int:
    """Plan time + `ttl_seconds`, recorded as clock-derived for the run in progress."""
    expiry = plan_time() + ttl_seconds
    if _current is not None:
        _current.expiries.add(expiry)
    return expiry
