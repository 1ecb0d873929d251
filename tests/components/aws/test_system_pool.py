"""The CPU system pool: same hardened launch template as GPU pools, untainted, on-demand."""

from components.aws.system_pool import EksSystemNodePool, EksSystemNodePoolArgs


def test_system_pool_is_hardened_untainted_and_on_demand(register):
    reg = register(lambda: EksSystemNodePool("train-system", EksSystemNodePoolArgs(
        cluster_name="dev-train", node_role_arn="arn:aws:iam::123456789012:role/node", subnet_ids=["s-a", "s-b"])))
    template = reg.one("aws:ec2/launchTemplate:LaunchTemplate", "train-system-lt").inputs
    assert template["metadataOptions"] == {"httpEndpoint": "enabled", "httpTokens": "required",
                                           "httpPutResponseHopLimit": 1}
    assert template["blockDeviceMappings"][0]["ebs"] == {"volumeSize": 50, "volumeType": "gp3", "encrypted": "true",
                                                         "deleteOnTermination": "true"}
    assert template["networkInterfaces"] == [{"associatePublicIpAddress": "false", "deleteOnTermination": "true"}]
    group = reg.one("aws:eks/nodeGroup:NodeGroup", "train-system-ng")
    assert group.inputs["amiType"] == "AL2023_x86_64_STANDARD"
    assert group.inputs["instanceTypes"] == ["m7i.large"] and group.inputs["capacityType"] == "ON_DEMAND"
    assert group.inputs["scalingConfig"] == {"minSize": 2, "maxSize": 3, "desiredSize": 2}
    assert "taints" not in group.inputs
    assert group.inputs["labels"] == {"mlinfra.io/pool": "system"}
    assert group.inputs["nodeRepairConfig"] == {"enabled": True}
    assert group.options()["ignoreChanges"] == ["scalingConfig.desiredSize"]
    # Not autoscaled: no node-template tags.
    assert reg.of_type("aws:autoscaling/tag:Tag") == []
