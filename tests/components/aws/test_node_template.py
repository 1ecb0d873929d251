"""Scale from zero: the autoscaler's node-template tags, as a pure dict and as recorded Tag resources."""

from components.aws.gpu_node_pool import GPU_TAINT, EksGpuNodePool, EksGpuNodePoolArgs
from components.aws.node_template import asg_template_tags, node_template_tags, tag_resource_suffix

ARGS = dict(cluster_name="dev-train", node_role_arn="arn:aws:iam::123456789012:role/node",
            subnet_ids=["subnet-a"], instance_type="g6.xlarge", ami_type="AL2023_x86_64_NVIDIA",
            accelerator="nvidia-l4", gpus_per_node=1, min_nodes=0, max_nodes=4)


def test_node_template_tags_carry_labels_taints_and_gpu_count():
    tags = node_template_tags("dev-train", {"mlinfra.io/pool": "l4"}, [GPU_TAINT],
                              {"nvidia.com/gpu": 8, "vpc.amazonaws.com/efa": 0})
    assert tags == {
        "k8s.io/cluster-autoscaler/enabled": "true",
        "k8s.io/cluster-autoscaler/dev-train": "owned",
        "k8s.io/cluster-autoscaler/node-template/label/mlinfra.io/pool": "l4",
        "k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu": "present:NoSchedule",
        "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu": "8",
    }


def test_asg_keeps_discovery_resources_and_capacity_type_but_not_what_describe_nodegroup_gives():
    prefix = "k8s.io/cluster-autoscaler/node-template"
    tags = node_template_tags("dev-train", {"mlinfra.io/pool": "h100", "eks.amazonaws.com/capacityType": "SPOT",
                                            "node.kubernetes.io/instance-type": "p5.48xlarge"},
                              [GPU_TAINT], {"nvidia.com/gpu": 8, "vpc.amazonaws.com/efa": 32})
    assert asg_template_tags(tags) == {
        "k8s.io/cluster-autoscaler/enabled": "true",
        "k8s.io/cluster-autoscaler/dev-train": "owned",
        f"{prefix}/label/eks.amazonaws.com/capacityType": "SPOT",
        f"{prefix}/resources/nvidia.com/gpu": "8",
        f"{prefix}/resources/vpc.amazonaws.com/efa": "32",
    }


def test_tag_resource_suffix_is_short_and_name_safe():
    assert tag_resource_suffix("k8s.io/cluster-autoscaler/node-template/label/mlinfra.io/pool") == \
        "label-mlinfra-io-pool"
    assert tag_resource_suffix("k8s.io/cluster-autoscaler/enabled") == "enabled"


def test_pool_tags_its_asg_once_per_key_the_api_does_not_give_from_the_node_group_output(register):
    reg = register(lambda: EksGpuNodePool("train-l4", EksGpuNodePoolArgs(
        **ARGS, capacity_type="SPOT", autoscaler_cluster_name="dev-train")))
    group = reg.one("aws:eks/nodeGroup:NodeGroup", "train-l4-ng")
    tags = {r.inputs["tag"]["key"]: r for r in reg.of_type("aws:autoscaling/tag:Tag")}
    prefix = "k8s.io/cluster-autoscaler/node-template"
    # Labels and the taint come from eks:DescribeNodegroup, the instance type from the ASG itself;
    # the GPU label is on the ASG too, so GPU templates never depend on that call.
    assert {k: r.inputs["tag"]["value"] for k, r in tags.items()} == {
        "k8s.io/cluster-autoscaler/enabled": "true",
        "k8s.io/cluster-autoscaler/dev-train": "owned",
        f"{prefix}/label/eks.amazonaws.com/capacityType": "SPOT",
        f"{prefix}/label/k8s.amazonaws.com/accelerator": "nvidia-l4",
        f"{prefix}/resources/nvidia.com/gpu": "1",
        # The AWS provider offers a zero-node template no ephemeral-storage but this tag's: the disk less 10%.
        f"{prefix}/resources/ephemeral-storage": "180Gi",
    }
    # The node group still shows every node-template tag, for reviewers and the policy pack.
    assert group.inputs["tags"][f"{prefix}/taint/nvidia.com/gpu"] == "present:NoSchedule"
    assert group.inputs["tags"][f"{prefix}/label/mlinfra.io/pool"] == "train-l4"
    component = reg.one("mlinfra:aws:EksGpuNodePool", "train-l4")
    for tag in tags.values():
        assert tag.inputs["tag"]["propagateAtLaunch"] is False
        # The ASG name is the node group's output: a stand-in offline, wired by dependency.
        assert tag.inputs["autoscalingGroupName"] == group.stand_ins["resources[0].autoscalingGroups[0].name"]
        assert tag.options()["propertyDependencies"]["autoscalingGroupName"] == [group.urn]
        assert tag.parent == component.urn


def test_pool_without_autoscaler_cluster_name_has_no_tags(register):
    reg = register(lambda: EksGpuNodePool("p", EksGpuNodePoolArgs(**ARGS)))
    assert reg.of_type("aws:autoscaling/tag:Tag") == []


def test_asg_name_is_read_from_the_node_group_resources_output():
    import pulumi_aws as aws

    from components.aws.gpu_node_pool import first_asg_name

    outputs = aws.eks.outputs
    resources = [outputs.NodeGroupResource(
        autoscaling_groups=[outputs.NodeGroupResourceAutoscalingGroup(name="eks-train-l4-ng-1-abcd")])]
    assert first_asg_name(resources) == "eks-train-l4-ng-1-abcd"
