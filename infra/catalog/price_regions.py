"""Which regions the catalog's prices hold for, with the source that says so.

Every figure in the catalog was read for one region per cloud (HOME_REGIONS). A price holds in
another region only where a source says so: then it is listed here, per price family, with that
source and the day it was read. A resource in any other region is reported as unpriced with the
reason, never priced at the home region's rate (prices differ between regions).

Price families are the names the cost model gives each price: the resource type for most, the
machine type for node pools ("aws:ec2:<type>", "gcp:compute:<type>"), the gateway class for GKE
Gateways ("gateway:<class>") and the managed-Prometheus service for observability. Plain data.
"""

from __future__ import annotations

from dataclasses import dataclass

READ_ON = "2026-11-29"

# The region each cloud's catalog prices were read for.
HOME_REGIONS: dict[str, str] = {"aws": "us-east-1", "gcp": "us-central1"}

# Marks a family whose price does not depend on the region (any region, "global" included).
EVERY_REGION = "*"


@dataclass(frozen=True)
class AlsoHolds:
    """Regions besides the home one where a family's catalog price holds, and who says so."""

    regions: tuple[str, ...]
    source: str
    as_of: str = READ_ON


ALSO_HOLDS: dict[str, AlsoHolds] = {
    # "The pricing for AWS WAF is consistent across all AWS Regions." (the AWS networking blog already
    # cited for WAF in infra/catalog/network_prices.py, read again 2026-11-29).
    "aws:wafv2/webAcl:WebAcl": AlsoHolds(
        (EVERY_REGION,),
        "aws.amazon.com/blogs/networking-and-content-delivery/cost-effective-ways-for-securing-your-web-"
        "applications-using-aws-waf/ (WAF prices are the same in every region)"),
    # The public IPv4 charge (US$0.005 per address-hour from 2024-02-01) applies in all AWS regions, as
    # techpartner.news/news/aws-to-charge-for-ipv4-addresses-598672 reports AWS's announcement, and
    # haufe-akademie.de/en/skill-it/blog/aws-gebuehren-ipv4-adressen ("All AWS regions are affected").
    # Read 2026-11-29; the AWS announcement itself was not in the stored pages.
    "aws:ec2/eip:Eip": AlsoHolds(
        (EVERY_REGION,),
        "AWS public IPv4 charge, the same in all regions as reported by "
        "techpartner.news/news/aws-to-charge-for-ipv4-addresses-598672"),
    # "Each AWS KMS key that you create in KMS costs $1/month", the same "for ... each multi-Region key
    # (each primary and each replica multi-region key)": one price wherever the key or its replica is
    # (aws.amazon.com/kms/pricing/, read 2026-11-29; no regional table).
    "aws:kms/key:Key": AlsoHolds(
        (EVERY_REGION,), "https://aws.amazon.com/kms/pricing/ (one key price, replicas in any region alike)"),
    # AWS's announcement of EKS version-support pricing: clusters in standard support "continue to pay
    # $0.10 per cluster per hour", in extended support "a total of $0.60 per cluster per hour", with no
    # regional qualification (aws.amazon.com/blogs/containers/amazon-eks-extended-support-for-kubernetes-
    # versions-pricing/, read 2026-11-29 through a stored mirror).
    "aws:eks/cluster:Cluster": AlsoHolds(
        (EVERY_REGION,),
        "aws.amazon.com/blogs/containers/amazon-eks-extended-support-for-kubernetes-versions-pricing/ "
        "(one per-cluster price for every EKS cluster)"),
    # A global forwarding rule and a global address are project-wide resources: no region to differ
    # by. cloud.google.com/load-balancing/pricing lists one global forwarding-rule price (read 2026-11-29).
    "gateway:gke-l7-global-external-managed": AlsoHolds(
        (EVERY_REGION,), "https://cloud.google.com/load-balancing/pricing (global forwarding rules: one price)"),
    "gateway:gke-l7-gxlb": AlsoHolds(
        (EVERY_REGION,), "https://cloud.google.com/load-balancing/pricing (global forwarding rules: one price)"),
}


def holds_in(family: str, cloud: str, region: str) -> tuple[bool, AlsoHolds | None]:
    """Whether the catalog price of `family` holds in `region`, and the entry saying so outside home."""
    if region == HOME_REGIONS.get(cloud):
        return True, None
    extended = ALSO_HOLDS.get(family)
    if extended is not None and (EVERY_REGION in extended.regions or region in extended.regions):
        return True, extended
    return False, None
