"""Observability rules on AWS: the metrics workspace and the alert topic are encrypted with a
customer-managed key, and whoever reads or writes metrics does so on named workspaces only.

Facts the rules rely on (read 2026-11-29): a workspace created without `kmsKeyArn` uses an AWS
owned key and can never be converted to a customer managed one (AMP User Guide, "Encryption at
rest", https://docs.aws.amazon.com/prometheus/latest/userguide/encryption-at-rest-Amazon-Service-Prometheus.html);
AMP's alert manager publishes to an SSE topic only if the topic's key policy lets the service use
the key (AMP User Guide, AMP-alertmanager-receiver-AMPpermission.html), which the AWS managed
`alias/aws/sns` key's fixed policy does not; aps:QueryMetrics, GetSeries, GetLabels,
GetMetricMetadata and RemoteWrite take a `workspace` resource ARN (Service Authorization Reference,
list_amazonmanagedserviceforprometheus.html).
"""

from __future__ import annotations

from aws_iam import _as_list, _statements  # one reading of policy documents for the pack
from pulumi_policy.proxy import UnknownValueError
from rulekit import HIGH, dig, fmt, has, resource_rule

WORKSPACE = "aws:amp/workspace:Workspace"
TOPIC = "aws:sns/topic:Topic"
POLICY_DOCS = {"aws:iam/policy:Policy": "policy", "aws:iam/rolePolicy:RolePolicy": "policy"}
ROLE = "aws:iam/role:Role"
DATA_ACTIONS = frozenset({"aps:querymetrics", "aps:getseries", "aps:getlabels", "aps:getmetricmetadata",
                          "aps:remotewrite"})
AWS_MANAGED_SNS_KEY = "alias/aws/sns"


def _workspace_key(props, ctx):
    # `has`, not the value: the key's ARN is unknown until the key exists.
    if not has(props, "kmsKeyArn"):
        yield f"AMP workspace '{ctx.name}' is not encrypted with a customer-managed KMS key (kmsKeyArn)"


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
    resource_rule(
        "amp-workspace-encrypted",
        "Prometheus workspaces are encrypted with a customer-managed KMS key (AWS: a workspace's key is chosen at "
        "creation and never changes)",
        types=[WORKSPACE], check=_workspace_key, severity=HIGH,
        remediation="Create workspaces through AmpWorkspace, which creates a key with rotation and an explicit "
                    "policy."),
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
