"""The one expiry parser the policy pack and the reaper share: forms, zones and out-of-range values."""

from datetime import UTC, datetime

import pytest

from infra.catalog.expiry import LATEST_EPOCH, parse_expiry


@pytest.mark.parametrize("value, expected", [
    ("2026-11-23T09:00:00Z", datetime(2026, 11, 23, 9, tzinfo=UTC)),
    ("2026-11-23T09:00:00", datetime(2026, 11, 23, 9, tzinfo=UTC)),  # no zone: UTC
    ("2026-11-23T11:00:00+02:00", datetime(2026, 11, 23, 9, tzinfo=UTC)),
    ("1795424400", datetime(2026, 11, 23, 9, tzinfo=UTC)),
    (1795424400, datetime(2026, 11, 23, 9, tzinfo=UTC)),
    (str(LATEST_EPOCH), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
])
def test_valid_forms(value, expected):
    moment = parse_expiry(value)
    assert moment == expected and moment.tzinfo == UTC


@pytest.mark.parametrize("value", [None, "", "soon", "0", str(LATEST_EPOCH + 1), "100000000000000000000",
                                   "9" * 5000, "²", "99999-01-01T00:00:00Z", "2026-13-01T00:00:00Z"])
def test_invalid_or_out_of_range_values_are_none_never_an_error(value):
    assert parse_expiry(value) is None
