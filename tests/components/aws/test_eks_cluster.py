import json

import pytest

from components.aws.eks_cluster import (
    AccessEntry,
    EksCluster,
    EksClusterArgs,
    cluster_arn,
    endpoint_access,
    secrets_key_policy,
)

ARGS = dict(cluster_name="dev-train", kubernetes_version="1.33", subnet_ids=["subnet-a", "subnet-b"])


def test_endpoint_is_private_without_an_allowlist():
    assert endpoint_access([]) == {"endpoint_private_access": True, "endpoint_public_access": False}


def test_endpoint_public_only_for_the_allowlist():
    assert endpoint_access(["203.0.113.0/24"])["public_access_cidrs"] == ["203.0.113.0/24"]
    with pytest.raises(ValueError, match="0.0.0.0/0"):
        endpoint_access(["0.0.0.0/0"])


def test_cluster_secure_defaults(register):
    reg = register(lambda: EksCluster("train", EksClusterArgs(**ARGS, tags={"owner": "ml"})))
    cluster = reg.one("aws:eks/cluster:Cluster", "train-cluster")
    inputs = cluster.inputs
    assert inputs["name"] == "dev-train" and inputs["version"] == "1.33"
    assert inputs["vpcConfig"] == {"endpointPrivateAccess": True, "endpointPublicAccess": False,
                                   "subnetIds": ["subnet-a", "subnet-b"]}
    assert inputs["accessConfig"] == {"authenticationMode": "API",
                                      "bootstrapClusterCreatorAdminPermissions": False}
    assert inputs["encryptionConfig"]["resources"] == ["secrets"]
    key = reg.one("aws:kms/key:Key", "train-secrets")
    assert key.inputs["enableKeyRotation"] is True
    assert cluster.options()["propertyDependencies"]["encryptionConfig"] == [key.urn]
    assert inputs["enabledClusterLogTypes"] == ["api", "audit", "authenticator",
                                                "controllerManager", "scheduler"]
    assert inputs["tags"]["owner"] == "ml"
    log_group = reg.one("aws:cloudwatch/logGroup:LogGroup", "train-logs")
    logs_key = reg.one("aws:kms/key:Key", "train-logs-key")
    assert log_group.inputs == {"name": "/aws/eks/dev-train/cluster", "retentionInDays": 90,
                                "kmsKeyId": logs_key.stand_ins["arn"], "tags": {"owner": "ml"}}
    assert log_group.options()["propertyDependencies"]["kmsKeyId"] == [logs_key.urn]
    assert log_group.urn in cluster.options()["dependencies"]
    assert cluster.options()["protect"] is False


