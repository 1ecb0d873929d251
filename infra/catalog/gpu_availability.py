"""Where each GPU machine of the accelerator catalog is sold: regions and zones, with the source.

`complete` says whether the source lists every region that sells the machine (a provider's own
listing, or a catalog built from the provider's API for every region). Only a complete listing
refuses a region it does not name (exit 2, naming where the machine is sold); a partial listing
(e.g. a tool's offers in the regions it was configured for) never refuses a valid config, it only
tells the cost model which regions the price snapshot must cover. A machine not listed here has no
availability data yet: nothing is refused for it, and docs/cost.md says so.

Plain data, read 2026-12-07 with the project's search tool unless a row says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.catalog.accelerators import Cloud, MachineOffer

READ_ON = "2026-12-07"
# SkyPilot's GCP catalog: one row per machine type and zone, built from the Compute Engine API.
SKYPILOT_GCP = ("github.com/skypilot-org/skypilot-catalog@006059e0f18acb1341e22a27751e9f80df6ba92f:"
                "catalogs/v8/gcp/vms.csv (a row per machine type and zone the Compute Engine API reports)")
# SkyPilot's AWS catalog: one row per instance type and AZ, built from the AWS price list for every
# region SkyPilot fetches (opt-in regions such as me-central-1 and eu-south-2 included).
SKYPILOT_AWS = ("github.com/skypilot-org/skypilot-catalog@00148f2af3672e2229b4f7bf8157d5a3f36e3c35:"
                "catalogs/v8/aws/vms.csv (a row per instance type and AZ, from the AWS price list)")
# The regions that file has rows for at all (every region seen in the blocks read on 2026-12-07: a1, c1, c3, g4ad,
# g4dn, g5, m7g, m7i, m8g, m8i, r6id). None of them has a sa-east-1, il-central-1 or ca-west-1 row: the
# catalog does not fetch those regions, so its silence there says nothing about what AWS sells there.
SKYPILOT_AWS_REGIONS = frozenset({
    "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
    "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ca-central-1", "eu-central-1", "eu-north-1", "eu-south-1",
    "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "me-central-1", "me-south-1", "us-east-1", "us-east-2",
    "us-west-1", "us-west-2"})


@dataclass(frozen=True)
class Availability:
    """The regions (and, where known, zones) that sell one machine type, and who says so."""

    zones: dict[str, tuple[str, ...]]  # region -> zones (empty: zones not recorded)
    source: str
    complete: bool
    as_of: str = READ_ON
    # The regions the source lists anything for (None: every region); a region outside them is never refused.
    covers: frozenset[str] | None = None

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions, sorted."""
        return tuple(sorted(self.zones))


_A2_HIGHGPU = {
    "asia-northeast1": ("asia-northeast1-a", "asia-northeast1-c"),
    "asia-northeast3": ("asia-northeast3-a", "asia-northeast3-b"),
    "asia-southeast1": ("asia-southeast1-a", "asia-southeast1-b", "asia-southeast1-c"),
    "europe-west4": ("europe-west4-a", "europe-west4-b"),
    "me-west1": ("me-west1-a", "me-west1-c"),
    "us-central1": ("us-central1-a", "us-central1-b", "us-central1-c", "us-central1-f"),
    "us-east1": ("us-east1-b",),
    "us-west1": ("us-west1-b",),
    "us-west3": ("us-west3-b",),
    "us-west4": ("us-west4-b",),
}
_A2_ULTRAGPU = {
    "asia-southeast1": ("asia-southeast1-c",),
    "europe-west4": ("europe-west4-a",),
    "us-central1": ("us-central1-a", "us-central1-c"),
    "us-east4": ("us-east4-c",),
    "us-east5": ("us-east5-a", "us-east5-b"),
}
_A3_HIGHGPU_8G = {
    "asia-east1": ("asia-east1-c",), "asia-northeast1": ("asia-northeast1-b",), "asia-south1": ("asia-south1-c",),
    "asia-south2": ("asia-south2-b",), "asia-southeast1": ("asia-southeast1-b", "asia-southeast1-c"),
    "australia-southeast1": ("australia-southeast1-c",), "europe-north1": ("europe-north1-c",),
    "europe-west1": ("europe-west1-b", "europe-west1-c"), "europe-west3": ("europe-west3-c",),
    "europe-west4": ("europe-west4-b", "europe-west4-c"), "europe-west9": ("europe-west9-c",),
    "us-central1": ("us-central1-a", "us-central1-b", "us-central1-c"),
    "us-east4": ("us-east4-a", "us-east4-b", "us-east4-c"), "us-east5": ("us-east5-a",),
    "us-west1": ("us-west1-a", "us-west1-b"), "us-west4": ("us-west4-a",),
}
_A3_ULTRAGPU_8G = {
    "asia-south1": ("asia-south1-b",), "asia-south2": ("asia-south2-c",), "europe-west1": ("europe-west1-b",),
    "europe-west4": ("europe-west4-a",), "us-central1": ("us-central1-b",), "us-east4": ("us-east4-b",),
    "us-east5": ("us-east5-a",), "us-south1": ("us-south1-b",), "us-west1": ("us-west1-c",),
}

