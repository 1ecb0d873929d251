"""The AMP managed (agentless) scraper of one EKS cluster, writing to its own account's workspace.

No pods to run: AMP puts one network interface per given subnet into the cluster's VPC and scrapes
from there. Its Kubernetes access is an EKS access entry AMP creates itself when the cluster's
authentication mode is API (this project's clusters use access entries only), granting get/list/watch
on nodes, pods, services, endpoints, ingresses and configmaps and get on /metrics (AMP User Guide,
"Configuring your Amazon EKS cluster", https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-collector-how-to.html,
read 2026-11-29).

It writes with its service-linked role, which CreateScraper makes "if needed" (AMP API Reference,
CreateScraper, boto/botocore@0e6e2404:botocore/data/amp/2020-08-01/service-2.json, read 2026-12-07;
`AWSServiceRoleForAmazonPrometheusScraper...` in the same user guide page; the deploy role may create it,
components/aws/ci_policies.SERVICE_LINKED). No `role_configuration`: the API reference describes it as
"used in the source account to enable cross-account scraping" only, and the workspace it writes to has
the AWS owned key because AWS managed collectors cannot write to a workspace with a customer managed key
(docs/observability.md, "Which key encrypts the metrics"; policy rule `amp-workspace-key`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.tags import with_tags


@dataclass(frozen=True)
class AmpScraperArgs:
    """Inputs of AmpScraper."""

    cluster_name: str
    cluster_arn: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    """The cluster's private subnets: at least two, in two zones (AMP refuses fewer)."""
    security_group_id: pulumi.Input[str]
    """The cluster security group, which the nodes share, so the scraper reaches their pods."""
    workspace_arn: pulumi.Input[str]
    """A workspace of the same account and region, encrypted with the AWS owned key."""
    scrape_configuration: str
    """The Prometheus scrape configuration YAML (components.aws.scrape_config)."""
    tags: Mapping[str, str] = field(default_factory=dict)


class AmpScraper(pulumi.ComponentResource):
    """The managed scraper of one cluster, writing to one workspace with its service-linked role."""

    scraper_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AmpScraperArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:AmpScraper", name, None, opts)
        if len(args.subnet_ids) < 2:
            raise ValueError(f"{args.cluster_name}: the managed scraper needs subnets in at least two zones "
                             f"(got {len(args.subnet_ids)})")
        scraper = aws.amp.Scraper(
            f"{name}-scraper", alias=f"{args.cluster_name}-metrics",
            source={"eks": {"cluster_arn": args.cluster_arn, "subnet_ids": list(args.subnet_ids),
                            "security_group_ids": [args.security_group_id]}},
            destination={"amp": {"workspace_arn": args.workspace_arn}},
            scrape_configuration=args.scrape_configuration,
            tags=with_tags(args.tags, Name=f"{args.cluster_name}-metrics"),
            opts=pulumi.ResourceOptions(parent=self))
        self.scraper_arn = scraper.arn
        self.register_outputs({"scraper_arn": self.scraper_arn})
