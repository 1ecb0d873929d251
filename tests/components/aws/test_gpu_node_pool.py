import pytest

from components.aws.gpu_node_pool import (
    GPU_TAINT,
    EksGpuNodePool,
    EksGpuNodePoolArgs,
    capacity_targeting,
    gpu_node_labels,
    scaling,
)

ARGS = dict(cluster_name="dev-train", node_role_arn="arn:aws:iam::123456789012:role/node",
            subnet_ids=["subnet-a"], instance_type="p5.48xlarge", ami_type="AL2023_x86_64_NVIDIA",
            accelerator="nvidia-h100-80gb", gpus_per_node=8, min_nodes=0, max_nodes=4)


def test_scaling_starts_at_min_and_allows_zero():
    assert scaling(0, 4) == {"min_size": 0, "max_size": 4, "desired_size": 0}
    with pytest.raises(ValueError, match="got 3..2"):
        scaling(3, 2)
    with pytest.raises(ValueError):
        scaling(0, 0)


def test_labels_name_pool_accelerator_and_capacity():
    assert gpu_node_labels("h100", "nvidia-h100-80gb", "SPOT", {"team": "research"}) == {
        "team": "research", "mlinfra.io/pool": "h100",
        "mlinfra.io/accelerator": "nvidia-h100-80gb", "mlinfra.io/capacity-type": "spot",
        "k8s.amazonaws.com/accelerator": "nvidia-h100-80gb"}


def test_extra_labels_cannot_drop_the_autoscaler_gpu_label():
    labels = gpu_node_labels("l4", "nvidia-l4", "ON_DEMAND", {"k8s.amazonaws.com/accelerator": "other"})
    assert labels["k8s.amazonaws.com/accelerator"] == "nvidia-l4"


def test_gpu_nodes_carry_the_autoscaler_gpu_label_and_its_node_template_tag(register):
    # cluster-autoscaler's AWS provider knows GPU nodes only by this label (GPULabel, 1.35.0).
    reg = register(lambda: EksGpuNodePool("train-h100", EksGpuNodePoolArgs(
        **ARGS, autoscaler_cluster_name="dev-train")))
    group = reg.one("aws:eks/nodeGroup:NodeGroup", "train-h100-ng").inputs
    assert group["labels"]["k8s.amazonaws.com/accelerator"] == "nvidia-h100-80gb"
    key = "k8s.io/cluster-autoscaler/node-template/label/k8s.amazonaws.com/accelerator"
    assert group["tags"][key] == "nvidia-h100-80gb"
    asg = {t.inputs["tag"]["key"]: t.inputs["tag"]["value"] for t in reg.of_type("aws:autoscaling/tag:Tag")}
    assert asg[key] == "nvidia-h100-80gb"


def test_node_group_is_tainted_scales_from_zero_and_leaves_desired_to_the_autoscaler(register):
    reg = register(lambda: EksGpuNodePool("train-h100", EksGpuNodePoolArgs(**ARGS)))
    group = reg.one("aws:eks/nodeGroup:NodeGroup", "train-h100-ng")
    assert group.inputs["amiType"] == "AL2023_x86_64_NVIDIA"
    assert group.inputs["instanceTypes"] == ["p5.48xlarge"]
    assert group.inputs["capacityType"] == "ON_DEMAND"
    assert group.inputs["scalingConfig"] == {"minSize": 0, "maxSize": 4, "desiredSize": 0}
    assert group.inputs["taints"] == [{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}]
    assert GPU_TAINT["key"] == "nvidia.com/gpu"
    assert group.inputs["labels"]["mlinfra.io/accelerator"] == "nvidia-h100-80gb"
    assert group.options()["ignoreChanges"] == ["scalingConfig.desiredSize"]
    template = reg.one("aws:ec2/launchTemplate:LaunchTemplate", "train-h100-lt")
    assert group.options()["propertyDependencies"]["launchTemplate"] == [template.urn]


def test_launch_template_requires_imdsv2_encrypts_disk_and_has_no_public_ip(register):
    reg = register(lambda: EksGpuNodePool("p", EksGpuNodePoolArgs(**{**ARGS, "disk_gib": 500})))
    template = reg.one("aws:ec2/launchTemplate:LaunchTemplate").inputs
    assert template["metadataOptions"] == {"httpEndpoint": "enabled", "httpTokens": "required",
                                           "httpPutResponseHopLimit": 1}
    assert template["blockDeviceMappings"] == [{"deviceName": "/dev/xvda", "ebs": {
        "volumeSize": 500, "volumeType": "gp3", "encrypted": "true", "deleteOnTermination": "true"}}]
    assert template["networkInterfaces"] == [{"associatePublicIpAddress": "false",
                                              "deleteOnTermination": "true"}]


def test_spot_capacity(register):
    reg = register(lambda: EksGpuNodePool("p", EksGpuNodePoolArgs(**{**ARGS, "capacity_type": "SPOT"})))
    group = reg.one("aws:eks/nodeGroup:NodeGroup").inputs
    assert group["capacityType"] == "SPOT"
    assert group["labels"]["mlinfra.io/capacity-type"] == "spot"


