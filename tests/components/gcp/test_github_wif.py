"""GitHubWorkloadIdentity under mocks: the trust condition, principal sets per environment, service account ids."""

from __future__ import annotations

import re

import pytest

from components.gcp.github_wif import (
    ATTRIBUTE_MAPPING,
    CiServiceAccountSpec,
    GitHubWorkloadIdentity,
    GitHubWorkloadIdentityArgs,
    attribute_principal_set,
    repository_condition,
    trust_condition,
)

POOL = "projects/42/locations/global/workloadIdentityPools/github"


def test_pull_requests_are_one_principal_set_by_event_name(register):
    def program():
        return GitHubWorkloadIdentity("wif", GitHubWorkloadIdentityArgs(
            project="acme-proj", project_number="42", repo="o/r", pool_id="github", protect=False,
            condition="true", service_accounts={"preview": CiServiceAccountSpec(
                ("roles/container.viewer",), principal_sets=(("event_name", "pull_request"),))}))

    reg = register(program)
    assert ATTRIBUTE_MAPPING["attribute.event_name"] == "assertion.event_name"
    provider = reg.one("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider").inputs
    assert provider["attributeMapping"]["attribute.event_name"] == "assertion.event_name"
    member = reg.one("gcp:serviceaccount/iAMMember:IAMMember", "wif-preview-wif-event-name-pull-request").inputs
    assert member["role"] == "roles/iam.workloadIdentityUser"
    assert member["member"] == f"principalSet://iam.googleapis.com/{POOL}/attribute.event_name/pull_request"
    assert attribute_principal_set("42", "github", "event_name", "pull_request") == member["member"]


def test_condition_checks_the_repository_id_as_well_as_the_name():
    assert repository_condition("acme/ml", "260064828") == \
        "assertion.repository == 'acme/ml' && assertion.repository_id == '260064828'"
    with pytest.raises(ValueError, match="numeric repository id"):
        repository_condition("acme/ml", "acme/ml")


def test_the_trust_condition_pins_repository_branch_environment_and_workflow_file():
    condition = trust_condition("acme/ml", "260064828", "main",
                                {"prod": ".github/workflows/pulumi-up.yml", "drift": ".github/workflows/drift.yml"},
                                ".github/workflows/preview.yml")
    assert condition == (
        "assertion.repository == 'acme/ml' && assertion.repository_id == '260064828' && ("
        "(assertion.event_name == 'pull_request' && "
        "assertion.job_workflow_ref.startsWith('acme/ml/.github/workflows/preview.yml@refs/pull/')) || "
        "(assertion.ref == 'refs/heads/main' && ("
        "(assertion.environment == 'prod' && "
        "assertion.job_workflow_ref == 'acme/ml/.github/workflows/pulumi-up.yml@refs/heads/main') || "
        "(assertion.environment == 'drift' && "
        "assertion.job_workflow_ref == 'acme/ml/.github/workflows/drift.yml@refs/heads/main'))))")


def test_provider_condition_and_mapping_keep_the_subject_within_127_bytes(register):
    reg = register(lambda: GitHubWorkloadIdentity("gh", GitHubWorkloadIdentityArgs(
        project="acme-ops", project_number="100000000009", repo="acme/ml", pool_id="github",
        condition=repository_condition("acme/ml", "260064828"),
        service_accounts={"deploy-prod": CiServiceAccountSpec((), principal_sets=(("environment", "prod"),))})))
    provider = reg.one("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider").inputs
    assert provider["attributeCondition"] == \
        "assertion.repository == 'acme/ml' && assertion.repository_id == '260064828'"
    assert provider["attributeMapping"]["attribute.repository_id"] == "assertion.repository_id"
    # The run, not `sub` (longer than 127 bytes under the subject template).
    assert provider["attributeMapping"]["google.subject"] == "'run:' + assertion.run_id + ':' + assertion.run_attempt"
    member = reg.one("gcp:serviceaccount/iAMMember:IAMMember").inputs["member"]
    assert member == ("principalSet://iam.googleapis.com/projects/100000000009/locations/global/"
                      "workloadIdentityPools/github/attribute.environment/prod")


NAMES_SPEC = CiServiceAccountSpec(project_roles=(), principal_sets=(("environment", "prod"),))


def build_named(prefix: str, *names: str):
    return lambda: GitHubWorkloadIdentity("gh", GitHubWorkloadIdentityArgs(
        project="p", project_number="1", repo="acme/ml", pool_id="github", name_prefix=prefix, condition="true",
        service_accounts={n: NAMES_SPEC for n in names}))


def test_ci_service_account_ids_stay_distinct_and_valid_with_the_longest_prefix(register):
    # A 24-character prefix (the config's longest) plus `-gh-` leaves 2 characters of the name when
    # cut to 30: `deploy` and `deploy-sandbox` were one account, and a cut could end in a hyphen.
    reg = register(build_named("acme-machine-learning-pl", "deploy", "deploy-sandbox", "drift"))
    ids = [r.inputs["accountId"] for r in reg.of_type("gcp:serviceaccount/account:Account")]
    assert len(set(ids)) == 3
    for account in ids:
        assert re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])", account) and 6 <= len(account) <= 30, account


def test_short_ci_service_account_ids_are_unchanged(register):
    reg = register(build_named("acme-ml", "deploy", "preview"))
    assert sorted(r.inputs["accountId"] for r in reg.of_type("gcp:serviceaccount/account:Account")) == [
        "acme-ml-gh-deploy", "acme-ml-gh-preview"]
