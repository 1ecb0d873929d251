"""The price snapshot: one row per price, each with its source and date (infra/catalog/prices.json).

A row prices one *family* (what a price depends on: `aws:ec2:<instance type>`, `gcp:compute:<machine
type>`, a resource type, `gateway:<class>`, `aws:amp/ingestion`) in one region (`*`: the same in
every region, as a source says) for one capacity (`on-demand`, `spot`). A row whose `usd` is null is
an *unpriced* row: the item is sold there, but no source read gives its price; its `reason` says so
and the cost model shows it as unpriced, never as zero.

`mlinfra prices refresh` (infra/plan/prices_refresh.py) rewrites the rows that carry a `refresh`
recipe from the providers' price APIs; every other row is read by hand and says where.
Plain data and a loader, no Pulumi import, so the policy pack can use it too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

SNAPSHOT_PATH = Path(__file__).with_name("prices.json")
EVERY_REGION = "*"
CAPACITIES = ("on-demand", "spot")
# "list": read on the provider's price list (or its API); "derived": summed from published per-part
# rates; "estimate": a third party's figure not confirmed on the provider's list; "spot-snapshot": a
# spot price observed at `asOf` (spot prices move hourly: a snapshot, not a promise).
BASES = ("list", "derived", "estimate", "spot-snapshot")


class SnapshotError(ValueError):
    """The snapshot file is malformed; the message names the row and field."""


@dataclass(frozen=True)
class PriceRow:
    """One price (or one documented absence of a price) with where it came from."""

    cloud: str
    family: str
    region: str
    capacity: str
    usd: float | None
    unit: str
    source: str
    as_of: str
    basis: str
    reason: str | None = None
    refresh: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def priced(self) -> bool:
        """Whether the row carries a price (False: an unpriced row, see `reason`)."""
        return self.usd is not None

    def to_json(self) -> dict[str, Any]:
        """The row as written in prices.json."""
        out: dict[str, Any] = {"cloud": self.cloud, "family": self.family, "region": self.region,
                               "capacity": self.capacity, "usd": self.usd, "unit": self.unit,
                               "source": self.source, "asOf": self.as_of, "basis": self.basis}
        if self.reason is not None:
            out["reason"] = self.reason
        if self.refresh is not None:
            out["refresh"] = self.refresh
        return out


def parse_row(raw: Any, index: int) -> PriceRow:
    """One row of prices.json, checked field by field."""
    where = f"prices.json rows[{index}]"
    if not isinstance(raw, dict):
        raise SnapshotError(f"{where}: must be an object")
    for key in ("cloud", "family", "region", "capacity", "unit", "source", "asOf", "basis"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise SnapshotError(f"{where}.{key}: must be a non-empty string (got {raw.get(key)!r})")
    if raw["capacity"] not in CAPACITIES:
        raise SnapshotError(f"{where}.capacity: must be one of {', '.join(CAPACITIES)} (got {raw['capacity']!r})")
    if raw["basis"] not in BASES:
        raise SnapshotError(f"{where}.basis: must be one of {', '.join(BASES)} (got {raw['basis']!r})")
    usd = raw.get("usd")
    if usd is None:
        if not isinstance(raw.get("reason"), str) or not raw["reason"]:
            raise SnapshotError(f"{where}.reason: an unpriced row (usd null) must say why")
    elif isinstance(usd, bool) or not isinstance(usd, (int, float)) or usd < 0:
        raise SnapshotError(f"{where}.usd: must be a number >= 0 or null (got {usd!r})")
    return PriceRow(raw["cloud"], raw["family"], raw["region"], raw["capacity"],
                    None if usd is None else float(usd), raw["unit"], raw["source"], raw["asOf"], raw["basis"],
                    raw.get("reason"), raw.get("refresh"))


@dataclass(frozen=True)
class Snapshot:
    """Every row, indexed by (family, region, capacity)."""

    rows: tuple[PriceRow, ...]

    def __post_init__(self) -> None:
        seen: dict[tuple[str, str, str], int] = {}
        for index, row in enumerate(self.rows):
            key = (row.family, row.region, row.capacity)
            if key in seen:
                raise SnapshotError(f"prices.json rows[{index}]: a second row for {key} (first: rows[{seen[key]}])")
            seen[key] = index
        object.__setattr__(self, "_index", {(r.family, r.region, r.capacity): r for r in self.rows})

    def find(self, family: str, region: str, capacity: str = "on-demand") -> PriceRow | None:
        """The row for `family` in `region` (or in every region), or None when the snapshot has none."""
        index: dict = self._index  # type: ignore[attr-defined]
        return index.get((family, region, capacity)) or index.get((family, EVERY_REGION, capacity))

    def regions_of(self, family: str, capacity: str = "on-demand") -> list[str]:
        """Regions with a priced row for `family`, sorted."""
        return sorted({r.region for r in self.rows if r.family == family and r.capacity == capacity and r.priced})

    def to_json(self) -> dict[str, Any]:
        """The document written to prices.json: rows in a stable order, so a refresh diffs cleanly."""
        ordered = sorted(self.rows, key=lambda r: (r.cloud, r.family, r.region, r.capacity))
        return {"snapshotVersion": 1, "rows": [r.to_json() for r in ordered]}


def parse(document: Any) -> Snapshot:
    """A snapshot from the parsed JSON document."""
    if not isinstance(document, dict) or document.get("snapshotVersion") != 1 or not isinstance(
            document.get("rows"), list):
        raise SnapshotError("prices.json: expected {\"snapshotVersion\": 1, \"rows\": [...]}")
    return Snapshot(tuple(parse_row(raw, i) for i, raw in enumerate(document["rows"])))


def read(path: Path) -> Snapshot:
    """The snapshot stored at `path`."""
    return parse(json.loads(path.read_text()))


@cache
def load() -> Snapshot:
    """The project's snapshot (read once per process)."""
    return read(SNAPSHOT_PATH)


def dumps(snapshot: Snapshot) -> str:
    """`snapshot` in prices.json's stable layout."""
    return json.dumps(snapshot.to_json(), indent=1, ensure_ascii=False) + "\n"


def write(snapshot: Snapshot, path: Path) -> None:
    """Write `snapshot` to `path` in prices.json's stable layout."""
    path.write_text(dumps(snapshot))