def test_every_created_key_has_an_explicit_policy_administered_by_the_account(register):
    reg = register(lambda: EksCluster("train", EksClusterArgs(**ARGS, region="us-west-2", account_id="111122223333")))
    secrets = json.loads(reg.one("aws:kms/key:Key", "train-secrets").inputs["policy"])
    assert secrets["Statement"] == [{"Sid": "EnableIamPolicies", "Effect": "Allow",
                                     "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                     "Action": "kms:*", "Resource": "*"}]
    logs = json.loads(reg.one("aws:kms/key:Key", "train-logs-key").inputs["policy"])
    root, service, describe = logs["Statement"]
    assert root["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert service["Principal"] == {"Service": "logs.us-west-2.amazonaws.com"}
    # DescribeKey carries no encryption context, so it has a statement without the condition.
    assert "kms:Describe*" not in service["Action"]
    assert describe == {"Sid": "CloudWatchLogsDescribe", "Effect": "Allow",
                        "Principal": {"Service": "logs.us-west-2.amazonaws.com"},
                        "Action": "kms:DescribeKey", "Resource": "*"}
    assert service["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": [
        "arn:aws:logs:us-west-2:111122223333:log-group:/aws/eks/dev-train/cluster"]}}


def test_cluster_roles_trust_only_their_service(register):
    reg = register(lambda: EksCluster("train", EksClusterArgs(**ARGS, region="us-west-2", account_id="111122223333")))
    role = json.loads(reg.one("aws:iam/role:Role", "train-cluster-role").inputs["assumeRolePolicy"])
    assert role["Statement"][0]["Principal"] == {"Service": "eks.amazonaws.com"}
    # Confused deputy: EKS may assume it only for this account's cluster of this name.
    assert role["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "111122223333"},
        "ArnLike": {"aws:SourceArn": "arn:aws:eks:us-west-2:111122223333:cluster/dev-train"}}
    node = json.loads(reg.one("aws:iam/role:Role", "train-node-role").inputs["assumeRolePolicy"])
    assert node["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    attached = sorted(r.inputs["policyArn"] for r in reg.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment"))
    assert attached == [
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
        "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    ]


def test_existing_kms_key_is_used_instead_of_creating_one(register):
    arn = "arn:aws:kms:us-east-1:123456789012:key/abc"
    reg = register(lambda: EksCluster("train", EksClusterArgs(**ARGS, kms_key_arn=arn)))
    # Only the control plane logs' own key is created.
    assert [k.name for k in reg.of_type("aws:kms/key:Key")] == ["train-logs-key"]
    cluster = reg.one("aws:eks/cluster:Cluster")
    assert cluster.inputs["encryptionConfig"]["provider"] == {"keyArn": arn}


def test_protect_applies_to_cluster_and_key(register):
    reg = register(lambda: EksCluster("train", EksClusterArgs(**ARGS, protect=True)))
    assert reg.one("aws:eks/cluster:Cluster").options()["protect"] is True
    assert all(k.options()["protect"] is True for k in reg.of_type("aws:kms/key:Key"))


def test_public_allowlist_reaches_the_cluster(register):
    reg = register(lambda: EksCluster("train", EksClusterArgs(**ARGS, public_access_cidrs=["203.0.113.0/24"])))
    vpc = reg.one("aws:eks/cluster:Cluster").inputs["vpcConfig"]
    assert vpc["endpointPublicAccess"] is True and vpc["publicAccessCidrs"] == ["203.0.113.0/24"]


def test_deletion_protection_is_off_unless_asked(register):
    reg = register(lambda: EksCluster("train", EksClusterArgs(**ARGS)))
    assert reg.one("aws:eks/cluster:Cluster").inputs["deletionProtection"] is False
    reg = register(lambda: EksCluster("train", EksClusterArgs(**ARGS, deletion_protection=True)))
    assert reg.one("aws:eks/cluster:Cluster").inputs["deletionProtection"] is True


def test_access_entries_grant_cluster_wide_admin_or_view(register):
    entries = {"platform": AccessEntry("arn:aws:iam::123456789012:role/platform", "admin"),
               "audit": AccessEntry("arn:aws:iam::123456789012:role/audit")}
    reg = register(lambda: EksCluster("train", EksClusterArgs(**ARGS, access_entries=entries)))
    access = {r.name: r.inputs for r in reg.of_type("aws:eks/accessEntry:AccessEntry")}
    assert access["train-access-platform"]["principalArn"] == "arn:aws:iam::123456789012:role/platform"
    assert access["train-access-platform"]["type"] == "STANDARD"
    policies = {r.name: r.inputs for r in reg.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")}
    assert policies["train-access-platform"]["policyArn"] == \
        "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    assert policies["train-access-audit"]["policyArn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
    assert policies["train-access-audit"]["accessScope"] == {"type": "cluster"}


def test_no_access_entries_and_no_aws_auth_configmap_by_default(register):
    reg = register(lambda: EksCluster("train", EksClusterArgs(**ARGS)))
    assert reg.of_type("aws:eks/accessEntry:AccessEntry") == []
    assert reg.of_type("kubernetes:core/v1:ConfigMap") == []


def test_cluster_arn_is_known_before_the_cluster_exists():
    assert cluster_arn("us-east-1", "123456789012", "prod-train") == \
        "arn:aws:eks:us-east-1:123456789012:cluster/prod-train"


def test_cluster_role_may_use_only_its_secrets_key(register):
    arn = "arn:aws:kms:us-east-1:123456789012:key/abc"
    reg = register(lambda: EksCluster("train", EksClusterArgs(**ARGS, kms_key_arn=arn)))
    policy = reg.one("aws:iam/rolePolicy:RolePolicy", "train-cluster-kms")
    assert json.loads(policy.inputs["policy"]) == json.loads(secrets_key_policy(arn))
    [statement] = json.loads(secrets_key_policy(arn))["Statement"]
    assert statement["Resource"] == arn
    assert statement["Action"] == ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"]
    cluster = reg.one("aws:eks/cluster:Cluster")
    assert policy.urn in cluster.options()["dependencies"]  # the key is usable before the cluster starts
