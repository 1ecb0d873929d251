"""Managed add-ons (pinnable, EBS CSI through Pod Identity) and the cluster's Kubernetes provider."""

import json

from components.aws.eks_addons import (
    MANAGED_ADDONS,
    EksManagedAddons,
    EksManagedAddonsArgs,
    addon_settings,
    kubeconfig,
)
from components.aws.eks_cluster import EksCluster, EksClusterArgs

CLUSTER_ARN = "arn:aws:eks:us-east-1:123456789012:cluster/dev-train"


def test_kubeconfig_gets_a_token_from_aws_eks_get_token():
    config = json.loads(kubeconfig("dev-train", "https://x.eks.amazonaws.com", "Q0E=", "eu-west-1"))
    assert config["clusters"][0]["cluster"] == {"server": "https://x.eks.amazonaws.com",
                                                "certificate-authority-data": "Q0E="}
    user = config["users"][0]["user"]
    assert list(user) == ["exec"]  # no token or key stored
    assert user["exec"]["command"] == "aws"
    assert user["exec"]["args"] == ["eks", "get-token", "--cluster-name", "dev-train", "--region", "eu-west-1",
                                    "--output", "json"]


def test_addon_settings_pin_only_when_asked():
    assert addon_settings("coredns", None) == {"addon_name": "coredns", "resolve_conflicts_on_create": "OVERWRITE",
                                               "resolve_conflicts_on_update": "PRESERVE"}
    assert addon_settings("vpc-cni", "v1.19.5-eksbuild.1")["addon_version"] == "v1.19.5-eksbuild.1"


def test_every_managed_addon_is_installed_and_ebs_csi_uses_pod_identity(register):
    def program():
        EksManagedAddons("train-addons", EksManagedAddonsArgs(
            cluster_name="dev-train", cluster_arn=CLUSTER_ARN, account_id="123456789012",
            versions={"vpc-cni": "v1.19.5-eksbuild.1"}))

    reg = register(program)
    addons = {r.inputs["addonName"]: r.inputs for r in reg.of_type("aws:eks/addon:Addon")}
    assert sorted(addons) == sorted(MANAGED_ADDONS) == sorted([
        "vpc-cni", "kube-proxy", "eks-pod-identity-agent", "coredns", "aws-ebs-csi-driver",
        "aws-mountpoint-s3-csi-driver"])
    assert addons["vpc-cni"]["addonVersion"] == "v1.19.5-eksbuild.1"
    assert "addonVersion" not in addons["coredns"]
    [association] = addons["aws-ebs-csi-driver"]["podIdentityAssociations"]
    assert association["serviceAccount"] == "ebs-csi-controller-sa"
    assert "podIdentityAssociations" not in addons["aws-mountpoint-s3-csi-driver"]
    attachment = reg.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs
    assert attachment["policyArn"] == "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"


def test_cluster_exposes_a_kubernetes_provider_that_previews_before_the_cluster_exists(register):
    reg = register(lambda: EksCluster("train", EksClusterArgs(
        cluster_name="dev-train", kubernetes_version="1.33", subnet_ids=["s-a", "s-b"])))
    provider = reg.one("pulumi:providers:kubernetes", "train-k8s")
    # Built from the cluster's endpoint and CA, which exist only after apply: stand-ins offline.
    cluster_stand_ins = reg.one("aws:eks/cluster:Cluster").stand_ins
    kubeconfig = json.loads(provider.inputs["kubeconfig"])
    assert kubeconfig["clusters"][0]["cluster"] == {
        "server": cluster_stand_ins["endpoint"],
        "certificate-authority-data": cluster_stand_ins["certificateAuthority.data"]}
    assert provider.parent == reg.one("mlinfra:aws:EksCluster").urn
    cluster = reg.one("aws:eks/cluster:Cluster")
    assert cluster.urn in provider.options()["dependencies"]


def test_addons_with_pods_wait_for_the_system_pool(register):
    def program():
        import pulumi_aws as aws

        nodes = aws.ec2.Vpc("stand-in-for-nodes", cidr_block="10.0.0.0/16")
        EksManagedAddons("a", EksManagedAddonsArgs(cluster_name="c", cluster_arn=CLUSTER_ARN,
                                                   account_id="123456789012", nodes=[nodes]))

    reg = register(program)
    nodes = reg.one("aws:ec2/vpc:Vpc").urn
    waits = {r.inputs["addonName"]: nodes in r.options()["dependencies"] for r in reg.of_type("aws:eks/addon:Addon")}
    assert waits == {"vpc-cni": False, "kube-proxy": False, "eks-pod-identity-agent": False,
                     "coredns": True, "aws-ebs-csi-driver": True, "aws-mountpoint-s3-csi-driver": True}


def test_vpc_cni_enforces_network_policy(register):
    # Without enableNetworkPolicy the cluster accepts NetworkPolicies and enforces none.
    reg = register(lambda: EksManagedAddons("a", EksManagedAddonsArgs(
        cluster_name="c", cluster_arn=CLUSTER_ARN, account_id="123456789012")))
    cni = reg.one("aws:eks/addon:Addon", "a-vpc-cni").inputs
    assert json.loads(cni["configurationValues"]) == {"enableNetworkPolicy": "true"}
    others = [r for r in reg.of_type("aws:eks/addon:Addon") if r.name != "a-vpc-cni"]
    assert all("configurationValues" not in r.inputs for r in others)


def test_no_storage_class_without_a_kubernetes_provider(register):
    reg = register(lambda: EksManagedAddons("a", EksManagedAddonsArgs(
        cluster_name="c", cluster_arn=CLUSTER_ARN, account_id="123456789012")))
    assert reg.of_type("kubernetes:storage.k8s.io/v1:StorageClass") == []


def test_encrypted_gp3_default_storage_class_on_the_cluster_provider_after_the_ebs_driver(register):
    def program():
        import pulumi_kubernetes as k8s

        provider = k8s.Provider("train-k8s", kubeconfig="{}")
        EksManagedAddons("a", EksManagedAddonsArgs(
            cluster_name="c", cluster_arn=CLUSTER_ARN, account_id="123456789012", provider=provider,
            labels={"app.kubernetes.io/managed-by": "mlinfra"}))

    reg = register(program)
    sc = reg.one("kubernetes:storage.k8s.io/v1:StorageClass", "a-gp3")
    assert sc.inputs["metadata"] == {
        "name": "gp3-encrypted", "labels": {"app.kubernetes.io/managed-by": "mlinfra"},
        "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}
    assert sc.inputs["provisioner"] == "ebs.csi.aws.com"
    assert sc.inputs["parameters"] == {"type": "gp3", "encrypted": "true"}
    assert sc.inputs["volumeBindingMode"] == "WaitForFirstConsumer"
    assert sc.inputs["reclaimPolicy"] == "Delete"
    assert sc.provider.startswith(reg.one("pulumi:providers:kubernetes", "train-k8s").urn)
    ebs = reg.one("aws:eks/addon:Addon", "a-aws-ebs-csi-driver")
    assert ebs.urn in sc.options()["dependencies"]
    assert sc.parent == reg.one("mlinfra:aws:EksManagedAddons").urn
