"""Prices of networking and edge-security resources, each with where it was read and when.

Read on 2026-11-29 with the project's search tool. "list" means the figure was read on the
provider's own pricing page; "estimate" means the provider's page (as stored) did not show the
figure and it comes from the third-party source named, to be re-checked before anyone relies on
it. Usage-based prices state the volume the cost model assumes, or that it assumes none.
Prices are for AWS us-east-1 and Google Cloud us-central1, like the rest of the catalog
(infra/catalog/prices.json holds the per-region rows, each with its source).
"""

from __future__ import annotations

from dataclasses import dataclass

READ_ON = "2026-11-29"


@dataclass(frozen=True)
class NetRate:
    """A unit price, its unit, its source and how sure it is."""

    usd: float
    unit: str
    source: str
    basis: str = "list"  # "list" (read at the provider) or "estimate" (third party, see source)
    as_of: str = READ_ON


# Cloud NAT (Public NAT): per assigned VM per hour up to 32 VMs, a flat hourly rate above that,
# per GiB processed both ways, and per hour for each external IP the gateway uses.
_NAT = "https://cloud.google.com/nat/pricing"
CLOUD_NAT_PER_VM = NetRate(0.0014, "VM-hour", _NAT)
CLOUD_NAT_VM_CAP = 32
CLOUD_NAT_MAX = NetRate(0.044, "hour", _NAT)
CLOUD_NAT_DATA = NetRate(0.045, "GiB processed", _NAT)
CLOUD_NAT_IP = NetRate(0.005, "hour", _NAT)

# Global forwarding rules (what a GKE Gateway of class gke-l7-global-external-managed creates):
# the first five per project at one rate, more at another; data processed is charged per region.
_LB = "https://cloud.google.com/load-balancing/pricing"
GCP_FORWARDING_RULE = NetRate(0.025, "hour", _LB + " (global forwarding rule, first 5)")
GCP_LB_DATA = NetRate(0.008, "GiB processed", _LB + " (us-central1, inbound and outbound each)")

# An external IPv4 address in use. Google's network pricing page was not in the stored pages;
# the figure is as a public cost write-up quotes it from that page.
GCP_EXTERNAL_IP = NetRate(
    0.005, "hour",
    "https://cloud.google.com/vpc/network-pricing as quoted (read 2026-10-16) by "
    "github.com/ChiefGyk3D/Clouds-Against-Humanity/wiki/Provider-GCP-Cost-Lesson",
    basis="estimate")

# Interface VPC endpoints: per endpoint per AZ per hour, plus per GB processed (first PB tier).
# The official page (as stored) shows the per-GB tiers and that hours are billed per AZ, not
# the hourly figure; that comes from a public CDK example.
_PRIVATELINK = "https://aws.amazon.com/privatelink/pricing/"
INTERFACE_ENDPOINT_AZ_HOUR = NetRate(
    0.01, "AZ-hour",
    _PRIVATELINK + " (billed per AZ); hourly figure as quoted by "
    "gist.github.com/jousby/8a5e422d94821074b957a59d125b27a8", basis="estimate")
INTERFACE_ENDPOINT_DATA = NetRate(0.01, "GB processed", _PRIVATELINK + " (first 1 PB per region)")

# Load balancer capacity units. The AWS page (as stored) names LCU/NLCU billing but not the
# rates; these are as a public handbook and a cost guide list them for us-east-1.
_LCU_SOURCES = ("https://aws.amazon.com/elasticloadbalancing/pricing/ (LCU billing); rate as listed by "
                "handbook.vantage.sh/aws/services/elb-pricing and awsnegotiations.com/elastic-load-balancer-cost.html")
ALB_LCU = NetRate(0.008, "LCU-hour", _LCU_SOURCES, basis="estimate")
NLB_NLCU = NetRate(0.006, "NLCU-hour", _LCU_SOURCES, basis="estimate")
ASSUMED_LCUS = 1  # one capacity unit on average: a lightly used inference endpoint

# AWS WAF: per web ACL per month, per rule (a managed rule group counts as one) per month, per
# million requests. The AWS blog confirms the three meters and that prices are the same in
# every region; the figures are as two cost guides list them.
_WAF = ("https://aws.amazon.com/waf/pricing/ (meters per aws.amazon.com/blogs/networking-and-content-delivery/"
        "cost-effective-ways-for-securing-your-web-applications-using-aws-waf/); figures as listed by "
        "c3x.dev/blog/aws-waf-cost-explained/ and awsnegotiations.com/waf-pricing-strategy.html")
WAF_WEB_ACL = NetRate(5.00, "month", _WAF, basis="estimate")
WAF_RULE = NetRate(1.00, "month", _WAF, basis="estimate")
WAF_REQUESTS = NetRate(0.60, "million requests", _WAF, basis="estimate")

# Amazon ECR private repository storage. aws.amazon.com/ecr/pricing/ was not in the stored pages;
# the figure is as two cost guides quote that page for us-east-1 (March 2026).
ECR_STORAGE = NetRate(
    0.10, "GB-month",
    "https://aws.amazon.com/ecr/pricing/ (estimate: as quoted by cloudburn.io/blog/amazon-ecr-pricing and "
    "www.wring.co/blog/aws-ecr-pricing-guide)", basis="estimate")
