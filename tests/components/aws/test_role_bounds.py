"""RoleBounds: every role a component creates carries the deploy boundary and lives under its path."""

from __future__ import annotations

from components.aws.eks_cluster import EksCluster, EksClusterArgs
from components.aws.iam import RoleBounds
from components.aws.lb_controller import AwsLbController, AwsLbControllerArgs
from components.k8s.helm_chart import HelmChart

BOUNDARY = "arn:aws:iam::111122223333:policy/acme/acme-workload-boundary"


def test_the_path_is_the_boundary_policys_own_path():
    bounds = RoleBounds(BOUNDARY)
    assert bounds.path == "/acme/"
    assert bounds.role() == {"path": "/acme/", "permissions_boundary": BOUNDARY}
    assert bounds.policy() == {"path": "/acme/"}
    assert RoleBounds("arn:aws:iam::1:policy/b").path == "/"
    # Without a boundary nothing changes, so stacks not yet bootstrapped plan as before.
    assert (RoleBounds().role(), RoleBounds().policy(), RoleBounds().path) == ({}, {}, "/")


def test_cluster_and_node_roles_carry_the_boundary(register):
    reg = register(lambda: EksCluster("train", EksClusterArgs(
        cluster_name="dev-train", kubernetes_version="1.33", subnet_ids=["subnet-a", "subnet-b"],
        bounds=RoleBounds(BOUNDARY))))
    roles = reg.of_type("aws:iam/role:Role")
    assert {r.name for r in roles} == {"train-cluster-role", "train-node-role"}
    assert all((r.inputs["permissionsBoundary"], r.inputs["path"]) == (BOUNDARY, "/acme/") for r in roles)


def test_controller_role_and_policy_live_under_the_path(register):
    import pulumi_kubernetes as k8s

    def program():
        provider = k8s.Provider("k", kubeconfig="{}")
        AwsLbController("lbc", AwsLbControllerArgs(
            cluster_name="dev-train", region="us-east-1", vpc_id="vpc-1", k8s_provider=provider,
            chart=HelmChart("aws-load-balancer-controller", "9.9.9", "https://aws.github.io/eks-charts"),
            bounds=RoleBounds(BOUNDARY)))

    reg = register(program)
    role = reg.one("aws:iam/role:Role").inputs
    assert (role["permissionsBoundary"], role["path"]) == (BOUNDARY, "/acme/")
    assert reg.one("aws:iam/policy:Policy").inputs["path"] == "/acme/"
