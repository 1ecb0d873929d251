"""GitHubOidc under mocks: subjects bound to environment and branch, customer policies, the boundary."""

from __future__ import annotations

import json

from components.aws.ci_policies import CiScope, boundary_document, deploy_policy_document
from components.aws.github_oidc import (
    SUBJECT_CLAIM_KEYS,
    CiRoleSpec,
    GitHubOidc,
    GitHubOidcArgs,
    environment_subject,
    pull_request_subject_pattern,
)

ISSUER = "token.actions.githubusercontent.com"
SCOPE = CiScope(account_id="111122223333", region="us-east-1", name_prefix="acme",
                state_bucket_arn="arn:aws:s3:::acme-state")


def test_subjects_follow_the_repo_context_ref_template():
    assert SUBJECT_CLAIM_KEYS == ("repo", "context", "ref")
    assert environment_subject("o/r", "prod", "main") == "repo:o/r:environment:prod:ref:refs/heads/main"
    assert pull_request_subject_pattern("o/r") == "repo:o/r:pull_request:ref:refs/pull/*/merge"


def test_roles_get_their_customer_policies_the_state_document_and_the_boundary_exists(register):
    deploy_doc = deploy_policy_document(SCOPE, [])

    def program():
        return GitHubOidc("github", GitHubOidcArgs(
            account_id="111122223333", state_bucket_arn="arn:aws:s3:::acme-state", state_key_arn="arn:key",
            name_prefix="acme", protect=False,
            boundary=(SCOPE.iam_path, SCOPE.boundary_name, boundary_document(SCOPE)),
            roles={"deploy": CiRoleSpec((environment_subject("o/r", "prod", "main"),),
                                        policies={"main": deploy_doc}, state_policy='{"Statement": []}')}))

    reg = register(program)
    boundary = reg.one("aws:iam/policy:Policy", "github-boundary").inputs
    assert (boundary["name"], boundary["path"]) == ("acme-workload-boundary", "/acme/")
    assert json.loads(boundary["policy"]) == json.loads(boundary_document(SCOPE))
    policy = reg.one("aws:iam/policy:Policy", "github-deploy-main").inputs
    assert (policy["name"], json.loads(policy["policy"])) == ("acme-github-deploy", json.loads(deploy_doc))
    # The deploy policy's own name is the one its deny statement protects.
    assert f":policy/{policy['name']}" in json.dumps(json.loads(deploy_doc))
    assert reg.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "github-deploy-main")
    assert reg.one("aws:iam/rolePolicy:RolePolicy", "github-deploy-state").inputs["policy"] == '{"Statement": []}'
    trust = json.loads(reg.one("aws:iam/role:Role", "github-deploy").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Condition"]["StringLike"] == {
        f"{ISSUER}:sub": ["repo:o/r:environment:prod:ref:refs/heads/main"]}
