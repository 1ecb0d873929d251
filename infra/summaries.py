"""One line of the settings that matter, per resource type, for the table and markdown views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


def _helm_release(i: dict[str, Any]) -> str:
    return f"{i.get('chart')} {i.get('version')} · {(i.get('repositoryOpts') or {}).get('repo')}"


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
    "kubernetes:helm.sh/v3:Release": _helm_release,
    "aws:autoscaling/tag:Tag": _asg_tag,
    "aws:eks/addon:Addon": lambda i: f"{i.get('addonName')} {i.get('addonVersion', 'EKS default')}",
    "aws:eks/podIdentityAssociation:PodIdentityAssociation":
        lambda i: f"{i.get('namespace')}/{i.get('serviceAccount')}",
    "aws:ec2/vpcEndpoint:VpcEndpoint": lambda i: f"{i.get('serviceName')} ({i.get('vpcEndpointType')})",
    "pulumi:providers:aws": _provider,
    "pulumi:providers:gcp": _provider,
}


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
