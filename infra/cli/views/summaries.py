"""One line of the settings that matter, per resource type, for the table and markdown views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from components.gcp.taints import gke_gpu_taints
from infra.cli.views.gateway_summaries import GATEWAY_SUMMARIES

Summary = Callable[[dict[str, Any]], str]


def _eks_cluster(i: dict[str, Any]) -> str:
    vpc = i.get("vpcConfig") or {}
    public = vpc.get("endpointPublicAccess")
    endpoint = f"public to {', '.join(vpc.get('publicAccessCidrs') or [])}" if public else "private"
    encrypted = "secrets KMS" if i.get("encryptionConfig") else "secrets NOT encrypted"
    logs = len(i.get("enabledClusterLogTypes") or [])
    auth = (i.get("accessConfig") or {}).get("authenticationMode", "?")
    return f"k8s {i.get('version')} · endpoint {endpoint} · {encrypted} · logs {logs}/5 · auth {auth}"


def _node_group(i: dict[str, Any]) -> str:
    scaling = i.get("scalingConfig") or {}
    taints = ", ".join(f"{t.get('key')}:{t.get('effect')}" for t in i.get("taints") or [])
    return (f"{', '.join(i.get('instanceTypes') or [])} · {i.get('capacityType', 'ON_DEMAND')} · "
            f"{scaling.get('minSize')}..{scaling.get('maxSize')} nodes · {i.get('amiType')}"
            + (f" · taint {taints}" if taints else ""))


def _launch_template(i: dict[str, Any]) -> str:
    meta = i.get("metadataOptions") or {}
    disks = [m.get("ebs") or {} for m in i.get("blockDeviceMappings") or []]
    disk = ", ".join(f"{d.get('volumeSize')} GiB {d.get('volumeType')}"
                     f"{' encrypted' if str(d.get('encrypted')) == 'true' else ' UNENCRYPTED'}"
                     for d in disks)
    return f"IMDS tokens {meta.get('httpTokens')} hop {meta.get('httpPutResponseHopLimit')} · {disk}"


def _subnet(i: dict[str, Any]) -> str:
    return f"{i.get('cidrBlock')} in {i.get('availabilityZone')}"


def _bucket(i: dict[str, Any]) -> str:
    return f"{i.get('bucket')}" + (" · force destroy" if i.get("forceDestroy") else "")


def _kms_key(i: dict[str, Any]) -> str:
    return "rotation on" if i.get("enableKeyRotation") else "rotation OFF"


def _public_access_block(i: dict[str, Any]) -> str:
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    on = sum(1 for f in flags if i.get(f) is True)
    return f"{on}/4 public access flags on"


def _sse(i: dict[str, Any]) -> str:
    rules = i.get("rules") or [{}]
    default = rules[0].get("applyServerSideEncryptionByDefault") or {}
    return f"{default.get('sseAlgorithm')} · bucket key {'on' if rules[0].get('bucketKeyEnabled') else 'off'}"


def _versioning(i: dict[str, Any]) -> str:
    return f"versioning {(i.get('versioningConfiguration') or {}).get('status')}"


def _gke_cluster(i: dict[str, Any]) -> str:
    private = i.get("privateClusterConfig") or {}
    endpoint = "private" if private.get("enablePrivateEndpoint") else "public to authorized networks"
    encrypted = ("secrets KMS" if (i.get("databaseEncryption") or {}).get("state") == "ENCRYPTED"
                 else "secrets NOT encrypted")
    channel = (i.get("releaseChannel") or {}).get("channel", "?")
    protection = " · deletion protection" if i.get("deletionProtection") else ""
    return (f"k8s {i.get('minMasterVersion')} · {i.get('location')} · endpoint {endpoint} · "
            f"{encrypted} · {channel} · {i.get('datapathProvider', 'legacy datapath')}{protection}")


def _gke_node_pool(i: dict[str, Any]) -> str:
    node = i.get("nodeConfig") or {}
    scaling = i.get("autoscaling") or {}
    gpus = node.get("guestAccelerators") or []
    parts = [str(node.get("machineType")), "SPOT" if node.get("spot") else "ON_DEMAND",
             f"{scaling.get('totalMinNodeCount')}..{scaling.get('totalMaxNodeCount')} nodes"]
    for gpu in gpus:
        parts.append(f"{gpu.get('count')}x {gpu.get('type')}"
                     + (f" MIG {gpu['gpuPartitionSize']}" if gpu.get("gpuPartitionSize") else "")
                     + (f" shared {gpu['gpuSharingConfig'].get('gpuSharingStrategy')}"
                        if gpu.get("gpuSharingConfig") else ""))
    explicit = [t.get("key") for t in node.get("taints") or []]
    # GKE taints GPU nodes itself; the plan shows it so a reviewer sees GPU pools are tainted.
    parts += [f"taint {t['key']} (added by GKE)" for t in gke_gpu_taints(gpus) if t["key"] not in explicit]
    parts += [f"taint {k}" for k in explicit]
    return " · ".join(parts)


def _gcs_bucket(i: dict[str, Any]) -> str:
    encryption = "CMEK" if (i.get("encryption") or {}).get("defaultKmsKeyName") else "Google-managed"
    parts = [str(i.get("name")), f"public access {i.get('publicAccessPrevention')}",
             "uniform access" if i.get("uniformBucketLevelAccess") else "ACLs ON",
             f"versioning {'on' if (i.get('versioning') or {}).get('enabled') else 'off'}", encryption]
    if i.get("logging"):
        parts.append("access logs")
    if i.get("forceDestroy"):
        parts.append("force destroy")
    return " · ".join(parts)
def _helm_release(i: dict[str, Any]) -> str:
    chart, repo = str(i.get("chart")), (i.get("repositoryOpts") or {}).get("repo")
    # An OCI chart is one URL, `oci://registry/path/name`, with no repositoryOpts: split it so the
    # name reads like a repository chart's and the registry path stands where a repository would.
    if chart.startswith("oci://") and not repo:
        repo, chart = chart.rsplit("/", 1)
    return " · ".join(part for part in (f"{chart} {i.get('version')}", repo) if part)


def _asg_tag(i: dict[str, Any]) -> str:
    tag = i.get("tag") or {}
    return f"{tag.get('key')} = {tag.get('value')}"


def _provider(i: dict[str, Any]) -> str:
    return " · ".join(f"{k} {i[k]}" for k in ("region", "project") if k in i)


SUMMARIES: dict[str, Summary] = {
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:eks/nodeGroup:NodeGroup": _node_group,
    "aws:ec2/launchTemplate:LaunchTemplate": _launch_template,
    "aws:ec2/subnet:Subnet": _subnet,
    "aws:ec2/vpc:Vpc": lambda i: str(i.get("cidrBlock")),
    "aws:s3/bucket:Bucket": _bucket,
    "aws:kms/key:Key": _kms_key,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _public_access_block,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _sse,
    "aws:s3/bucketVersioning:BucketVersioning": _versioning,
    "aws:cloudwatch/logGroup:LogGroup": lambda i: f"retention {i.get('retentionInDays')} days",
    "gcp:container/cluster:Cluster": _gke_cluster,
    "gcp:container/nodePool:NodePool": _gke_node_pool,
    "gcp:storage/bucket:Bucket": _gcs_bucket,
    "gcp:kms/cryptoKey:CryptoKey": lambda i: f"rotation every {i.get('rotationPeriod')}",
    "gcp:compute/subnetwork:Subnetwork": lambda i: (
        f"{i.get('ipCidrRange')} in {i.get('region')} · private Google access "
        f"{'on' if i.get('privateIpGoogleAccess') else 'OFF'}"),
    "gcp:storage/bucketIAMMember:BucketIAMMember": lambda i: f"{i.get('role')} to {i.get('member')}",
    "kubernetes:helm.sh/v3:Release": _helm_release,
    "aws:autoscaling/tag:Tag": _asg_tag,
    "aws:eks/addon:Addon": lambda i: f"{i.get('addonName')} {i.get('addonVersion', 'EKS default')}",
    "aws:eks/podIdentityAssociation:PodIdentityAssociation":
        lambda i: f"{i.get('namespace')}/{i.get('serviceAccount')}",
    "aws:ec2/vpcEndpoint:VpcEndpoint": lambda i: f"{i.get('serviceName')} ({i.get('vpcEndpointType')})",
    "pulumi:providers:aws": _provider,
    "pulumi:providers:gcp": _provider,
}
SUMMARIES.update(GATEWAY_SUMMARIES)


def summarize(resource_type: str, inputs: dict[str, Any]) -> str:
    """The key settings of one resource, or '' for types with nothing worth a line."""
    summary = SUMMARIES.get(resource_type)
    if summary is None:
        return ""
    try:
        return summary(inputs)
    except (AttributeError, TypeError, IndexError):
        # A summary is a convenience; an odd input shape must never break the plan.
        return ""
