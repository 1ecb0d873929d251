"""Every stack rule through the real pack process (AnalyzeStack): a compliant stack has no findings,
and one change to it produces exactly the expected findings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.policies.conftest import TAGS, UNKNOWN, resource, triples
from tests.policies.test_helm_chart_rule import CASES as HELM_CASES

M = "mandatory"
EXPIRY_FORMS = "it must be an ISO 8601 time or epoch seconds, no later than 9999-12-31T23:59:59Z"
BUCKET = "aws:s3/bucket:Bucket"
TLS_ONLY = json.dumps({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                      "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})


def s3_stack(env="dev", *, protect=False, logging=False, pab=None, sse="aws:kms", versioning="Enabled",
             policy=TLS_ONLY, extra_tags=None, prefix="data"):
    """A bucket with all its companions, as S3Bucket registers them; keyword arguments change one part."""
    tags = {**TAGS, "environment": env, **(extra_tags or {})}
    key = resource("aws:kms/key:Key", f"{prefix}-key", {"enableKeyRotation": True, "tags": tags}, protect=protect)
    bucket = resource(BUCKET, f"{prefix}-bucket", {"bucket": f"acme-dev-{prefix}", "tags": tags}, protect=protect)
    on = {"bucket": [bucket]}
    flags = {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
             "restrictPublicBuckets": True, **(pab or {})}
    parts = [
        key, bucket,
        resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", f"{prefix}-pab",
                 {"bucket": UNKNOWN, **flags}, deps=on),
        resource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                 f"{prefix}-sse", {"bucket": UNKNOWN, "rules": [{"applyServerSideEncryptionByDefault": {
                     "sseAlgorithm": sse, "kmsMasterKeyId": UNKNOWN}, "bucketKeyEnabled": True}]},
                 deps={"bucket": [bucket], "rules": [key]}),
        resource("aws:s3/bucketVersioning:BucketVersioning", f"{prefix}-versioning",
                 {"bucket": UNKNOWN, "versioningConfiguration": {"status": versioning}}, deps=on),
        resource("aws:s3/bucketPolicy:BucketPolicy", f"{prefix}-tls", {"bucket": UNKNOWN, "policy": policy}, deps=on),
        resource("aws:iam/role:Role", f"{prefix}-role", {"assumeRolePolicy": "{}", "tags": tags}),
    ]
    if logging:
        parts.append(resource("aws:s3/bucketLogging:BucketLogging", f"{prefix}-logs",
                              {"bucket": UNKNOWN, "targetBucket": "acme-logs", "targetPrefix": f"{prefix}/"}, deps=on))
    return parts


def gpu_pools(env="sandbox", *, capacity="SPOT", max_nodes=1, expires="{soon}", gke_machine=None):
    soon = (datetime.now(UTC) + timedelta(hours=24)).replace(microsecond=0)
    tags = {**TAGS, "environment": env,
            "expires-at": expires.format(soon=soon.isoformat(), soon_no_zone=soon.strftime("%Y-%m-%dT%H:%M:%S"))}
    pools = [resource("aws:eks/nodeGroup:NodeGroup", "l4-ng", {
        "amiType": "AL2023_x86_64_NVIDIA", "instanceTypes": ["g6.xlarge"], "capacityType": capacity,
        "labels": {"k8s.amazonaws.com/accelerator": "nvidia-l4"},
        "scalingConfig": {"minSize": 0, "maxSize": max_nodes}, "tags": tags})]
    if gke_machine:
        pools.append(resource("gcp:container/nodePool:NodePool", "h100-pool", {
            "autoscaling": {"maxNodeCount": 1}, "nodeConfig": {
                "machineType": gke_machine, "spot": True,
                "guestAccelerators": [{"type": "nvidia-h100-80gb", "count": 8}]}}))
    return pools


def _log_target(sse):
    """A prod bucket logging to a log bucket, which may use SSE-S3 and needs no access log of its own."""
    logs = s3_stack("prod", protect=True, sse=sse, prefix="logs")
    data = s3_stack("prod", protect=True, logging=True)
    logs_bucket = next(r for r in logs if r.type == BUCKET)
    logging = data[-1]
    logging.property_dependencies["targetBucket"] = [logs_bucket.urn]
    return logs + data


def network(*, default_sg=True, ingress=(), egress=()):
    """A VPC and, as AwsNetwork registers it, its adopted default security group."""
    vpc = resource("aws:ec2/vpc:Vpc", "net-vpc", {"cidrBlock": "10.0.0.0/16", "tags": TAGS})
    parts = [vpc]
    if default_sg:
        parts.append(resource("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "net-default-sg",
                              {"vpcId": UNKNOWN, "ingress": list(ingress), "egress": list(egress), "tags": TAGS},
                              deps={"vpcId": [vpc]}))
    return parts


def alb(*, internal=False, waf=True, kind="application", name="infer"):
    """A load balancer and, as AwsLoadBalancer registers it, its web ACL association."""
    lb = resource("aws:lb/loadBalancer:LoadBalancer", f"{name}-lb", {
        "loadBalancerType": kind, "internal": internal, "tags": TAGS})
    parts = [lb]
    if waf:
        parts.append(resource("aws:wafv2/webAclAssociation:WebAclAssociation", f"{name}-waf",
                              {"resourceArn": UNKNOWN, "webAclArn": UNKNOWN}, deps={"resourceArn": [lb]}))
    return parts


def gke_gateway(*, security_policy="infer-waf", gateway_class="gke-l7-global-external-managed"):
    """A GKE Gateway, its HTTPRoute and the backend's GCPBackendPolicy, as GkeGateway registers them."""
    default = {"logging": {"enabled": True}, **({"securityPolicy": security_policy} if security_policy else {})}
    return [
        resource("kubernetes:gateway.networking.k8s.io/v1:Gateway", "infer-gateway", {
            "metadata": {"name": "infer", "namespace": "infer"}, "spec": {"gatewayClassName": gateway_class}}),
        resource("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "infer-route", {
            "metadata": {"name": "infer-chat", "namespace": "infer"},
            "spec": {"parentRefs": [{"name": "infer", "sectionName": "https"}],
                     "rules": [{"backendRefs": [{"name": "llm", "namespace": "serving", "port": 8000}]}]}}),
        resource("kubernetes:networking.gke.io/v1:GCPBackendPolicy", "infer-backend", {
            "metadata": {"name": "infer-llm", "namespace": "serving"},
            "spec": {"targetRef": {"group": "", "kind": "Service", "name": "llm"}, "default": default}}),
    ]


