"""GitHub as code in the bootstrap plan: the subject template the trusts expect, environments deployable only
from main with reviewers where protected, each environment's own variables, and runner groups that keep pull
requests off the deployers; checked against what the platform stacks name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.aws.github_oidc import SUBJECT_CLAIM_KEYS
from infra.offline.document import build_document
from tests.helpers import bootstrap_run, stack_run

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = ROOT / "infra" / "bootstrap"
GH = "github:index/"
WORKFLOWS = "acme-ml/ml-platform/.github/workflows"


@pytest.fixture(scope="module")
def plan() -> dict:
    return build_document(bootstrap_run())


def of_type(plan: dict, kind: str) -> list[dict]:
    return [r for r in plan["resources"] if r["type"] == f"{GH}{kind}:{kind[0].upper()}{kind[1:]}"]


def test_the_subject_template_is_the_one_every_trust_expects(plan):
    [template] = of_type(plan, "actionsRepositoryOidcSubjectClaimCustomizationTemplate")
    assert template["inputs"] == {"repository": "ml-platform", "useDefault": False,
                                  "includeClaimKeys": list(SUBJECT_CLAIM_KEYS)}


def test_environments_deploy_only_from_main_and_protected_ones_need_a_reviewer(plan):
    environments = {r["inputs"]["environment"]: r["inputs"] for r in of_type(plan, "repositoryEnvironment")}
    assert set(environments) == {"dev", "staging", "prod", "drift", "sandbox"}
    for env, inputs in environments.items():
        # A custom policy naming main, never "protected branches" (any protected branch would match).
        assert inputs["deploymentBranchPolicy"] == {"protectedBranches": False, "customBranchPolicies": True}, env
        assert (inputs["canAdminsBypass"], inputs["preventSelfReview"]) == (False, True), env
    assert environments["prod"]["reviewers"] == environments["staging"]["reviewers"] == [
        {"teams": [7000001], "users": []}]
    policies = {r["inputs"]["environment"]: r["inputs"]["branchPattern"]
                for r in of_type(plan, "repositoryEnvironmentDeploymentPolicy")}
    assert policies == dict.fromkeys(environments, "main")


def test_each_environment_names_only_its_own_role_and_secrets_key(plan):
    variables: dict[str, dict[str, str]] = {}
    for r in of_type(plan, "actionsEnvironmentVariable"):
        variables.setdefault(r["inputs"]["environment"], {})[r["inputs"]["variableName"]] = r["inputs"]["value"]
    for env in ("dev", "staging", "prod"):
        assert variables[env] == {
            # Staging's and prod's deploys take their role from their deployer pods: no role to exchange a token for.
            **({"AWS_DEPLOY_ROLE_ARN": f"arn:aws:iam::123456789012:role/acme-ml-github-deploy-{env}"}
               if env == "dev" else {}),
            "GCP_DEPLOY_SERVICE_ACCOUNT": f"acme-ml-gh-deploy-{env}@acme-ml-platform.iam.gserviceaccount.com",
            "PULUMI_SECRETS_PROVIDER": f"awskms://alias/acme-ml-pulumi-{env}?region=us-east-1"}
        assert variables[env]["PULUMI_SECRETS_PROVIDER"] == plan["outputs"]["secrets_providers"][env]
    assert variables["drift"]["AWS_DRIFT_ROLE_ARN"] == "arn:aws:iam::123456789012:role/acme-ml-github-drift"
    assert variables["sandbox"]["PULUMI_SECRETS_PROVIDER"] == plan["outputs"]["secrets_providers"]["sandbox"]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_runner_group_a_stack_names_exists_and_deployers_run_only_main_deploy_workflows(plan, stack):
    groups = {r["inputs"]["name"]: r["inputs"] for r in of_type(plan, "actionsRunnerGroup")}
    for group in groups.values():
        assert (group["visibility"], group["selectedRepositoryIds"], group["allowsPublicRepositories"]) == (
            "selected", [600000001], False)
    releases = [r for r in stack_run(stack).resources if r.type == "kubernetes:helm.sh/v3:Release"
                and r.inputs.get("chart", "").endswith("/gha-runner-scale-set")]
    assert releases, stack
    for release in releases:
        values = release.inputs["values"]
        group = groups[values["runnerGroup"]]
        if values["runnerScaleSetName"] == f"{stack}-deploy" and stack == "dev":
            assert group["restrictedToWorkflows"] is True
            assert group["selectedWorkflows"] == [f"{WORKFLOWS}/{w}.yml@refs/heads/main"
                                                  for w in ("deploy", "pulumi-up", "drift")]
        elif values["runnerScaleSetName"] == f"{stack}-deploy":
            # Protected: only jobs defined in the deploy repository's copy, which main's code cannot change.
            assert group["restrictedToWorkflows"] is True
            assert group["selectedWorkflows"] == [
                "acme-ml/ml-platform-deploy/.github/workflows/pulumi-up.yml@refs/heads/main"]
        else:
            # Pull requests may run here: no deploy credential, no prod data, no Kubernetes role of note.
            assert group["restrictedToWorkflows"] is False, values["runnerScaleSetName"]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_stacks_and_the_bootstrap_name_one_repository(plan, stack):
    [config_url] = {r.inputs["values"]["githubConfigUrl"] for r in stack_run(stack).resources
                          if r.type == "kubernetes:helm.sh/v3:Release"
                          and r.inputs.get("chart", "").endswith("/gha-runner-scale-set")}
    assert config_url == "https://github.com/acme-ml"
    assert plan["outputs"]["repository"] == "acme-ml/ml-platform"


def test_the_deploy_repository_holds_this_checkouts_deploy_workflow_changed_only_by_the_reviewers(plan):
    [repository] = of_type(plan, "repository")
    assert repository["inputs"]["name"] == "ml-platform-deploy"
    assert (repository["inputs"]["visibility"], repository["inputs"]["allowForking"]) == ("private", False)
    assert repository["protect"] is True
    [workflow] = of_type(plan, "repositoryFile")
    assert (workflow["inputs"]["repository"], workflow["inputs"]["file"], workflow["inputs"]["branch"]) == (
        "ml-platform-deploy", ".github/workflows/pulumi-up.yml", "main")
    assert workflow["inputs"]["content"] == (ROOT / ".github" / "workflows" / "pulumi-up.yml").read_text()
    [access] = of_type(plan, "actionsRepositoryAccessLevel")
    assert access["inputs"] == {"repository": "ml-platform-deploy", "accessLevel": "organization"}
    [protection] = of_type(plan, "branchProtection")
    assert protection["inputs"]["pattern"] == "main"
    assert protection["inputs"]["requiredPullRequestReviews"] == [
        {"requiredApprovingReviewCount": 2, "dismissStaleReviews": True, "requireLastPushApproval": True}]
    assert protection["inputs"]["requireSignedCommits"] is True
    assert (protection["inputs"]["allowsForcePushes"], protection["inputs"]["allowsDeletions"]) == (False, False)
    # Writers: the protected environments' reviewers' team, nobody else.
    assert [(t["inputs"]["teamId"], t["inputs"]["permission"]) for t in of_type(plan, "teamRepository")] == [
        ("7000001", "push")]


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_each_protected_stack_binds_its_deployer_pods_to_the_role_that_trusts_exactly_them(plan, env):
    [association] = [r for r in stack_run(env).resources if r.type == "aws:eks/podIdentityAssociation:"
                     "PodIdentityAssociation" and r.inputs["namespace"] == f"arc-{env}-deploy"]
    assert association.inputs["roleArn"] == f"arn:aws:iam::123456789012:role/acme-ml-github-deploy-{env}"
    [role] = [r for r in plan["resources"] if r["type"] == "aws:iam/role:Role"
              and r["inputs"]["name"] == f"acme-ml-github-deploy-{env}"]
    condition = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"][0]["Condition"]["StringEquals"]
    cluster = association.inputs["clusterName"]
    assert condition == {
        "aws:RequestTag/eks-cluster-arn": f"arn:aws:eks:us-east-1:123456789012:cluster/{cluster}",
        "aws:RequestTag/kubernetes-namespace": association.inputs["namespace"],
        "aws:RequestTag/kubernetes-service-account": association.inputs["serviceAccount"]}
