"""The plan clock: MLINFRA_PLAN_TIME or the real time, one instant per program run, derived expiries kept."""

import time

import pytest

from infra.config.plan_clock import PlanTimeError, clock_run, expiry_from_clock, pinned_time, plan_time
from infra.config.sandbox import SandboxConfig, expiry_epoch
from infra.plan.cost import PriceDateError, price_date

NOON = 1795953600  # 2026-11-29T12:00:00Z


@pytest.mark.parametrize("raw", ["1795953600", "2026-11-29T12:00:00Z", "2026-11-29T12:00:00",
                                 " 2026-11-29T13:00:00+01:00 "])
def test_pinned_time_reads_epoch_seconds_and_iso_8601_as_utc(raw):
    assert pinned_time({"MLINFRA_PLAN_TIME": raw}) == NOON


def test_unset_or_empty_is_not_pinned():
    assert pinned_time({}) is None
    assert pinned_time({"MLINFRA_PLAN_TIME": " "}) is None


def test_a_value_that_names_no_moment_says_what_is_expected():
    with pytest.raises(PlanTimeError) as err:
        pinned_time({"MLINFRA_PLAN_TIME": "tomorrow"})
    assert str(err.value) == ("MLINFRA_PLAN_TIME='tomorrow' is not a moment: expected epoch seconds (e.g. "
                              "1795953600) or ISO 8601 (e.g. 2026-11-29T12:00:00Z; no zone means UTC), or unset it "
                              "to plan at the real time")


def test_unpinned_plan_time_is_the_real_time(monkeypatch):
    monkeypatch.delenv("MLINFRA_PLAN_TIME", raising=False)
    before = int(time.time())
    assert before <= plan_time() <= int(time.time())


def test_a_run_reads_one_instant_and_keeps_what_it_derived(monkeypatch):
    monkeypatch.setenv("MLINFRA_PLAN_TIME", str(NOON))
    sandbox = SandboxConfig(budget_per_hour=5, default_ttl_hours=8)
    with clock_run() as reading:
        monkeypatch.setenv("MLINFRA_PLAN_TIME", str(NOON + 60))  # read once: a later change is not seen
        assert expiry_epoch(sandbox) == NOON + 8 * 3600
        assert expiry_from_clock(3600) == NOON + 3600
    assert reading.as_document() == {"time": NOON, "expiries": [NOON + 3600, NOON + 8 * 3600]}
    assert plan_time() == NOON + 60  # outside the run, the clock is read afresh


def test_a_configured_expiry_is_used_as_is_and_not_recorded_as_derived(monkeypatch):
    monkeypatch.setenv("MLINFRA_PLAN_TIME", str(NOON))
    with clock_run() as reading:
        assert expiry_epoch(SandboxConfig(budget_per_hour=5, expires_at=NOON + 5)) == NOON + 5
    assert reading.expiries == set()


def test_the_plan_clock_picks_the_price_day_unless_a_price_date_is_given(monkeypatch):
    monkeypatch.delenv("MLINFRA_PRICE_DATE")
    monkeypatch.setenv("MLINFRA_PLAN_TIME", "2026-11-20T23:59:59Z")
    assert price_date().isoformat() == "2026-11-20"
    monkeypatch.setenv("MLINFRA_PRICE_DATE", "2026-11-23")
    assert price_date().isoformat() == "2026-11-23"
    monkeypatch.delenv("MLINFRA_PRICE_DATE")
    monkeypatch.setenv("MLINFRA_PLAN_TIME", "soon")
    with pytest.raises(PriceDateError, match="MLINFRA_PLAN_TIME='soon' is not a moment"):
        price_date()
