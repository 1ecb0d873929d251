"""AWS compute rules: the EKS control plane, launch templates and managed node groups."""

from __future__ import annotations

from rulekit import (
    ADVISORY,
    CRITICAL,
    HIGH,
    LOW,
    MEDIUM,
    aws_gpu_node_group,
    dig,
    fmt,
    has,
    resource_rule,
    truthy,
)

CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ALL_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
GPU_TAINT_KEY = "nvidia.com/gpu"
# What the cluster autoscaler needs to scale a tainted GPU group up from zero nodes.
SCALE_FROM_ZERO_TAGS = (
    "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu",
    "k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu",
)


def _endpoint(props, ctx):
    vpc = dig(props, "vpcConfig", default={})
    # EKS makes the endpoint public by default when endpointPublicAccess is not set.
    if dig(vpc, "endpointPublicAccess", default=True) is False:
        return
    cidrs = list(dig(vpc, "publicAccessCidrs", default=[]))
    if not cidrs:
        yield f"cluster '{ctx.name}' has a public API endpoint without a CIDR allowlist (open to 0.0.0.0/0)"
    elif "0.0.0.0/0" in cidrs:
        yield f"cluster '{ctx.name}' allows the public API endpoint from 0.0.0.0/0"


def _secrets(props, ctx):
    enc = dig(props, "encryptionConfig", default={})
    if "secrets" not in list(dig(enc, "resources", default=[])) or not has(dig(enc, "provider"), "keyArn"):
        yield f"cluster '{ctx.name}' does not envelope-encrypt Kubernetes secrets with a KMS key"


def _logs(props, ctx):
    missing = set(ALL_LOG_TYPES) - set(dig(props, "enabledClusterLogTypes", default=[]))
    if missing:
        yield f"cluster '{ctx.name}' does not send control-plane logs: {fmt(missing)}"


def _auth_mode(props, ctx):
    mode = dig(props, "accessConfig", "authenticationMode", default="CONFIG_MAP")
    if mode != "API":
        yield f"cluster '{ctx.name}' uses authentication mode {mode}; access entries need API"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _version(props, ctx):
    version = dig(props, "version")
    minimum = str(ctx.config.get("minimumVersion", "1.32"))
    # Unset means EKS picks its newest version, which is supported.
    if version is not None and _version_key(str(version)) < _version_key(minimum):
        yield f"cluster '{ctx.name}' runs Kubernetes {version}; the oldest supported is {minimum}"


def _imds(props, ctx):
    if ctx.type == NODE_GROUP:
        if not has(props, "launchTemplate"):
            yield f"node group '{ctx.name}' has no launch template, so IMDSv2 cannot be enforced"
        return
    meta = dig(props, "metadataOptions", default={})
    if dig(meta, "httpTokens") != "required":
        yield f"launch template '{ctx.name}' does not require IMDSv2 (httpTokens must be 'required')"
    hops = dig(meta, "httpPutResponseHopLimit")
    if hops is None or int(hops) != 1:
        shown = "unset" if hops is None else int(hops)
        yield f"launch template '{ctx.name}' has metadata hop limit {shown}; it must be 1 so pods cannot reach it"


def _root_volume(props, ctx):
    mappings = list(dig(props, "blockDeviceMappings", default=[]))
    if not mappings:
        yield f"launch template '{ctx.name}' does not define an encrypted root volume"
    for mapping in mappings:
        if not truthy(dig(mapping, "ebs", "encrypted")):
            yield f"launch template '{ctx.name}' volume {dig(mapping, 'deviceName')} is not encrypted"


def _public_ip(props, ctx):
    for nic in dig(props, "networkInterfaces", default=[]):
        if truthy(dig(nic, "associatePublicIpAddress")):
            yield f"launch template '{ctx.name}' gives nodes a public IP address"


def _gpu_taint(props, ctx):
    if not aws_gpu_node_group(props):
        return
    taints = dig(props, "taints", default=[])
    if not any(dig(t, "key") == GPU_TAINT_KEY and dig(t, "effect") == "NO_SCHEDULE" for t in taints):
        yield f"GPU node group '{ctx.name}' lacks the {GPU_TAINT_KEY} NoSchedule taint"


