"""GitHubOidc under mocks: subjects bound to repository id, environment, branch and workflow file; customer
policies; the boundary; no role without a state policy."""

from __future__ import annotations

import json

import pytest

from components.aws.ci_policies import CiScope, boundary_document, deploy_policy_documents
from components.aws.github_oidc import (
    SUBJECT_CLAIM_KEYS,
    CiRoleSpec,
    GitHubOidc,
    GitHubOidcArgs,
    Repository,
    environment_subject,
    github_trust_policy,
    pull_request_subject_pattern,
)

ISSUER = "token.actions.githubusercontent.com"
SCOPE = CiScope(account_id="111122223333", region="us-east-1", name_prefix="acme",
                state_bucket_arn="arn:aws:s3:::acme-state")
REPO = Repository("o/r", "42")


def test_subjects_follow_the_repo_id_context_ref_workflow_template():
    assert SUBJECT_CLAIM_KEYS == ("repo", "repository_id", "context", "ref", "job_workflow_ref")
    assert environment_subject(REPO, "prod", "main", ".github/workflows/up.yml") == (
        "repo:o/r:repository_id:42:environment:prod:ref:refs/heads/main"
        ":job_workflow_ref:o/r/.github/workflows/up.yml@refs/heads/main")
    assert pull_request_subject_pattern(REPO, ".github/workflows/preview.yml") == (
        "repo:o/r:repository_id:42:pull_request:ref:refs/pull/*/merge"
        ":job_workflow_ref:o/r/.github/workflows/preview.yml@refs/pull/*/merge")
    # GitHub writes a `:` inside a value as %3A, so an environment name cannot forge another claim.
    assert ":environment:a%3Aref:" in environment_subject(REPO, "a:ref", "main", ".github/workflows/up.yml")


def test_literal_subjects_are_matched_exactly_and_only_patterns_with_stringlike():
    literal = environment_subject(REPO, "prod", "main", ".github/workflows/up.yml")
    pattern = pull_request_subject_pattern(REPO, ".github/workflows/preview.yml")
    [statement] = json.loads(github_trust_policy("arn:p", [literal, pattern]))["Statement"]
    assert statement["Condition"] == {
        "StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com", f"{ISSUER}:sub": [literal]},
        "StringLike": {f"{ISSUER}:sub": [pattern]}}


def test_roles_get_their_customer_policies_the_state_document_and_the_boundary_exists(register):
    documents = deploy_policy_documents(SCOPE, "prod")
    subject = environment_subject(REPO, "prod", "main", ".github/workflows/up.yml")

    def program():
        return GitHubOidc("github", GitHubOidcArgs(
            account_id="111122223333", name_prefix="acme", protect=False,
            boundary=(SCOPE.iam_path, SCOPE.boundary_name, boundary_document(SCOPE)),
            roles={"deploy-prod": CiRoleSpec((subject,), policies=documents, state_policy='{"Statement": []}')}))

    reg = register(program)
    boundary = reg.one("aws:iam/policy:Policy", "github-boundary").inputs
    assert (boundary["name"], boundary["path"]) == ("acme-workload-boundary", "/acme/")
    assert json.loads(boundary["policy"]) == json.loads(boundary_document(SCOPE))
    names = sorted(r.inputs["name"] for r in reg.of_type("aws:iam/policy:Policy") if r.name != "github-boundary")
    assert names == ["acme-github-deploy-prod", "acme-github-deploy-prod-part2"]
    attached = sorted(r.inputs["policyArn"] for r in reg.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment"))
    assert attached == [f"arn:aws:iam::111122223333:policy/{n}" for n in names]
    assert reg.one("aws:iam/rolePolicy:RolePolicy", "github-deploy-prod-state").inputs["policy"] == '{"Statement": []}'
    trust = json.loads(reg.one("aws:iam/role:Role", "github-deploy-prod").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Condition"]["StringEquals"][f"{ISSUER}:sub"] == [subject]


def test_a_role_without_a_state_policy_is_refused(register):
    with pytest.raises(Exception, match="CI role 'drift' has no state_policy"):
        register(lambda: GitHubOidc("github", GitHubOidcArgs(
            account_id="111122223333", protect=False, roles={"drift": CiRoleSpec(("s",))})))
