"""Node disks: every node's boot volume, billed per GB-month for as long as the node exists.

A node pool's machines are priced in infra/plan/cost_compute.py; their disks are a second line per pool,
counted at the same idle and peak node counts:
- EKS: the block device mappings of the node group's launch template (found through the node group's
  `launchTemplate` property dependency), or the node group's own `diskSize` when it has no template;
- GKE: `nodeConfig.diskSizeGb` and `nodeConfig.diskType` of the node pool.
The price per GB-month comes from the snapshot row `aws:ebs:<volume type>` / `gcp:disk:<disk type>` of the
pool's region. A disk whose size, type or regional price is not known is listed as unpriced, with the reason,
under its own type (`aws:ebs:gp3`, ...), so it never reads as unpriced GPU capacity.
"""

from __future__ import annotations

from typing import Any

from infra.offline.properties import UNKNOWN_PLACEHOLDER as UNKNOWN
from infra.plan import cost_compute as compute
from infra.plan.cost_network import HOURS_PER_MONTH, Unpriced
from infra.plan.cost_regions import RegionIndex, price_row

EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
GKE_NODE_POOL = "gcp:container/nodePool:NodePool"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
DISK_NOTE = ("node disks: every node's boot volume at its provisioned size, for the nodes of the pool at idle "
             "and at peak (provisioned IOPS or throughput above the volume's baseline not included)")


def _volumes_of_launch_template(template: dict[str, Any]) -> list[tuple[str, float]]:
    """(volume type, GiB) of each EBS volume a launch template gives every node."""
    found = []
    for mapping in (template.get("inputs") or {}).get("blockDeviceMappings") or []:
        ebs = mapping.get("ebs") or {}
        size, kind = ebs.get("volumeSize"), ebs.get("volumeType")
        if not isinstance(size, (int, float)) or isinstance(size, bool) or not isinstance(kind, str) or kind == UNKNOWN:
            raise Unpriced(f"launch template {template['name']}: volume {mapping.get('deviceName')} has no known "
                           "size and type at plan time")
        found.append((kind, float(size)))
    return found


def _eks_volumes(pool: dict[str, Any], by_urn: dict[str, dict[str, Any]]) -> list[tuple[str, float]]:
    templates = [by_urn[urn] for urn in (pool.get("propertyDependencies") or {}).get("launchTemplate", [])
                 if urn in by_urn and by_urn[urn]["type"] == LAUNCH_TEMPLATE]
    if templates:
        return _volumes_of_launch_template(templates[0])
    size = (pool.get("inputs") or {}).get("diskSize")
    if isinstance(size, (int, float)) and not isinstance(size, bool):
        # A node group's own disk is gp2 or gp3 depending on the AMI type; not read anywhere yet.
        raise Unpriced("node group diskSize without a launch template: its volume type is not recorded in the plan")
    raise Unpriced("node group without a launch template or diskSize: its disk size is not recorded in the plan")


def _gke_volumes(pool: dict[str, Any]) -> list[tuple[str, float]]:
    config = (pool.get("inputs") or {}).get("nodeConfig") or {}
    size, kind = config.get("diskSizeGb"), config.get("diskType")
    if not isinstance(size, (int, float)) or isinstance(size, bool) or not isinstance(kind, str) or kind == UNKNOWN:
        raise Unpriced("nodeConfig.diskSizeGb or nodeConfig.diskType not recorded in the plan")
    return [(kind, float(size))]


def _node_counts(pool: dict[str, Any]) -> tuple[int, int]:
    inputs = pool.get("inputs") or {}
    if pool["type"] == GKE_NODE_POOL:
        _, _, low, high = compute.gke_pool_size(inputs)
        return low, high
    scaling = inputs.get("scalingConfig") or {}
    return (compute.count(scaling.get("minSize"), "scalingConfig.minSize"),
            compute.count(scaling.get("maxSize"), "scalingConfig.maxSize"))


def disk_family(cloud: str, volume_type: str) -> str:
    """The price family of a disk type (infra/catalog/prices.json)."""
    return f"aws:ebs:{volume_type}" if cloud == "aws" else f"gcp:disk:{volume_type}"


def disk_lines(document: dict[str, Any], regions: RegionIndex) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(items, unpriced) for the boot disks of every node pool in the document."""
    by_urn = {r["urn"]: r for r in document["resources"]}
    items: list[dict[str, Any]] = []
    unpriced: list[dict[str, Any]] = []
    for pool in document["resources"]:
        if pool["type"] not in (EKS_NODE_GROUP, GKE_NODE_POOL):
            continue
        cloud = "aws" if pool["type"] == EKS_NODE_GROUP else "gcp"
        name = f"{pool['name']}-disks"
        try:
            volumes = _eks_volumes(pool, by_urn) if cloud == "aws" else _gke_volumes(pool)
        except Unpriced as exc:
            unpriced.append({"name": name, "type": "aws:ebs" if cloud == "aws" else "gcp:disk", "urn": pool["urn"],
                             "reason": f"node disks: {exc}"})
            continue
        region = regions.region_of(pool)
        by_type: dict[str, float] = {}
        for volume_type, gib in volumes:  # two volumes of one type on a node: one line, their sizes added
            by_type[volume_type] = by_type.get(volume_type, 0.0) + gib
        for volume_type, gib in sorted(by_type.items()):
            family = disk_family(cloud, volume_type)
            try:
                low, high = _node_counts(pool)
                row, region_note = price_row(family, cloud, region)
            except Unpriced as exc:
                unpriced.append({"name": name, "type": family, "urn": pool["urn"], "reason": f"node disks: {exc}"})
                continue
            per_node = gib * (row.usd or 0.0) / HOURS_PER_MONTH
            note = "; ".join(filter(None, [DISK_NOTE, region_note]))
            line = compute.item("node-disk", f"{gib:g} GiB {volume_type} at {row.usd} USD/GB-month x {low}..{high} "
                                f"nodes", low, high, per_node, row.source, row.as_of, note, row.basis)
            for scenario in ("idle", "peak"):
                line[f"{scenario}UsdPerMonth"] = round(line[f"{scenario}UsdPerHour"] * HOURS_PER_MONTH, 2)
            items.append({"name": name, "type": pool["type"], "urn": pool["urn"], **line})
    return items, unpriced