ANY_TCP = {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}

def role_with_inline_policies(*sizes: int):
    """A role and one role policy per size (characters without white space), as the engine links them."""
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole"}]}
    role = resource("aws:iam/role:Role", "app", {"tags": TAGS, "assumeRolePolicy": json.dumps(trust)})
    parts = [role]
    for index, size in enumerate(sizes):
        base = {"Statement": [{"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
        base["Statement"][0]["Sid"] = "S" * (size - len("".join(json.dumps(base).split())))
        parts.append(resource("aws:iam/rolePolicy:RolePolicy", f"app-{index}",
                              {"role": "app", "policy": json.dumps(base)}, deps={"role": [role]}))
    return parts


CASES = [
    ("dev stack", s3_stack(), []),
    ("inline policies of a role at IAM's quota", role_with_inline_policies(5120, 5120), []),
    ("inline policies of a role over IAM's quota", role_with_inline_policies(5120, 5121),
     [("iam-role-inline-policy-size", M, "role 'app' has 10241 characters of inline policies without white space "
                                         "(2 role policies and its own); IAM allows 10240 per role")]),
    ("VPC with its default security group closed", network(), []),
    ("VPC whose default security group is not adopted", network(default_sg=False),
     [("vpc-default-security-group-closed", M,
       "VPC 'net-vpc' keeps AWS's default security group rules (no DefaultSecurityGroup adopts it)")]),
    ("default security group with egress", network(egress=[ANY_TCP]),
     [("vpc-default-security-group-closed", M, "VPC 'net-vpc' default security group has egress rules")]),
    ("internet-facing ALB with a web ACL", alb(), []),
    ("internal ALB and NLB need none", alb(internal=True, waf=False) + alb(kind="network", waf=False, name="grpc"),
     []),
    ("external GKE gateway with Cloud Armor", gke_gateway(), []),
    ("internal GKE gateway needs none", gke_gateway(security_policy=None, gateway_class="gke-l7-rilb"), []),
    ("external GKE gateway backend without Cloud Armor", gke_gateway(security_policy=None),
     [("gke-gateway-cloud-armor", M, "backend policy 'infer-backend' of internet-facing gateway 'infer' sets no "
                                     "Cloud Armor securityPolicy")]),
    ("internet-facing ALB without a web ACL", alb(waf=False),
     [("lb-waf", M, "internet-facing load balancer 'infer-lb' has no WAF web ACL (AWS managed rules or "
                    "firewall_policy)")]),
    ("complete public access block missing a flag", s3_stack(pab={"ignorePublicAcls": False}),
     [("s3-public-access-block", M, "bucket 'acme-dev-data' public access block leaves off: ignorePublicAcls")]),
    ("no public access block", [r for r in s3_stack() if r.name != "data-pab"],
     [("s3-public-access-block", M, "bucket 'acme-dev-data' has no public access block")]),
    ("AES256 instead of KMS", s3_stack(sse="AES256"),
     [("s3-encryption", M, "bucket 'acme-dev-data' has no SSE-KMS default encryption")]),
    ("access-log target with SSE-S3", _log_target("AES256"), []),
    ("access-log target without encryption", _log_target("none"),
     [("s3-encryption", M, "bucket 'acme-dev-logs' has no SSE-S3 or SSE-KMS default encryption")]),
    ("versioning suspended", s3_stack(versioning="Suspended"),
     [("s3-versioning", M, "bucket 'acme-dev-data' does not have versioning enabled")]),
    ("policy without TLS condition", s3_stack(policy=json.dumps({"Statement": []})),
     [("s3-tls-only", M, "bucket 'acme-dev-data' policy does not deny requests without TLS (aws:SecureTransport)")]),
    ("protected prod with access logs", s3_stack("prod", protect=True, logging=True), []),
    ("prod bucket without access logs", s3_stack("prod", protect=True),
     [("s3-access-logging", M, "prod bucket 'acme-dev-data' has no server access logging")]),
    ("unprotected staging", s3_stack("staging"),
     [("stateful-resources-protected", M, "staging resource 'data-key' (aws:kms/key:Key) is not protected"),
      ("stateful-resources-protected", M, "staging resource 'data-bucket' (aws:s3/bucket:Bucket) is not protected")]),
    ("no cost-center tag", [resource("aws:iam/role:Role", "app-role", {
        "assumeRolePolicy": "{}", "tags": {"environment": "dev", "owner": "ml"}})],
     [("required-tags", M, "'app-role' (aws:iam/role:Role) lacks required tags: cost-center")]),
    ("sandbox within limits", gpu_pools(), []),
    ("sandbox without expiry", gpu_pools(expires=""),
     [("sandbox-expiry", M, "sandbox resource 'l4-ng' has no valid 'expires-at' tag (got ''): " + EXPIRY_FORMS)]),
    # Once a crash of the rule (exit 3, "timestamp out of range for platform time_t"), issue #18.
    ("sandbox expiry out of range", gpu_pools(expires="100000000000000000000"),
     [("sandbox-expiry", M, "sandbox resource 'l4-ng' has no valid 'expires-at' tag "
                            "(got '100000000000000000000'): " + EXPIRY_FORMS)]),
    ("sandbox expiry past year 9999", gpu_pools(expires="99999-01-01T00:00:00Z"),
     [("sandbox-expiry", M, "sandbox resource 'l4-ng' has no valid 'expires-at' tag "
                            "(got '99999-01-01T00:00:00Z'): " + EXPIRY_FORMS)]),
    # No zone: UTC, as the reaper reads it (infra/catalog/expiry.py).
    ("sandbox expiry without a zone", gpu_pools(expires="{soon_no_zone}"), []),
    ("sandbox expiry without a zone, too late", gpu_pools(expires="2099-01-01T00:00:00"),
     [("sandbox-expiry", M, "sandbox resource 'l4-ng' expires at 2099-01-01T00:00:00+00:00, beyond the "
                            "maximum TTL of 72 hours")]),
    ("sandbox expiring too late", gpu_pools(expires="2099-01-01T00:00:00Z"),
     [("sandbox-expiry", M, "sandbox resource 'l4-ng' expires at 2099-01-01T00:00:00+00:00, beyond the "
                            "maximum TTL of 72 hours")]),
    ("sandbox on-demand GPUs", gpu_pools(capacity="ON_DEMAND"),
     [("sandbox-spot-gpus", M, "sandbox GPU pool 'l4-ng' uses on-demand capacity; sandboxes use spot only")]),
    ("sandbox over the GPU cap", gpu_pools(max_nodes=2, gke_machine="a3-highgpu-8g"),
     [("sandbox-gpu-cap", M, "sandbox can grow to 10 GPUs (l4-ng: 2, h100-pool: 8); the cap is 8")]),
    ("dev may use on-demand GPUs without expiry", gpu_pools("dev", capacity="ON_DEMAND", max_nodes=4), []),
]


@pytest.mark.parametrize("stack, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_stack_rule(pack, stack, expected):
    assert triples(pack.analyze_stack(stack)) == expected


def test_every_stack_rule_has_a_violating_case(pack):
    from tests.policies.test_amp_rules import CASES as AMP_CASES
    from tests.policies.test_contract_rules import CASES as CONTRACT_CASES
    from tests.policies.test_dataset_rules import RULES as DATASET_RULES  # each broken there, one test per rule
    from tests.policies.test_gke_observability_rules import CASES as GKE_OBSERVABILITY_CASES
    from tests.policies.test_gke_observability_rules import GRAFANA_RULE, PUBLIC_RULE  # resource rules there too
    from tests.policies.test_gpu_platform_rules import CASES as GPU_PLATFORM_CASES

    stack_rules = {p.name for p in pack.info.policies if p.policy_type == 2}
    assert stack_rules == {rule for *_, expected in [*CASES, *HELM_CASES, *CONTRACT_CASES, *GKE_OBSERVABILITY_CASES,
                                                     *GPU_PLATFORM_CASES, *AMP_CASES]
                           for rule, _, _ in expected if rule not in (PUBLIC_RULE, GRAFANA_RULE)} | DATASET_RULES


def test_violations_carry_the_offending_resource_urn(pack):
    [finding] = pack.analyze_stack(s3_stack(versioning="Suspended"))
    assert finding.urn == f"urn:pulumi:test::mlinfra::{BUCKET}::data-bucket"
    assert finding.severity == "medium"


def test_unknown_flag_is_not_checked_and_other_buckets_still_are(pack):
    stack = s3_stack(pab={"ignorePublicAcls": False}) + s3_stack(pab={"blockPublicAcls": UNKNOWN}, prefix="logs")
    findings = pack.analyze_stack(stack)
    assert [(f.policy, f.not_checked, f.message) for f in findings] == [
        ("s3-public-access-block", False, "bucket 'acme-dev-data' public access block leaves off: ignorePublicAcls"),
        ("s3-public-access-block", True, "can't run policy 's3-public-access-block' from policy pack "
         "'mlinfra@v0.0.1' during preview: string value at .blockPublicAcls can't be known during preview")]