def test_capacity_targeting():
    assert capacity_targeting(None, None) == {}
    assert capacity_targeting("cr-1", None) == {"capacity_reservation_specification": {
        "capacity_reservation_target": {"capacity_reservation_id": "cr-1"}}}
    block = capacity_targeting(None, "cr-2")
    assert block["instance_market_options"] == {"market_type": "capacity-block"}
    with pytest.raises(ValueError, match="not both"):
        capacity_targeting("cr-1", "cr-2")


def test_node_repair_on_by_default_and_can_be_turned_off(register):
    reg = register(lambda: EksGpuNodePool("p", EksGpuNodePoolArgs(**ARGS)))
    group = reg.one("aws:eks/nodeGroup:NodeGroup").inputs
    assert group["nodeRepairConfig"] == {"enabled": True}
    assert group["updateConfig"] == {"maxUnavailable": 1}
    reg = register(lambda: EksGpuNodePool("p", EksGpuNodePoolArgs(**ARGS, node_repair=False)))
    assert reg.one("aws:eks/nodeGroup:NodeGroup").inputs["nodeRepairConfig"] == {"enabled": False}


def test_efa_pool_gets_one_efa_interface_per_card_and_a_cluster_placement_group(register):
    reg = register(lambda: EksGpuNodePool("h100", EksGpuNodePoolArgs(
        **ARGS, efa_interfaces=32, cluster_security_group_id="sg-0123", vpc_id="vpc-0123",
        placement_group=True)))
    template = reg.one("aws:ec2/launchTemplate:LaunchTemplate")
    interfaces = template.inputs["networkInterfaces"]
    assert len(interfaces) == 32
    # The cluster's group and the pool's own EFA group (its id known after apply: a stand-in offline).
    efa = reg.one("aws:ec2/securityGroup:SecurityGroup", "h100-efa-sg")
    assert interfaces[0] == {"networkCardIndex": 0, "deviceIndex": 0, "interfaceType": "efa",
                             "securityGroups": ["sg-0123", efa.stand_ins["id"]], "deleteOnTermination": "true"}
    assert efa.inputs["vpcId"] == "vpc-0123"
    for direction, kind in (("in", "Ingress"), ("out", "Egress")):
        rule = reg.one(f"aws:vpc/securityGroup{kind}Rule:SecurityGroup{kind}Rule", f"h100-efa-{direction}")
        # All protocols, to and from the group itself only: EFA's requirement, nothing wider.
        assert rule.inputs["ipProtocol"] == "-1" and "cidrIpv4" not in rule.inputs
        deps = rule.options()["propertyDependencies"]
        assert deps["securityGroupId"] == deps["referencedSecurityGroupId"] == [efa.urn]
    assert {i["deviceIndex"] for i in interfaces[1:]} == {1}
    assert [i["networkCardIndex"] for i in interfaces] == list(range(32))
    group = reg.one("aws:ec2/placementGroup:PlacementGroup", "h100-pg")
    assert group.inputs["strategy"] == "cluster"
    assert template.options()["propertyDependencies"]["placement"] == [group.urn]


def test_no_efa_or_placement_unless_asked(register):
    reg = register(lambda: EksGpuNodePool("p", EksGpuNodePoolArgs(**ARGS)))
    assert reg.of_type("aws:ec2/placementGroup:PlacementGroup") == []
    template = reg.one("aws:ec2/launchTemplate:LaunchTemplate").inputs
    assert "placement" not in template and "capacityReservationSpecification" not in template


def test_capacity_block_pool(register):
    reg = register(lambda: EksGpuNodePool("p", EksGpuNodePoolArgs(
        **{**ARGS, "capacity_type": "CAPACITY_BLOCK"}, capacity_block_id="cr-0123456789abcdef0")))
    assert reg.one("aws:eks/nodeGroup:NodeGroup").inputs["capacityType"] == "CAPACITY_BLOCK"
    template = reg.one("aws:ec2/launchTemplate:LaunchTemplate").inputs
    assert template["instanceMarketOptions"] == {"marketType": "capacity-block"}
    assert template["capacityReservationSpecification"] == {
        "capacityReservationTarget": {"capacityReservationId": "cr-0123456789abcdef0"}}


def test_capacity_reservation_pool_stays_on_demand(register):
    reg = register(lambda: EksGpuNodePool("p", EksGpuNodePoolArgs(**ARGS, capacity_reservation_id="cr-0abc0abc")))
    assert reg.one("aws:eks/nodeGroup:NodeGroup").inputs["capacityType"] == "ON_DEMAND"
    template = reg.one("aws:ec2/launchTemplate:LaunchTemplate").inputs
    assert template["capacityReservationSpecification"]["capacityReservationTarget"] == {
        "capacityReservationId": "cr-0abc0abc"}
    assert "instanceMarketOptions" not in template