def _scale_from_zero(props, ctx):
    if not aws_gpu_node_group(props) or dig(props, "scalingConfig", "minSize") != 0:
        return
    missing = set(SCALE_FROM_ZERO_TAGS) - set(dig(props, "tags", default={}).keys())
    if missing:
        yield f"GPU node group '{ctx.name}' scales from zero but lacks autoscaler tags: {fmt(missing)}"


RULES = [
    resource_rule(
        "eks-private-endpoint",
        "EKS API endpoint private, or public only to an allowlist without 0.0.0.0/0 (CIS EKS 5.4.2)",
        types=[CLUSTER], check=_endpoint, severity=CRITICAL,
        remediation="Leave clusters.<name>.endpoint.public_access_cidrs empty, or list only your "
                    "office/VPN CIDRs there; never 0.0.0.0/0."),
    resource_rule(
        "eks-secrets-encryption",
        "EKS secrets envelope-encrypted with a customer-managed KMS key (CIS EKS 5.3.1)",
        types=[CLUSTER], check=_secrets, severity=HIGH,
        remediation="Build clusters through mlinfra:clusters (EksCluster always sets encryptionConfig "
                    "with a rotated KMS key); do not override encryption_config."),
    resource_rule(
        "eks-control-plane-logging",
        "EKS control-plane logs enabled for all five log types (CIS EKS 2.1.1)",
        types=[CLUSTER], check=_logs, severity=MEDIUM,
        remediation="Build clusters through mlinfra:clusters, which enables every log type; set "
                    "clusters.<name>.log_retention_days for how long they are kept."),
    resource_rule(
        "eks-api-authentication-mode",
        "EKS access managed by access entries (authentication mode API), not aws-auth (CIS EKS 5.5.1)",
        types=[CLUSTER], check=_auth_mode, severity=HIGH,
        remediation="Build clusters through mlinfra:clusters, which sets accessConfig.authenticationMode "
                    "to API; grant access with EKS access entries."),
    resource_rule(
        "eks-supported-kubernetes-version",
        "EKS runs a Kubernetes version AWS still supports (practice: EKS standard/extended support calendar)",
        types=[CLUSTER], check=_version, severity=MEDIUM,
        config={"minimumVersion": {"type": "string", "default": "1.32"}},
        remediation="Raise clusters.<name>.kubernetes_version to a supported version (one minor at a time)."),
    resource_rule(
        "ec2-imdsv2-required",
        "Nodes require IMDSv2 with hop limit 1 (CIS AWS Foundations v3.0 5.6)",
        types=[LAUNCH_TEMPLATE, NODE_GROUP], check=_imds, severity=HIGH,
        remediation="Build GPU pools through clusters.<name>.gpu_pools (EksGpuNodePool sets httpTokens "
                    "required and hop limit 1 on its launch template)."),
    resource_rule(
        "ec2-encrypted-root-volume",
        "Node root volumes encrypted at rest (CIS AWS Foundations v1.4 2.2.1)",
        types=[LAUNCH_TEMPLATE], check=_root_volume, severity=HIGH,
        remediation="Build GPU pools through clusters.<name>.gpu_pools; size disks with disk_gib, "
                    "encryption is always on."),
    resource_rule(
        "ec2-no-public-ip",
        "Nodes get no public IP addresses (CIS EKS 5.4.3: private nodes)",
        types=[LAUNCH_TEMPLATE], check=_public_ip, severity=HIGH,
        remediation="Build GPU pools through clusters.<name>.gpu_pools; nodes live in private subnets "
                    "and reach the internet through NAT."),
    resource_rule(
        "eks-gpu-node-taint",
        "GPU node groups carry the nvidia.com/gpu NoSchedule taint (practice: keep non-GPU work off GPUs)",
        types=[NODE_GROUP], check=_gpu_taint, severity=MEDIUM,
        remediation="Build GPU pools through clusters.<name>.gpu_pools, which always taints them."),
    resource_rule(
        "eks-gpu-scale-from-zero-tags",
        "GPU node groups with min 0 carry cluster-autoscaler node-template tags (practice: scale from zero)",
        types=[NODE_GROUP], check=_scale_from_zero, severity=LOW, level=ADVISORY,
        remediation="Build GPU pools through clusters.<name>.gpu_pools, which adds the tags; or set "
                    "min_nodes above 0."),
]
