"""Observability rules on AWS: a metrics workspace's key fits what writes to it, the alert topic is
encrypted with a customer-managed key, and whoever reads or writes metrics does so on named workspaces only.

Facts the rules rely on (read 2026-11-29 and 2026-12-07): a workspace created without `kmsKeyArn` uses an
AWS owned key and can never be converted to a customer managed one, and "Workspaces created with customer
managed keys cannot use AWS managed collectors for ingestion" (AMP User Guide, "Encryption at rest",
https://docs.aws.amazon.com/prometheus/latest/userguide/encryption-at-rest-Amazon-Service-Prometheus.html);
a scraper's `roleConfiguration` is "to enable cross-account scraping" (AMP API Reference, RoleConfiguration,
as boto/botocore@0e6e2404:botocore/data/amp/2020-08-01/service-2.json carries it). docs/observability.md
("Which key encrypts the metrics") says why the platform reads these over the collector page's paragraph
that offers same-account role configuration for such workspaces;
AMP's alert manager publishes to an SSE topic only if the topic's key policy lets the service use
the key (AMP User Guide, AMP-alertmanager-receiver-AMPpermission.html), which the AWS managed
`alias/aws/sns` key's fixed policy does not; aps:QueryMetrics, GetSeries, GetLabels,
GetMetricMetadata and RemoteWrite take a `workspace` resource ARN (Service Authorization Reference,
list_amazonmanagedserviceforprometheus.html).
"""

from __future__ import annotations

from aws_iam import _as_list, _statements  # one reading of policy documents for the pack
from pulumi_policy.proxy import UnknownValueError
from rulekit import HIGH, dig, fmt, has, resource_rule, stack_rule

WORKSPACE = "aws:amp/workspace:Workspace"
SCRAPER = "aws:amp/scraper:Scraper"
TOPIC = "aws:sns/topic:Topic"
POLICY_DOCS = {"aws:iam/policy:Policy": "policy", "aws:iam/rolePolicy:RolePolicy": "policy"}
ROLE = "aws:iam/role:Role"
DATA_ACTIONS = frozenset({"aps:querymetrics", "aps:getseries", "aps:getlabels", "aps:getmetricmetadata",
                          "aps:remotewrite"})
AWS_MANAGED_SNS_KEY = "alias/aws/sns"


def _scrapers_writing_to(workspace, view) -> list[str]:
    """The managed scrapers of the stack whose destination is `workspace` (by the recorded dependency)."""
    return sorted(r.name for r in view.resources if r.resource_type == SCRAPER
                  and any(d.urn == workspace.urn for d in r.property_dependencies.get("destination", [])))


def _workspace_key(resource, view):
    # `has`, not the value: the key's ARN is unknown until the key exists.
    if resource.resource_type == SCRAPER:
        if has(resource.props, "roleConfiguration") and resource.property_dependencies.get("destination"):
            yield (f"AMP scraper '{resource.name}' writes to a workspace of this stack through roleConfiguration, "
                   "which AWS documents for cross-account writes only; leave it out (the scraper's service-linked "
                   "role writes in its own account)")
        return
    scrapers = _scrapers_writing_to(resource, view)
    encrypted = has(resource.props, "kmsKeyArn")
    if scrapers and encrypted:
        yield (f"AMP workspace '{resource.name}' is encrypted with a customer-managed KMS key (kmsKeyArn) but the "
               f"AWS managed scrapers {fmt(scrapers)} write to it, which AWS does not support for such "
               "workspaces; leave kmsKeyArn out (AWS owned key)")
    elif not scrapers and not encrypted:
        yield (f"AMP workspace '{resource.name}' is not encrypted with a customer-managed KMS key (kmsKeyArn) and "
               "no AWS managed scraper writes to it")


def _topic_key(props, ctx):
    if not has(props, "kmsMasterKeyId"):
        yield f"SNS topic '{ctx.name}' is not encrypted (kmsMasterKeyId)"
        return
    try:
        key = dig(props, "kmsMasterKeyId")
    except UnknownValueError:
        return  # a key created in this stack: its ARN is known only after apply
    if key == AWS_MANAGED_SNS_KEY:
        yield (f"SNS topic '{ctx.name}' uses the AWS managed key {AWS_MANAGED_SNS_KEY}, whose policy no service "
               "publisher can be added to")


def _unscoped_data_actions(document) -> set[str]:
    """aps query / remote-write actions allowed on something other than a named workspace."""
    found = set()
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        actions = {str(a) for a in _as_list(statement.get("Action", [])) if str(a).lower() in DATA_ACTIONS}
        resources = [str(r) for r in _as_list(statement.get("Resource", []))]
        named = all(":workspace/" in r and not r.endswith("workspace/*") for r in resources) and resources
        if actions and not named:
            found |= actions
    return found


def _metrics_access_scoped(props, ctx):
    documents = [dig(props, POLICY_DOCS[ctx.type])] if ctx.type in POLICY_DOCS else [
        dig(p, "policy") for p in dig(props, "inlinePolicies", default=[])]
    found = set().union(*(_unscoped_data_actions(d) for d in documents if d))
    if found:
        yield f"'{ctx.name}' allows {fmt(found)} on any workspace; name the workspace's ARN"


RULES = [
    stack_rule(
        "amp-workspace-key",
        "A Prometheus workspace that an AWS managed scraper writes to uses the AWS owned key, any other a "
        "customer-managed KMS key; scrapers write to their own account's workspace without roleConfiguration "
        "(AWS: workspaces with customer managed keys cannot use AWS managed collectors; a key is chosen at "
        "creation and never changes)",
        types=[WORKSPACE, SCRAPER], check=_workspace_key, severity=HIGH,
        remediation="Create workspaces and scrapers through AmpWorkspace and AmpScraper (infra/compose/"
                    "observability_aws.py): the workspace a scraper writes to has customer_managed_key=False."),
    resource_rule(
        "sns-topic-encrypted",
        "SNS topics are encrypted with a customer-managed KMS key (practice: Checkov CKV_AWS_26)",
        types=[TOPIC], check=_topic_key, severity=HIGH,
        remediation="Set kmsMasterKeyId to a customer-managed key whose policy lets the publishing service use "
                    "it (AmpWorkspace does)."),
    resource_rule(
        "amp-access-scoped",
        "Roles query and remote-write named Prometheus workspaces only (AWS: the aps query and remote-write "
        "actions take a workspace ARN)",
        types=[ROLE, *POLICY_DOCS], check=_metrics_access_scoped, severity=HIGH,
        remediation="Name the workspace ARN in the statement's Resource (components/aws/amp_policies.py)."),
]
