"""Workload access to buckets through EKS Pod Identity: trust limited to one service account, least privilege."""

import json

import pytest

from components.aws.pod_identity import (
    WorkloadBucketAccess,
    WorkloadBucketAccessArgs,
    bucket_access_policy,
    pod_identity_trust_policy,
)

CLUSTER_ARN = "arn:aws:eks:us-east-1:123456789012:cluster/prod-train"


def test_trust_is_limited_to_account_cluster_namespace_and_service_account():
    [statement] = json.loads(pod_identity_trust_policy("123456789012", CLUSTER_ARN, "ml", "trainer"))["Statement"]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert statement["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012",
                         "aws:RequestTag/kubernetes-namespace": "ml",
                         "aws:RequestTag/kubernetes-service-account": "trainer"},
        "ArnEquals": {"aws:SourceArn": CLUSTER_ARN},
    }


def test_read_grant_names_only_the_bucket_and_read_actions():
    policy = json.loads(bucket_access_policy({"acme-prod-datasets": "read"},
                                             {"acme-prod-datasets": "arn:aws:kms:us-east-1:1:key/k"}))
    assert policy["Statement"] == [
        {"Sid": "AcmeProdDatasetsBucket", "Effect": "Allow", "Resource": "arn:aws:s3:::acme-prod-datasets",
         "Action": ["s3:ListBucket", "s3:GetBucketLocation"]},
        {"Sid": "AcmeProdDatasetsObjects", "Effect": "Allow", "Resource": "arn:aws:s3:::acme-prod-datasets/*",
         "Action": ["s3:GetObject", "s3:GetObjectVersion"]},
        {"Sid": "AcmeProdDatasetsKey", "Effect": "Allow", "Resource": "arn:aws:kms:us-east-1:1:key/k",
         "Action": ["kms:Decrypt"]},
    ]


def test_read_write_grant_adds_write_actions_and_data_keys_but_no_wildcards():
    policy = json.loads(bucket_access_policy({"ckpt": "read-write"}, {"ckpt": "arn:aws:kms:us-east-1:1:key/k"}))
    actions = [a for s in policy["Statement"] for a in s["Action"]]
    assert "s3:PutObject" in actions and "s3:DeleteObject" in actions and "kms:GenerateDataKey" in actions
    assert not any("*" in a for a in actions)
    assert all(s["Resource"] != "*" for s in policy["Statement"])
    with pytest.raises(ValueError, match="access must be one of"):
        bucket_access_policy({"ckpt": "admin"}, {})


def test_component_registers_role_policy_and_association(register):
    def program():
        return WorkloadBucketAccess("train-trainer", WorkloadBucketAccessArgs(
            cluster_name="prod-train", cluster_arn=CLUSTER_ARN, account_id="123456789012",
            namespace="ml", service_account="trainer",
            buckets={"acme-prod-datasets": "read", "acme-prod-checkpoints": "read-write"},
            bucket_key_arns={"acme-prod-datasets": "arn:aws:kms:us-east-1:1:key/d",
                             "acme-prod-checkpoints": "arn:aws:kms:us-east-1:1:key/c"}))

    reg = register(program)
    role = reg.one("aws:iam/role:Role", "train-trainer-role")
    assert json.loads(role.inputs["assumeRolePolicy"]) == json.loads(
        pod_identity_trust_policy("123456789012", CLUSTER_ARN, "ml", "trainer"))
    policy = reg.one("aws:iam/rolePolicy:RolePolicy", "train-trainer-buckets")
    resources = sorted({s["Resource"] for s in json.loads(policy.inputs["policy"])["Statement"]})
    assert resources == ["arn:aws:kms:us-east-1:1:key/c", "arn:aws:kms:us-east-1:1:key/d",
                         "arn:aws:s3:::acme-prod-checkpoints", "arn:aws:s3:::acme-prod-checkpoints/*",
                         "arn:aws:s3:::acme-prod-datasets", "arn:aws:s3:::acme-prod-datasets/*"]
    association = reg.one("aws:eks/podIdentityAssociation:PodIdentityAssociation").inputs
    assert {k: association[k] for k in ("clusterName", "namespace", "serviceAccount")} == {
        "clusterName": "prod-train", "namespace": "ml", "serviceAccount": "trainer"}
