"""What the deploy path needs from every stack: roles under the bootstrap's boundary (the only roles
the CI deploy role may create)."""

from __future__ import annotations

import pytest

from infra.offline.engine import STACKS_DIR
from infra.offline.stackfile import available_stacks
from tests.helpers import stack_run

BOUNDARY = "arn:aws:iam::123456789012:policy/acme-ml/acme-ml-workload-boundary"
STACKS = available_stacks(STACKS_DIR)


@pytest.mark.parametrize("stack", STACKS)
def test_every_role_and_policy_a_stack_creates_is_under_the_boundary(stack):
    resources = stack_run(stack).resources
    roles = [r for r in resources if r.type == "aws:iam/role:Role"]
    # A stack on AWS creates roles (a Google-Cloud-only stack of your own may create none).
    assert roles or not [r for r in resources if r.type.startswith("aws:")], stack
    for role in roles:
        assert (role.inputs.get("permissionsBoundary"), role.inputs.get("path")) == (BOUNDARY, "/acme-ml/"), role.name
    for policy in (r for r in resources if r.type == "aws:iam/policy:Policy"):
        assert policy.inputs.get("path") == "/acme-ml/", policy.name


@pytest.mark.parametrize("stack, cluster", [("dev", "dev"), ("staging", "train"), ("prod", "train")])
def test_ci_roles_are_let_into_the_cluster_the_deployer_runners_sit_in(stack, cluster):
    resources = stack_run(stack).resources
    entries = {r.inputs["principalArn"].rsplit("/", 1)[1] for r in resources
               if r.type == "aws:eks/accessEntry:AccessEntry" and r.name.startswith(f"{cluster}-")}
    # Its own environment's deploy role, and no other environment's.
    assert {f"acme-ml-github-deploy-{stack}", "acme-ml-github-drift"} <= entries
    assert not [e for e in entries if "-github-deploy-" in e and e != f"acme-ml-github-deploy-{stack}"]
    deploy = [r for r in resources if r.type == "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
              and r.name == f"{cluster}-access-ci-deploy"]
    assert [r.inputs["policyArn"].rsplit("/", 1)[1] for r in deploy] == ["AmazonEKSClusterAdminPolicy"]
    release = [r for r in resources if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs.get("name") ==
               f"{stack}-deploy"]
    [values] = [r.inputs["values"] for r in release]
    assert values["runnerGroup"] == f"{stack}-deploy"
    # The chart's default mode: steps in the runner pod, no Role, no Kubernetes API token (#26).
    assert "containerMode" not in values and values["template"]["spec"]["automountServiceAccountToken"] is False
    [runner] = values["template"]["spec"]["containers"]
    assert "env" not in runner


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_gke_control_planes_are_reached_through_the_iam_authorised_dns_endpoint(stack):
    clusters = [r for r in stack_run(stack).resources if r.type == "gcp:container/cluster:Cluster"]
    assert clusters
    for cluster in clusters:
        assert cluster.inputs["controlPlaneEndpointsConfig"] == {"dnsEndpointConfig": {"allowExternalTraffic": True}}
        assert cluster.inputs["privateClusterConfig"]["enablePrivateNodes"] is True
