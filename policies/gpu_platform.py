"""GPU platform contracts (issue 32): multi-node pools in one zone, Kueue flavors that select real pools.

Both are stack rules: a launch template and its node group, or a flavor and the pool it means, are
each valid alone, and the platform still does not work when they disagree (a placement group spans
one zone, so a pool over three zones fails to launch; a flavor whose labels no node carries leaves
every admitted job Pending).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cluster_links import cluster_label, cluster_of
from pulumi_policy import PolicyResource
from rulekit import HIGH, dig, has, stack_rule

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
NODE_POOL = "gcp:container/nodePool:NodePool"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
FLAVOR = "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor"
# GKE taints every node with GPUs so (components/gcp/taints.py); pools do not declare it.
GKE_GPU_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}
_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}


def _launch_template(view, group: PolicyResource) -> PolicyResource | None:
    linked = [r for r in group.property_dependencies.get("launchTemplate", []) if r.resource_type == LAUNCH_TEMPLATE]
    return linked[0] if len(linked) == 1 else None


def _multi_node(template: PolicyResource) -> str | None:
    """Why the template's nodes must share a zone (a cluster placement group, EFA), or None."""
    # The group's name is the placement group's output, unknown in a preview: only whether it is set counts.
    if has(dig(template.props, "placement"), "groupName"):
        return "a cluster placement group"
    if any(dig(nic, "interfaceType") == "efa" for nic in dig(template.props, "networkInterfaces", default=[])):
        return "EFA interfaces"
    return None


def _one_zone(resource: PolicyResource, view) -> Iterator[str]:
    if resource.resource_type == NODE_GROUP:
        template = _launch_template(view, resource)
        why = _multi_node(template) if template is not None else None
        subnets = dig(resource.props, "subnetIds", default=[])  # len only: the ids are unknown in a preview
        if why and len(subnets) != 1:
            yield (f"node group '{resource.name}' uses {why} (launch template '{template.name}') but spans "
                   f"{len(subnets)} subnets; a multi-node pool must sit in one zone")
    elif dig(resource.props, "placementPolicy", "type") == "COMPACT":
        locations = dig(resource.props, "nodeLocations", default=[])
        if len(locations) != 1:
            yield (f"node pool '{resource.name}' uses compact placement but lists {len(locations)} node locations; "
                   "a multi-node pool must sit in one zone")


def _pool_nodes(resource: PolicyResource) -> tuple[Mapping[str, Any], list[dict[str, str]]]:
    """A pool's node labels and taints (Kubernetes effect names), GKE's own GPU taint included."""
    if resource.resource_type == NODE_GROUP:
        taints = [{"key": dig(t, "key"), "value": dig(t, "value"), "effect": _EFFECTS.get(dig(t, "effect"), "")}
                  for t in dig(resource.props, "taints", default=[])]
        return dig(resource.props, "labels", default={}), taints
    config = dig(resource.props, "nodeConfig", default={})
    taints = [{"key": dig(t, "key"), "value": dig(t, "value"), "effect": _EFFECTS.get(dig(t, "effect"), "")}
              for t in dig(config, "taints", default=[])]
    if any(int(dig(a, "count") or 0) > 0 for a in dig(config, "guestAccelerators", default=[])):
        taints.append(dict(GKE_GPU_TAINT))
    return dig(config, "labels", default={}), taints


def _tolerates(tolerations: list, taint: Mapping[str, str]) -> bool:
    for t in tolerations:
        if dig(t, "key") != taint["key"] or dig(t, "effect") not in (None, taint["effect"]):
            continue
        if dig(t, "operator") == "Exists" or dig(t, "value") == taint["value"]:
            return True
    return False


def _pools_by_cluster(view) -> dict[str, list[PolicyResource]]:
    """Node groups and node pools by their cluster's URN, in the stack's order.

    Worked out once per view: there is a flavor per pool, and a scan of the whole stack for each
    made the rule quadratic (a quarter of AnalyzeStack on a 500-pool plan, profiled 2026-12-07).
    A value unknown on the way raises, is not remembered, and so raises again for the next flavor,
    as the scan did.
    """

    def index() -> dict[str, list[PolicyResource]]:
        found: dict[str, list[PolicyResource]] = {}
        for r in view.resources:
            if r.resource_type in (NODE_GROUP, NODE_POOL) and (cluster := cluster_of(view, r)) is not None:
                found.setdefault(cluster.urn, []).append(r)
        return found

    return view.memo("pools-by-cluster", index)


def _flavor_selects_a_pool(flavor: PolicyResource, view) -> Iterator[str]:
    cluster = cluster_of(view, flavor)
    if cluster is None:
        yield (f"ResourceFlavor '{flavor.name}': cannot tell which cluster it is on (create it with the "
               "cluster's provider)")
        return
    wanted = dict(dig(flavor.props, "spec", "nodeLabels", default={}))
    tolerations = list(dig(flavor.props, "spec", "tolerations", default=[]))
    pools = _pools_by_cluster(view).get(cluster.urn, [])
    # Each pool's labels and taints once per view, not once per flavor of its cluster (25 flavors read
    # 25 pools each: a third of AnalyzeStack on a 100-pool plan, py-spy 2026-12-08). Not remembered
    # when it raises (an unknown value), so it raises again for the next flavor, as before.
    selected = [(p, *view.memo(f"pool-nodes:{p.urn}", lambda p=p: _pool_nodes(p))) for p in pools]
    selected = [(p, taints) for p, labels, taints in selected
                if all(labels.get(k) == v for k, v in wanted.items())]
    shown = ", ".join(f"{k}={v}" for k, v in sorted(wanted.items()))
    if not selected:
        yield (f"ResourceFlavor '{flavor.name}' selects nodes labelled {shown}, which no node pool on cluster "
               f"{cluster_label(cluster)} carries: every job admitted to it would stay Pending")
        return
    for pool, taints in selected:
        missing = [t for t in taints if not _tolerates(tolerations, t)]
        if missing:
            listed = ", ".join(f"{t['key']}={t['value']}:{t['effect']}" for t in missing)
            yield (f"ResourceFlavor '{flavor.name}' selects node pool '{pool.name}' but does not tolerate its "
                   f"taints {listed}: admitted jobs could not schedule there")


RULES = [
    stack_rule(
        "multi-node-pool-one-zone",
        "A pool with EFA, a cluster placement group or compact placement sits in exactly one zone "
        "(practice: EC2 cluster placement groups and GKE compact placement are zonal)",
        types=[NODE_GROUP, NODE_POOL], check=_one_zone, severity=HIGH,
        remediation="Build GPU pools through mlinfra:clusters, which pins EFA and placed pools to one zone; for a "
                    "reserved pool set gpu_pools.<pool>.aws.zone (AWS) or gcp.zone (GKE) to the reservation's zone."),
    stack_rule(
        "kueue-flavors-select-a-gpu-pool",
        "Every Kueue ResourceFlavor selects a node pool of its cluster and tolerates that pool's taints "
        "(practice: Kueue v1beta2 ResourceFlavor nodeLabels and tolerations)",
        types=[FLAVOR], check=_flavor_selects_a_pool, severity=HIGH,
        remediation="Let mlinfra create the flavors (one per gpu_pools entry, labelled mlinfra.io/pool); a flavor "
                    "must carry the pool's labels and a toleration for nvidia.com/gpu=present:NoSchedule."),
]
