"""Policies and documents of the AMP workspace, its scrapers and its readers, as plain data.

Sources, read 2026-11-29:
- Service Authorization Reference, Amazon Managed Service for Prometheus
  (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonmanagedserviceforprometheus.html):
  aps:QueryMetrics, aps:GetSeries, aps:GetLabels, aps:GetMetricMetadata and aps:RemoteWrite act on
  the `workspace` resource, `arn:${Partition}:aps:${Region}:${Account}:workspace/${WorkspaceId}`.
- AMP User Guide, "Set up Grafana open source ... for use with Amazon Managed Service for Prometheus"
  (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-onboard-query-standalone-grafana.html):
  a querying Grafana needs aps:QueryMetrics, aps:GetMetricMetadata, aps:GetSeries and aps:GetLabels.
- AMP User Guide, "Giving Amazon Managed Service for Prometheus permission to send alert messages
  to your Amazon SNS topic" (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-alertmanager-receiver-AMPpermission.html):
  the topic policy lets `aps.amazonaws.com` sns:Publish and sns:GetTopicAttributes with
  aws:SourceArn = the workspace and AWS:SourceAccount; an SSE topic's key must let the service use it.
- Amazon SNS Developer Guide, "Configuring AWS KMS permissions" (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html):
  a service publishing to an encrypted topic needs kms:GenerateDataKey* and kms:Decrypt on its key.
- AMP User Guide, "Create an alert manager configuration"
  (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-alertmanager-config.html): the
  definition is YAML with the Alertmanager configuration as a string under `alertmanager_config`;
  SNS (`sns_configs` with `topic_arn` and `sigv4.region`) is the only receiver; `repeat_interval`
  is capped at five days.
"""

from __future__ import annotations

import json

import yaml

from components.aws.kms_policy import account_root_statement

QUERY_ACTIONS = ("aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata")
APS_PRINCIPAL = "aps.amazonaws.com"
SNS_KMS_ACTIONS = ("kms:GenerateDataKey*", "kms:Decrypt")


def query_policy(workspace_arn: str) -> str:
    """Grafana's policy: the four query actions, on this workspace only."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "QueryWorkspace", "Effect": "Allow", "Action": list(QUERY_ACTIONS), "Resource": workspace_arn}]})


def topic_policy(topic_arn: str, workspace_arn: str, account_id: str) -> str:
    """The alert topic's policy: only this workspace's alert manager may publish (confused-deputy conditions)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "AmpAlertManagerPublish", "Effect": "Allow", "Principal": {"Service": APS_PRINCIPAL},
        "Action": ["sns:Publish", "sns:GetTopicAttributes"], "Resource": topic_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": workspace_arn},
                      "StringEquals": {"aws:SourceAccount": account_id}}}]})


def observability_key_policy(account_id: str, region: str) -> str:
    """The alert topic's key: the account administers it; AMP's alert manager may encrypt to the SNS topic.

    A workspace given this key (AmpWorkspaceArgs.customer_managed_key) uses it through grants AMP creates
    with the deploying identity's permissions, so it needs no statement here; the SNS publisher does (it
    is the aps service).
    """
    return json.dumps({"Version": "2012-10-17", "Statement": [
        account_root_statement(account_id),
        {"Sid": "AmpAlertManagerEncryptToTopic", "Effect": "Allow", "Principal": {"Service": APS_PRINCIPAL},
         "Action": list(SNS_KMS_ACTIONS), "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceAccount": account_id},
                       "ArnLike": {"aws:SourceArn": f"arn:aws:aps:{region}:{account_id}:workspace/*"}}},
    ]})


def alert_manager_definition(topic_arn: str, region: str) -> str:
    """The workspace's alert manager: every alert, grouped per alert and cluster, to the SNS topic."""
    config = {
        "route": {"receiver": "sns", "group_by": ["alertname", "cluster"], "group_wait": "30s",
                  "group_interval": "5m", "repeat_interval": "4h"},
        "receivers": [{"name": "sns", "sns_configs": [
            {"topic_arn": topic_arn, "sigv4": {"region": region}, "send_resolved": True}]}],
    }
    return yaml.safe_dump({"alertmanager_config": yaml.safe_dump(config, sort_keys=False)}, sort_keys=False)
