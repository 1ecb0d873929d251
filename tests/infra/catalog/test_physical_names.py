"""The physical-name table is well formed: every scope part is one the check can resolve."""

from infra.catalog.physical_names import (
    AWS_ACCOUNT,
    AWS_REGION,
    GCP_PROJECT,
    GCP_REGION,
    K8S_CLUSTER,
    PHYSICAL_NAMES,
    NotAName,
    PhysicalName,
    name_like_inputs,
)

PARTS = {AWS_ACCOUNT, AWS_REGION, GCP_PROJECT, GCP_REGION, K8S_CLUSTER}


def test_every_scope_part_is_resolvable_and_every_entry_classified():
    for kind, rules in PHYSICAL_NAMES.items():
        assert kind.count(":") >= 2, kind
        for path, rule in rules.items():
            assert isinstance(rule, PhysicalName | NotAName), (kind, path)
            if isinstance(rule, PhysicalName):
                for part in rule.scope:
                    assert part in PARTS or part.startswith("input:"), (kind, path, part)


def test_name_like_inputs_spot_names_and_leave_references_alone():
    assert name_like_inputs("aws:sqs/queue:Queue", {"name": "q", "visibilityTimeoutSeconds": 30}) == ["name"]
    assert name_like_inputs("aws:eks/nodeGroup:NodeGroup", {"clusterName": "c", "subnetIds": ["s"]}) == ["clusterName"]
    # `*Id` is a chosen name on Google Cloud (accountId, repositoryId) but a reference on AWS (vpcId).
    assert name_like_inputs("gcp:secretmanager/secret:Secret", {"secretId": "s"}) == ["secretId"]
    assert name_like_inputs("aws:ec2/subnet:Subnet", {"vpcId": "v"}) == []
    assert name_like_inputs("kubernetes:core/v1:ConfigMap", {"metadata": {"name": "c"}}) == ["metadata.name"]
    assert name_like_inputs("aws:s3/bucket:Bucket", {"bucket": None}) == []
