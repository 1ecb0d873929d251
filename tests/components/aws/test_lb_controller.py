import json

import pulumi_kubernetes as k8s

from components.aws.lb_controller import AwsLbController, AwsLbControllerArgs, helm_values
from components.aws.lb_controller_policy import controller_policy
from components.k8s.helm_chart import HelmChart

CHART = HelmChart("aws-load-balancer-controller", "9.9.9", "https://aws.github.io/eks-charts")


def test_policy_is_least_privilege_for_binding_only():
    document = json.loads(controller_policy("dev-serve", "us-east-1", "111122223333"))
    statements = {s["Sid"]: s for s in document["Statement"]}
    assert sorted(statements) == ["Describe", "OpenPodSecurityGroupsToBalancers", "RegisterPodTargets"]
    actions = [a for s in statements.values() for a in s["Action"]]
    assert not any("*" in a for a in actions)
    assert all(a.split(":")[1].startswith("Describe") for a in statements["Describe"]["Action"])
    assert statements["RegisterPodTargets"]["Action"] == ["elasticloadbalancing:RegisterTargets",
                                                          "elasticloadbalancing:DeregisterTargets"]
    # Writes only on this cluster's target groups and pod security groups, in this account and region.
    assert statements["RegisterPodTargets"]["Resource"] == \
        "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/*/*"
    assert statements["RegisterPodTargets"]["Condition"] == {
        "StringEquals": {"aws:ResourceTag/mlinfra.io/lb-controller-cluster": "dev-serve"}}
    groups = statements["OpenPodSecurityGroupsToBalancers"]
    assert groups["Resource"] == "arn:aws:ec2:us-east-1:111122223333:security-group/*"
    assert groups["Condition"] == {
        "StringEquals": {"aws:ResourceTag/kubernetes.io/cluster/dev-serve": ["owned", "shared"]}}
    # Nothing that creates, modifies or deletes a balancer, listener or target group.
    for verb in ("Create", "Delete", "Modify", "SetWebAcl", "AddTags"):
        assert not [a for a in actions if a.split(":")[1].startswith(verb)], verb


def test_helm_values_keep_the_controller_binding_only():
    values = helm_values("dev-serve", "us-east-1", "vpc-1", 2)
    assert values["clusterName"] == "dev-serve" and values["vpcId"] == "vpc-1" and values["region"] == "us-east-1"
    assert values["createIngressClassResource"] is False
    assert values["enableServiceMutatorWebhook"] is False
    assert values["serviceAccount"] == {"create": True, "name": "aws-load-balancer-controller"}


def test_controller_release_is_pinned_and_runs_on_pod_identity(register):
    def program():
        provider = k8s.Provider("test", kubeconfig="{}")
        AwsLbController("lbc", AwsLbControllerArgs(cluster_name="dev-serve", vpc_id="vpc-1", region="us-east-1",
                                                   k8s_provider=provider, chart=CHART, account_id="111122223333",
                                                   tags={"owner": "ml"}))

    reg = register(program)
    role = reg.one("aws:iam/role:Role", "lbc-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert trust["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    policy = reg.one("aws:iam/policy:Policy", "lbc-policy")
    expected = controller_policy("dev-serve", "us-east-1", "111122223333")
    assert json.loads(policy.inputs["policy"]) == json.loads(expected)
    association = reg.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "lbc-identity")
    assert association.inputs["namespace"] == "kube-system"
    assert association.inputs["serviceAccount"] == "aws-load-balancer-controller"
    assert association.inputs["clusterName"] == "dev-serve"
    assert association.options()["propertyDependencies"]["roleArn"] == [role.urn]
    release = reg.one("kubernetes:helm.sh/v3:Release", "lbc-release")
    assert release.inputs["chart"] == "aws-load-balancer-controller"
    assert release.inputs["version"] == "9.9.9"
    assert release.inputs["repositoryOpts"] == {"repo": "https://aws.github.io/eks-charts"}
    assert release.inputs["namespace"] == "kube-system"
    assert release.inputs["values"]["vpcId"] == "vpc-1"
    assert association.urn in release.options()["dependencies"]
    provider = reg.one("pulumi:providers:kubernetes", "test")
    assert release.provider.startswith(provider.urn + "::")
