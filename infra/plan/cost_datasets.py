"""Cost lines for datasets: the cross-cloud copy's egress, cross-region reads, and the shared zonal caches.

Read from the plan document only, like the rest of the estimate: a dataset volume carries its declared
size and reads a month (annotations, infra/catalog/dataset_contract.py), the transfer job names its sink,
the directory bucket is found by the volumes that read through it. Volumes are usage the plan cannot
measure, so each line says what it assumes; what has no price read yet is listed as unpriced.
"""

from __future__ import annotations

from typing import Any

from infra.catalog import dataset_contract as contract
from infra.catalog import dataset_prices as prices
from infra.catalog.dataset_drivers import GCS_FUSE_CSI_DRIVER_NAME, MOUNTPOINT_CSI_DRIVER_NAME
from infra.catalog.network_prices import NetRate
from infra.plan.cost_network import HOURS_PER_MONTH, Unpriced, item
from infra.plan.cost_regions import price_row

PV = "kubernetes:core/v1:PersistentVolume"
TRANSFER_JOB = "gcp:storage/transferJob:TransferJob"
DIRECTORY_BUCKET = "aws:s3/directoryBucket:DirectoryBucket"
ANYWHERE_CACHE = "gcp:storage/anywhereCache:AnywhereCache"
# Types priced here (the main loop leaves them alone).
TYPES = frozenset({TRANSFER_JOB, DIRECTORY_BUCKET, ANYWHERE_CACHE})
COPY_NOTE = ("dataset copy: the whole dataset transferred once a month assumed (an upper bound after the first "
             "month, when only changed objects move; the first month pays the full copy)")
CACHE_NOTE = "shared cache: holding the whole dataset assumed (an upper bound: it holds what was read in its TTL)"
READ_NOTE = "cross-region reads: the dataset's declared reads a month, each a full read past the node cache"


def _volumes(document: dict[str, Any]) -> list[dict[str, Any]]:
    drivers = {MOUNTPOINT_CSI_DRIVER_NAME, GCS_FUSE_CSI_DRIVER_NAME}
    return [r for r in document["resources"] if r["type"] == PV
            and ((r["inputs"].get("spec") or {}).get("csi") or {}).get("driver") in drivers]


def _annotations(volume: dict[str, Any]) -> dict[str, str]:
    return (volume["inputs"].get("metadata") or {}).get("annotations") or {}


def _size(volumes: list[dict[str, Any]]) -> float | None:
    sizes = [float(a[contract.SIZE_ANNOTATION]) for v in volumes if contract.SIZE_ANNOTATION in (a := _annotations(v))]
    return max(sizes) if sizes else None


def _monthly_item(ref: dict[str, Any], kind_detail: str, usd_per_month: float, rate: NetRate,
                  note: str) -> dict[str, Any]:
    hourly = usd_per_month / HOURS_PER_MONTH
    line = item("datasets", kind_detail, hourly, hourly, hourly, 1, 1, rate, note)
    for scenario in ("idle", "peak"):
        line[f"{scenario}UsdPerMonth"] = round(line[f"{scenario}UsdPerHour"] * HOURS_PER_MONTH, 2)
    return {**ref, **line}


def _rate(family: str, region: str | None) -> NetRate:
    """The snapshot's row for `family` in `region` as a unit rate; Unpriced when the snapshot has none."""
    row, _ = price_row(family, "aws", region)
    return NetRate(row.usd or 0.0, row.unit, row.source, row.basis, row.as_of)


def dataset_lines(document: dict[str, Any], stack_regions: dict[str, str | None]
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(items, unpriced) for the stack's datasets. `stack_regions`: cloud -> the stack's region there."""
    items, unpriced = [], []
    volumes = _volumes(document)
    for resource in document["resources"]:
        ref = {"name": resource["name"], "type": resource["type"], "urn": resource["urn"]}
        inputs = resource["inputs"]
        if resource["type"] == TRANSFER_JOB:
            sink = ((inputs.get("transferSpec") or {}).get("gcsDataSink") or {}).get("bucketName")
            readers = [v for v in volumes if (v["inputs"]["spec"]["csi"].get("volumeHandle")) == sink]
            size = _size(readers)
            if size is None:
                unpriced.append({**ref, "reason": "dataset copy: no dataset size declared (datasets.<name>.size_gib)"})
                continue
            try:
                rate = _rate(prices.INTERNET_EGRESS, stack_regions.get("aws"))
            except Unpriced as exc:
                unpriced.append({**ref, "reason": f"dataset copy egress: {exc}"})
                continue
            items.append(_monthly_item(ref, f"S3 -> GCS copy: {size:g} GiB at {rate.usd} USD/{rate.unit} egress",
                                       size * rate.usd, rate, COPY_NOTE))
        elif resource["type"] == DIRECTORY_BUCKET:
            bucket = inputs.get("bucket")
            readers = [v for v in volumes if f"cache-xz {bucket}" in ((v["inputs"].get("spec") or {})
                                                                      .get("mountOptions") or [])]
            size = _size(readers)
            if size is None:
                unpriced.append({**ref, "reason": "S3 Express cache: no dataset size declared"})
                continue
            try:
                rate = _rate(prices.S3_EXPRESS_STORAGE, stack_regions.get("aws"))
            except Unpriced as exc:
                unpriced.append({**ref, "reason": f"S3 Express cache: {exc}"})
                continue
            items.append(_monthly_item(ref, f"S3 Express One Zone cache: up to {size:g} GiB at {rate.usd} USD/"
                                       f"{rate.unit}", size * rate.usd, rate, CACHE_NOTE))
        elif resource["type"] == ANYWHERE_CACHE:
            unpriced.append({**ref, "reason": prices.NOT_PRICED[ANYWHERE_CACHE]})
    for volume in volumes:
        line = _cross_region(volume, stack_regions)
        if line is not None:
            (items if "kind" in line else unpriced).append(line)
    return items, unpriced


def _cross_region(volume: dict[str, Any], stack_regions: dict[str, str | None]) -> dict[str, Any] | None:
    found = _annotations(volume)
    home = found.get(contract.HOME_ANNOTATION)
    if not home:
        return None
    cloud, region, _ = home.split(":", 2)
    driver = volume["inputs"]["spec"]["csi"]["driver"]
    here = stack_regions.get("aws" if driver == MOUNTPOINT_CSI_DRIVER_NAME else "gcp")
    if here is None or region == here:
        return None
    ref = {"name": volume["name"], "type": volume["type"], "urn": volume["urn"]}
    if cloud != "aws":
        return {**ref, "reason": prices.NOT_PRICED["gcs-inter-region"]}
    size = float(found.get(contract.SIZE_ANNOTATION, "0")) or None
    reads = float(found.get(contract.READS_ANNOTATION, "0"))
    if size is None:
        return {**ref, "reason": "cross-region dataset reads: no dataset size declared"}
    try:  # billed where the data leaves: the bucket's own region
        rate = _rate(prices.INTER_REGION, region)
    except Unpriced as exc:
        return {**ref, "reason": f"cross-region dataset reads from {region}: {exc}"}
    return _monthly_item(ref, f"reads from {region}: {size:g} GiB x {reads:g} a month at {rate.usd} USD/{rate.unit}",
                         size * reads * rate.usd, rate, READ_NOTE)