AVAILABILITY: dict[tuple[Cloud, str], Availability] = {
    # p4de: the EC2 "instance types by Region" pages named us-east-1 and us-west-2 (checked 2026-01); the
    # SkyPilot catalog (2026-12) lists three more regions.
    (Cloud.AWS, "p4de.24xlarge"): Availability(
        {"ap-northeast-1": (), "ap-southeast-1": (), "eu-central-1": (), "us-east-1": (), "us-west-2": ()},
        SKYPILOT_AWS, complete=True, covers=SKYPILOT_AWS_REGIONS),
    (Cloud.AWS, "p4d.24xlarge"): Availability(  # only part of its rows were read: never refuses
        {r: () for r in ("ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "us-east-1",
                         "us-east-2", "us-west-2")}, SKYPILOT_AWS, complete=False),
    (Cloud.AWS, "g6.xlarge"): Availability(  # only part of its rows were read: never refuses
        {r: () for r in ("ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-south-2", "eu-west-2",
                         "eu-west-3", "me-central-1", "us-east-1", "us-east-2", "us-west-2")},
        SKYPILOT_AWS, complete=False),
    # g4dn.xlarge, g4dn.metal and g5.12xlarge: every row of their blocks in that file was read (2026-12-07), but the
    # file has no region SkyPilot does not fetch (no sa-east-1 row for any type read): never refuses.
    (Cloud.AWS, "g4dn.xlarge"): Availability(
        {r: () for r in ("af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
                         "ap-southeast-1", "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-south-1",
                         "eu-west-1", "eu-west-2", "eu-west-3", "me-south-1", "us-east-1", "us-east-2", "us-west-1",
                         "us-west-2")}, SKYPILOT_AWS, complete=False),
    (Cloud.AWS, "g4dn.metal"): Availability(
        {r: () for r in ("af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
                         "ap-southeast-1", "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-south-1",
                         "eu-west-1", "eu-west-2", "eu-west-3", "me-south-1", "us-east-1", "us-east-2", "us-west-1",
                         "us-west-2")}, SKYPILOT_AWS, complete=False),
    (Cloud.AWS, "g5.12xlarge"): Availability(
        {r: () for r in ("ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-2",
                         "ap-southeast-3", "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2",
                         "me-central-1", "us-east-1", "us-east-2", "us-west-2")}, SKYPILOT_AWS, complete=False),
    (Cloud.AWS, "p5.48xlarge"): Availability(
        {r: () for r in ("ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-2", "ap-southeast-3",
                         "ca-central-1", "eu-north-1", "eu-west-2", "us-east-1", "us-east-2", "us-west-1",
                         "us-west-2")}, SKYPILOT_AWS, complete=True, covers=SKYPILOT_AWS_REGIONS),
    (Cloud.AWS, "p5.4xlarge"): Availability(
        {r: () for r in ("ap-northeast-1", "ap-south-1", "ap-southeast-2", "ap-southeast-3", "eu-west-2",
                         "us-east-1", "us-east-2", "us-west-2")},
        SKYPILOT_AWS, complete=True, covers=SKYPILOT_AWS_REGIONS),
    (Cloud.AWS, "p5en.48xlarge"): Availability(
        {r: () for r in ("ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-3", "eu-north-1",
                         "eu-south-2", "me-central-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2")},
        SKYPILOT_AWS, complete=True, covers=SKYPILOT_AWS_REGIONS),
    **{(Cloud.GCP, f"a2-highgpu-{n}g"): Availability(_A2_HIGHGPU, SKYPILOT_GCP, complete=True)
       for n in (1, 2, 4, 8)},
    **{(Cloud.GCP, f"a2-ultragpu-{n}g"): Availability(_A2_ULTRAGPU, SKYPILOT_GCP, complete=True)
       for n in (1, 8)},
    (Cloud.GCP, "a3-highgpu-8g"): Availability(_A3_HIGHGPU_8G, SKYPILOT_GCP, complete=True),
    (Cloud.GCP, "a3-ultragpu-8g"): Availability(_A3_ULTRAGPU_8G, SKYPILOT_GCP, complete=True),
}


def availability(offer: MachineOffer) -> Availability | None:
    """Where `offer` is sold, or None when the catalog has no availability data for it yet."""
    return AVAILABILITY.get((offer.cloud, offer.machine_type))


def not_sold_in(offer: MachineOffer, region: str) -> str | None:
    """Why `offer` cannot be had in `region` (naming where it can), or None when it can or nobody says."""
    known = availability(offer)
    if known is None or not known.complete or region in known.zones:
        return None
    if known.covers is not None and region not in known.covers:
        return None  # the source does not cover the region at all: it cannot say the machine is not sold there
    return (f"{offer.accelerator.value} ({offer.machine_type}) is not sold in {region}; it is sold in "
            f"{', '.join(known.regions)} (source: {known.source}); pick another accelerator or region")


def zone_not_offered(offer: MachineOffer, zone: str) -> str | None:
    """Why `offer` cannot be had in `zone`, or None when it can or zones are not recorded."""
    known = availability(offer)
    if known is None or not known.complete:
        return None
    region = zone.rsplit("-", 1)[0]
    zones = known.zones.get(region)
    if not zones or zone in zones:
        return None
    return (f"{offer.machine_type} is not offered in zone {zone}; in {region} it is offered in "
            f"{', '.join(zones)} (source: {known.source})")
