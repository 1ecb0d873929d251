import pytest

from components.aws.gpu_node_pool import (
    GPU_TAINT,
    EksGpuNodePool,
    EksGpuNodePoolArgs,
    autoscaler_tags,
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
        "mlinfra.io/accelerator": "nvidia-h100-80gb", "mlinfra.io/capacity-type": "spot"}


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


def test_autoscaler_tags_describe_the_node_template():
    assert autoscaler_tags(8, {"mlinfra.io/pool": "h100"}) == {
        "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu": "8",
        "k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu": "present:NoSchedule",
        "k8s.io/cluster-autoscaler/node-template/label/mlinfra.io/pool": "h100",
    }
