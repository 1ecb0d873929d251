"""The one reading of a sandbox expiry, shared by the policy pack's `sandbox-expiry` rule and the reaper.

Two parsers used to disagree: the pack read an expiry without a zone as UTC while the reaper
skipped it forever, so such a sandbox passed policy and was never destroyed. Both now call
`parse_expiry`. A value without a zone is UTC: every expiry mlinfra writes is UTC (`...Z`, or
epoch seconds), README documents the tag as UTC, and reading it as "expired" instead would
destroy someone's sandbox early on a formatting slip.

Plain stdlib: the pack imports it (policies/ may import only infra.catalog).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

# 9999-12-31T23:59:59Z: the last second Python's datetime holds. `mlinfra:sandbox.expires_at`
# (epoch seconds) is bounded by it, so every accepted value can be read back as a moment.
LATEST_EPOCH = 253_402_300_799
_EPOCH = re.compile(r"[0-9]{1,12}")  # ASCII digits only: str.isdigit() also accepts "²"


def parse_expiry(value: object) -> datetime | None:
    """An expiry as an aware UTC datetime: ISO 8601 (no zone: UTC) or epoch seconds; None if invalid.

    Epoch seconds are the form GCP label values allow. Out-of-range values (past year 9999,
    epoch 0 or before) are invalid rather than an error, so no caller can crash on a tag.
    """
    text = str(value).strip() if value is not None else ""
    try:
        if _EPOCH.fullmatch(text):
            seconds = int(text)
            return datetime.fromtimestamp(seconds, UTC) if 0 < seconds <= LATEST_EPOCH else None
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        # 9999-12-31T23:59:59-01:00 is a valid ISO date whose UTC moment is past year 9999: OverflowError.
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None
