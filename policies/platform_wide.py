"""Platform-wide stack rules: ownership tags, protection of stateful resources, sandbox limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rulekit import (
    HIGH,
    MEDIUM,
    Cloud,
    aws_gpu_node_group,
    dig,
    environment_of,
    fmt,
    gpus_per_machine,
    has,
    labels_of,
    parse_expiry,
    stack_rule,
)

REQUIRED_TAGS = ("environment", "owner", "cost-center")
# Types mlinfra creates that accept tags or labels; any other resource that sets them is checked too.
TAGGABLE = frozenset({
    "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/routeTable:RouteTable", "aws:ec2/eip:Eip", "aws:ec2/natGateway:NatGateway",
    "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:iam/role:Role", "aws:iam/policy:Policy",
    "aws:kms/key:Key", "aws:cloudwatch/logGroup:LogGroup", "aws:s3/bucket:Bucket",
    "aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup",
    "gcp:container/cluster:Cluster", "gcp:storage/bucket:Bucket", "gcp:kms/cryptoKey:CryptoKey",
})
LABEL_KEYS = ("tags", "labels", "resourceLabels")
STATEFUL = frozenset({
    "aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:eks/cluster:Cluster",
    "gcp:storage/bucket:Bucket", "gcp:kms/cryptoKey:CryptoKey", "gcp:container/cluster:Cluster",
})
AWS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
GKE_NODE_POOL = "gcp:container/nodePool:NodePool"


def _taggable(resource) -> bool:
    return resource.resource_type in TAGGABLE or any(has(resource.props, k) for k in LABEL_KEYS)


def _required_tags(resource, stack):
    if not _taggable(resource):
        return
    required = stack.config.get("tags", list(REQUIRED_TAGS))
    missing = set(required) - set(labels_of(resource.props).keys())
    if missing:
        yield f"'{resource.name}' ({resource.resource_type}) lacks required tags: {fmt(missing)}"


def _protected(resource, stack):
    env = environment_of(resource.props) or stack.environment
    if env in stack.config.get("environments", ["staging", "prod"]) and not resource.opts.protect:
        yield f"{env} resource '{resource.name}' ({resource.resource_type}) is not protected"


def _is_sandbox(resource, stack) -> bool:
    return (environment_of(resource.props) or stack.environment) == "sandbox"


def _expiry(resource, stack):
    if not _taggable(resource) or not _is_sandbox(resource, stack):
        return
    tag = stack.config.get("expiryTag", "expires-at")
    max_ttl = timedelta(hours=float(stack.config.get("maxTtlHours", 72)))
    raw = labels_of(resource.props).get(tag)
    expires = parse_expiry(raw)
    if expires is None:
        yield (f"sandbox resource '{resource.name}' has no valid '{tag}' tag (got {raw!r}): it must be an "
               "ISO 8601 time or epoch seconds, no later than 9999-12-31T23:59:59Z")
    elif expires - datetime.now(UTC) > max_ttl:
        yield (f"sandbox resource '{resource.name}' expires at {expires.isoformat()}, beyond the "
               f"maximum TTL of {max_ttl.total_seconds() / 3600:g} hours")


def gpu_pool(resource) -> tuple[int, int, bool] | None:
    """(GPUs per node, maximum nodes, spot) for a GPU node group or node pool, else None."""
    props = resource.props
    if resource.resource_type == AWS_NODE_GROUP and aws_gpu_node_group(props):
        types = list(dig(props, "instanceTypes", default=[]))
        gpus = max((gpus_per_machine(Cloud.AWS, t) for t in types), default=0) or 1
        return gpus, int(dig(props, "scalingConfig", "maxSize", default=1)), dig(props, "capacityType") == "SPOT"
    if resource.resource_type == GKE_NODE_POOL:
        node = dig(props, "nodeConfig", default={})
        gpus = sum(int(dig(a, "count", default=1)) for a in dig(node, "guestAccelerators", default=[]))
        gpus = gpus or gpus_per_machine(Cloud.GCP, str(dig(node, "machineType", default="")))
        if not gpus:
            return None
        nodes = dig(props, "autoscaling", "maxNodeCount") or dig(props, "autoscaling", "totalMaxNodeCount")
        spot = dig(node, "spot") is True or dig(node, "preemptible") is True
        return gpus, int(nodes or dig(props, "nodeCount", default=1)), spot
    return None


def _spot_only(resource, stack):
    pool = gpu_pool(resource)
    if pool and _is_sandbox(resource, stack) and not pool[2]:
        yield f"sandbox GPU pool '{resource.name}' uses on-demand capacity; sandboxes use spot only"


def _sized_gpu_pools(stack) -> list:
    pools = [r for r in stack.resources if r.resource_type in (AWS_NODE_GROUP, GKE_NODE_POOL)]
    sized = [(r, gpu_pool(r)) for r in pools]
    return [(r, p) for r, p in sized if p]


def _gpu_cap(resource, stack):
    # Once per stack, not once per pool: a scan of every resource for each pool was quadratic.
    sized = stack.memo("sized-gpu-pools", lambda: _sized_gpu_pools(stack))
    # Reported once per stack, on its first GPU pool.
    if not sized or sized[0][0] is not resource or not _is_sandbox(resource, stack):
        return
    cap = int(stack.config.get("maxGpus", 8))
    total = sum(gpus * nodes for _, (gpus, nodes, _spot) in sized)
    if total > cap:
        parts = ", ".join(f"{r.name}: {g * n}" for r, (g, n, _s) in sized)
        yield f"sandbox can grow to {total} GPUs ({parts}); the cap is {cap}"


_ARRAY = {"type": "array", "items": {"type": "string"}}

RULES = [
    stack_rule(
        "required-tags",
        "Every taggable resource carries environment, owner and cost-center tags (practice: cost allocation)",
        types=None, check=_required_tags, severity=MEDIUM,
        config={"tags": {**_ARRAY, "default": list(REQUIRED_TAGS)}},
        remediation="Set mlinfra:tags.owner and mlinfra:tags.cost-center in the stack file and pass "
                    "tags to every resource a component creates."),
    stack_rule(
        "stateful-resources-protected",
        "Buckets, KMS keys and clusters are protected in staging and prod (practice: no accidental deletes)",
        types=STATEFUL, check=_protected, severity=HIGH,
        config={"environments": {**_ARRAY, "default": ["staging", "prod"]}},
        remediation="Set mlinfra:environment to staging/prod (composition then protects them); never "
                    "override protect=False on stateful resources."),
    stack_rule(
        "sandbox-expiry",
        "Sandbox resources carry an expiry tag no later than the maximum TTL (practice: ephemeral sandboxes)",
        types=None, check=_expiry, severity=MEDIUM,
        config={"expiryTag": {"type": "string", "default": "expires-at"},
                "maxTtlHours": {"type": "number", "default": 72}},
        remediation="Create sandboxes with `mlinfra sandbox create`, which tags an expiry; keep it "
                    "within the maximum TTL."),
    stack_rule(
        "sandbox-spot-gpus",
        "Sandbox GPU pools use spot capacity only (practice: sandbox budget)",
        types=[AWS_NODE_GROUP, GKE_NODE_POOL], check=_spot_only, severity=MEDIUM,
        remediation="Set capacity: spot on every gpu_pools entry of a sandbox stack."),
    stack_rule(
        "sandbox-gpu-cap",
        "A sandbox cannot grow beyond its GPU cap (practice: sandbox budget)",
        types=[AWS_NODE_GROUP, GKE_NODE_POOL], check=_gpu_cap, severity=MEDIUM,
        config={"maxGpus": {"type": "integer", "default": 8}},
        remediation="Lower max_nodes or gpus_per_node of the sandbox's gpu_pools."),
]
