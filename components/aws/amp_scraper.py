"""The AMP managed (agentless) scraper of one EKS cluster, writing to a KMS-encrypted workspace.

No pods to run: AMP puts one network interface per given subnet into the cluster's VPC and scrapes
from there. Its Kubernetes access is an EKS access entry AMP creates itself when the cluster's
authentication mode is API (this project's clusters use access entries only), granting get/list/watch
on nodes, pods, services, endpoints, ingresses and configmaps and get on /metrics (AMP User Guide,
"Configuring your Amazon EKS cluster", https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-collector-how-to.html,
read 2026-11-29). A workspace with a customer managed key needs `role_configuration`: the roles and
their policies are in amp_policies.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws.amp_policies import (
    remote_write_policy,
    scraper_source_policy,
    scraper_source_trust,
    scraper_target_trust,
)
from components.aws.iam import RoleBounds
from components.tags import with_tags

# RoleName: "Length Constraints: Minimum length of 1. Maximum length of 64." (IAM API Reference, PolicyRole,
# https://docs.aws.amazon.com/goto/WebAPI/iam-2010-05-08/PolicyRole, read 2026-11-29).
IAM_ROLE_NAME_MAX = 64


def role_arn(account_id: str, path: str, name: str) -> str:
    """A role's ARN from its account, IAM path and name: arn:aws:iam::<account>:role<path><name>."""
    return f"arn:aws:iam::{account_id}:role{path}{name}"


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
    region: str
    account_id: pulumi.Input[str]
    scrape_configuration: str
    """The Prometheus scrape configuration YAML (components.aws.scrape_config)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    bounds: RoleBounds = field(default_factory=RoleBounds)


class AmpScraper(pulumi.ComponentResource):
    """Source and target roles (remote write to one workspace only) and the managed scraper."""

    scraper_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AmpScraperArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:AmpScraper", name, None, opts)
        if len(args.subnet_ids) < 2:
            raise ValueError(f"{args.cluster_name}: the managed scraper needs subnets in at least two zones "
                             f"(got {len(args.subnet_ids)})")
        child = pulumi.ResourceOptions(parent=self)
        account = pulumi.Output.from_input(args.account_id)
        # Named, so each role's ARN is known before it exists and the two trust each other in the plan.
        source_name, target_name = f"{args.cluster_name}-amp-source", f"{args.cluster_name}-amp-target"
        if len(target_name) > IAM_ROLE_NAME_MAX:
            raise ValueError(f"role name {target_name!r} is longer than IAM's {IAM_ROLE_NAME_MAX} characters")
        source_arn = account.apply(lambda a: role_arn(a, args.bounds.path, source_name))
        target_arn = account.apply(lambda a: role_arn(a, args.bounds.path, target_name))
        source = aws.iam.Role(
            f"{name}-source", name=source_name, tags=args.tags, opts=child, **args.bounds.role(),
            description=f"AMP managed scraper of {args.cluster_name}: assumes the target role only",
            assume_role_policy=account.apply(lambda a: scraper_source_trust(args.region, a)))
        target = aws.iam.Role(
            f"{name}-target", name=target_name, tags=args.tags, opts=child, **args.bounds.role(),
            description=f"AMP managed scraper of {args.cluster_name}: remote write to its workspace",
            assume_role_policy=pulumi.Output.all(source_arn, account).apply(
                lambda v: scraper_target_trust(v[0], args.region, v[1])))
        aws.iam.RolePolicy(f"{name}-source", role=source.name, opts=child,
                           policy=target_arn.apply(scraper_source_policy))
        write = aws.iam.RolePolicy(f"{name}-target", role=target.name, opts=child,
                                   policy=pulumi.Output.from_input(args.workspace_arn).apply(remote_write_policy))
        scraper = aws.amp.Scraper(
            f"{name}-scraper", alias=f"{args.cluster_name}-metrics",
            source={"eks": {"cluster_arn": args.cluster_arn, "subnet_ids": list(args.subnet_ids),
                            "security_group_ids": [args.security_group_id]}},
            destination={"amp": {"workspace_arn": args.workspace_arn}},
            role_configuration={"source_role_arn": source.arn, "target_role_arn": target.arn},
            scrape_configuration=args.scrape_configuration,
            tags=with_tags(args.tags, Name=f"{args.cluster_name}-metrics"),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[write, source]))
        self.scraper_arn = scraper.arn
        self.register_outputs({"scraper_arn": self.scraper_arn})
