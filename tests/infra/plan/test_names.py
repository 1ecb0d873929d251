"""The physical-name check over real plans: today's stacks pass, a clash and an unclassified name fail."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from components.aws.network import AwsNetwork, AwsNetworkArgs
from infra.offline.document import build_document
from infra.offline.engine import STACKS_DIR, run_program
from infra.offline.stackfile import available_stacks
from infra.plan.name_plans import plan_documents, plan_inputs
from infra.plan.names import check_documents, describe

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SANDBOXES = ["sandbox-alice-box", "sandbox-bob-box", "sandbox-carol-box", "sandbox-dave-box"]


@pytest.fixture(scope="module")
def documents():
    """Every stack, the four sample sandboxes and the bootstrap, planned once in this process."""
    return plan_documents(plan_inputs(STACKS_DIR))


def test_every_stack_sandbox_and_the_bootstrap_claim_distinct_names(documents):
    report = check_documents(documents)
    # Every stack file (a stack of your own made with `mlinfra stack new` too), then the samples and the bootstrap.
    stacks = [s for s in available_stacks(STACKS_DIR) if not s.startswith("sandbox-")]
    assert {"dev", "prod", "sandbox", "staging"} <= set(stacks)
    assert [d["stack"] for d in documents] == [*stacks, *SANDBOXES, "bootstrap"]
    assert report.ok, "\n".join(describe(report))
    # The names that used to clash now carry the stack: one flow-log group per AWS network.
    groups = sorted((c.stack, c.name) for c in report.claims if c.type == LOG_GROUP and c.name.startswith("/aws/vpc/")
                    and c.stack in ("dev", "prod", "sandbox", "staging", *SANDBOXES))
    assert groups == [("dev", "/aws/vpc/dev-dev-net/flow-logs"), ("prod", "/aws/vpc/prod-train-net/flow-logs"),
                      ("sandbox", "/aws/vpc/sandbox-sandbox-net/flow-logs"),
                      ("sandbox-alice-box", "/aws/vpc/sandbox-alice-box-sandbox-net/flow-logs"),
                      ("sandbox-bob-box", "/aws/vpc/sandbox-bob-box-sandbox-net/flow-logs"),
                      ("staging", "/aws/vpc/staging-train-net/flow-logs")]


def test_sample_sandboxes_are_configured_as_sandbox_create_would(documents):
    by_stack = {d["stack"]: d for d in documents}
    for stack, cloud in zip(SANDBOXES, ["aws", "aws", "gcp", "gcp"], strict=True):
        types = {r["type"].split(":")[0] for r in by_stack[stack]["resources"] if r["custom"]}
        assert cloud in types and by_stack[stack]["environment"] == "sandbox"
        owner = stack.split("-")[1]
        tagged = [r["inputs"].get("tags") or r["inputs"].get("labels") or r["inputs"].get("resourceLabels")
                  for r in by_stack[stack]["resources"] if r["custom"]]
        assert any(t and t.get("owner") == owner for t in tagged)


def test_scopes_resolve_through_the_resources_a_name_lives_in(documents):
    claims = {(c.stack, c.type, c.name): c for c in check_documents(documents).claims}
    key = claims[("dev", "gcp:kms/cryptoKey:CryptoKey", "dev-dev-gke-secrets")]
    assert key.scope_text() == "keyRing=acme-ml-dev/us-central1/dev-dev-gke-secrets"
    release = claims[("dev", "kubernetes:helm.sh/v3:Release", "cluster-autoscaler")]
    assert release.scope_text() == "k8s-cluster=shared/us-east-1/dev-dev, namespace=kube-system"
    scale_set = claims[("prod", "kubernetes:helm.sh/v3:Release", "prod-cpu")]
    assert (scale_set.namespace, scale_set.scope_text()) == (
        "github runner scale set", "values.githubConfigUrl=https://github.com/acme-ml")


def _network(stack: str, physical_name: str | None = None) -> dict:
    """A real plan of one AwsNetwork in us-east-1 under `stack`, named the old way unless given a name."""
    def program() -> None:
        provider = aws.Provider("aws", region="us-east-1")
        AwsNetwork("train-net", AwsNetworkArgs(cidr="10.0.0.0/16", zones=["us-east-1a", "us-east-1b"],
                                               region="us-east-1", physical_name=physical_name),
                   opts=pulumi.ResourceOptions(provider=provider))
    return build_document(run_program(program, stack=stack))


def test_two_stacks_claiming_one_flow_log_group_are_reported_with_stacks_type_scope_and_name():
    # The old naming: /aws/vpc/<component>/flow-logs, the same for staging and prod.
    report = check_documents([_network("staging"), _network("prod")])
    assert not report.ok
    [group] = report.collisions
    assert sorted(c.stack for c in group) == ["prod", "staging"]
    [line] = describe(report)
    assert line == (
        "name '/aws/vpc/train-net/flow-logs' (aws:cloudwatch/logGroup:LogGroup name) is claimed 2 times in scope "
        "[aws-account=shared, aws-region=us-east-1]: stack 'staging' (aws:cloudwatch/logGroup:LogGroup "
        "train-net-flow-logs); stack 'prod' (aws:cloudwatch/logGroup:LogGroup train-net-flow-logs)")


def test_the_same_networks_named_with_their_stack_pass():
    report = check_documents([_network("staging", "staging-train-net"), _network("prod", "prod-train-net")])
    assert report.ok and not describe(report)


def test_one_region_apart_the_same_group_name_is_no_clash():
    # Log groups are unique per account and region: staging in us-west-2 never clashed with prod.
    west = _network("staging")
    for resource in west["resources"]:
        if resource["type"] == "pulumi:providers:aws":
            resource["inputs"]["region"] = "us-west-2"
    assert check_documents([west, _network("prod")]).ok


def test_a_named_resource_of_an_unclassified_type_is_reported():
    def program() -> None:
        provider = aws.Provider("aws", region="us-east-1")
        aws.sqs.Queue("jobs", name="training-jobs", opts=pulumi.ResourceOptions(provider=provider))
    report = check_documents([build_document(run_program(program, stack="dev"))])
    assert not report.ok and not report.collisions
    assert describe(report) == [
        "stack 'dev': aws:sqs/queue:Queue sets 'name' ('training-jobs'), which looks like a physical name but has "
        "no entry in infra/catalog/physical_names.py: classify it as PhysicalName(scope) or NotAName(why)"]


def test_an_auto_named_resource_of_an_unclassified_type_needs_no_entry():
    def program() -> None:
        provider = aws.Provider("aws", region="us-east-1")
        aws.sqs.Queue("jobs", opts=pulumi.ResourceOptions(provider=provider))
    assert check_documents([build_document(run_program(program, stack="dev"))]).ok


def test_iam_names_clash_whatever_their_case():
    # IAM "names are not distinguished by case": CI-Deploy in one stack and ci-deploy in another clash.
    def role(stack: str, name: str) -> dict:
        def program() -> None:
            provider = aws.Provider("aws", region="us-east-1")
            aws.iam.Role("deploy", name=name, assume_role_policy="{}", opts=pulumi.ResourceOptions(provider=provider))
        return build_document(run_program(program, stack=stack))
    plans = [role("one", "CI-Deploy"), role("two", "ci-deploy"), role("three", "ci-drift")]
    [group] = check_documents(plans).collisions
    assert [(c.stack, c.name, c.scope_text()) for c in group] == [
        ("one", "ci-deploy", "aws-account=shared"), ("two", "ci-deploy", "aws-account=shared")]


def test_the_gke_gateway_names_carry_the_stack_and_cluster(documents):
    claims = [(c.stack, c.type, c.name) for c in check_documents(documents).claims]
    assert ("dev", "gcp:compute/address:Address", "dev-dev-gke-llm-int-f656e2") in claims
    assert ("prod", "gcp:compute/globalAddress:GlobalAddress", "prod-infer-gcp-infer-ext-0c9dc9") in claims
