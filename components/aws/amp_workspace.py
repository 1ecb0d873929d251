"""An Amazon Managed Service for Prometheus workspace with its alerting: rules, alert manager, SNS topic.

One per stack. The workspace, the topic and its key are the stack's; what writes to it (a managed
scraper per EKS cluster, `AmpScraper`) and what reads it (Grafana) are wired by the caller.
The policy documents and their sources are in amp_policies.py.

The key always encrypts the alert topic; it encrypts the workspace only when `customer_managed_key`
says so, because "Workspaces created with customer managed keys cannot use AWS managed collectors for
ingestion" (AMP User Guide, "Encryption at rest", https://docs.aws.amazon.com/prometheus/latest/userguide/
encryption-at-rest-Amazon-Service-Prometheus.html, read 2026-12-07). Without it the workspace uses the AWS
owned key ("If this argument is not provided, then the AWS owned encryption key will be used", pulumi_aws
7.51.1 amp.Workspace `kms_key_arn`). The key of a workspace is fixed at creation, so changing this
replaces the workspace. docs/observability.md, "Which key encrypts the metrics", weighs the sources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws.amp_policies import alert_manager_definition, observability_key_policy, topic_policy
from components.tags import with_tags

# One namespace holds the platform's rules; a team's own rules would go in namespaces of their own.
RULES_NAMESPACE = "mlinfra-platform"


@dataclass(frozen=True)
class AmpWorkspaceArgs:
    """Inputs of AmpWorkspace."""

    alias: str
    """The workspace alias and the topic name: unique per stack (`<stack>-metrics`)."""
    region: str
    account_id: pulumi.Input[str]
    rules_yaml: str
    """The Prometheus rule file (`{"groups": [...]}`) as YAML, rendered by components.monitoring."""
    customer_managed_key: bool
    """Encrypt the workspace with the stack's key; only where no AWS managed scraper writes to it."""
    emails: Sequence[str] = ()
    """Email addresses subscribed to the alert topic (each confirms by mail before it receives anything)."""
    webhook_url: pulumi.Input[str] | None = None
    """An HTTPS endpoint subscribed to the alert topic; a secret, and kept one."""
    protect: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)


class AmpWorkspace(pulumi.ComponentResource):
    """KMS key, workspace, rule groups namespace, encrypted SNS topic, its subscriptions and the alert manager."""

    workspace_arn: pulumi.Output[str]
    workspace_id: pulumi.Output[str]
    query_endpoint: pulumi.Output[str]
    topic_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AmpWorkspaceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:aws:AmpWorkspace", name, None, opts)
        if args.webhook_url is not None and isinstance(args.webhook_url, str) \
                and not args.webhook_url.startswith("https://"):
            raise ValueError("webhook_url must be an https:// URL (SNS delivers alerts to HTTPS endpoints only)")
        child = pulumi.ResourceOptions(parent=self)
        keep = pulumi.ResourceOptions(parent=self, protect=args.protect)
        account = pulumi.Output.from_input(args.account_id)
        encrypts = "metrics and alerts" if args.customer_managed_key else "alerts"
        key = aws.kms.Key(
            f"{name}-key", description=f"The {encrypts} of {args.alias}", enable_key_rotation=True,
            deletion_window_in_days=30, policy=account.apply(lambda a: observability_key_policy(a, args.region)),
            tags=with_tags(args.tags, Name=f"{args.alias}-metrics"), opts=keep)
        workspace = aws.amp.Workspace(
            f"{name}-workspace", alias=args.alias, kms_key_arn=key.arn if args.customer_managed_key else None,
            tags=with_tags(args.tags, Name=args.alias), opts=keep)
        aws.amp.RuleGroupNamespace(
            f"{name}-rules", name=RULES_NAMESPACE, workspace_id=workspace.id, data=args.rules_yaml,
            tags=args.tags, opts=child)
        topic = aws.sns.Topic(
            f"{name}-alerts", name=f"{args.alias}-alerts", kms_master_key_id=key.arn,
            tags=with_tags(args.tags, Name=f"{args.alias}-alerts"), opts=child)
        aws.sns.TopicPolicy(
            f"{name}-alerts", arn=topic.arn, opts=child,
            policy=pulumi.Output.all(topic.arn, workspace.arn, account).apply(lambda v: topic_policy(*v)))
        for email in args.emails:
            aws.sns.TopicSubscription(
                f"{name}-email-{_subscription_key(email)}", topic=topic.arn, protocol="email", endpoint=email,
                opts=child)
        if args.webhook_url is not None:
            aws.sns.TopicSubscription(
                f"{name}-webhook", topic=topic.arn, protocol="https",
                endpoint=pulumi.Output.secret(args.webhook_url), opts=child)
        # Computed, not read from the topic, so the plan shows where alerts go before the topic exists.
        topic_arn = account.apply(lambda a: f"arn:aws:sns:{args.region}:{a}:{args.alias}-alerts")
        aws.amp.AlertManagerDefinition(
            f"{name}-alertmanager", workspace_id=workspace.id,
            definition=topic_arn.apply(lambda arn: alert_manager_definition(arn, args.region)),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[topic]))
        self.workspace_arn = workspace.arn
        self.workspace_id = workspace.id
        self.query_endpoint = workspace.prometheus_endpoint
        self.topic_arn = topic.arn
        self.register_outputs({"workspace_arn": self.workspace_arn, "workspace_id": self.workspace_id,
                               "query_endpoint": self.query_endpoint, "topic_arn": self.topic_arn})


def _subscription_key(email: str) -> str:
    """A resource-name-safe key for an email address, stable while the address is."""
    return "".join(c if c.isalnum() else "-" for c in email.lower()).strip("-")
