"""GitHubWorkloadIdentity under mocks: exact subjects, and pull requests as one attribute set."""

from __future__ import annotations

import pytest

from components.gcp.github_wif import (
    ATTRIBUTE_MAPPING,
    CiServiceAccountSpec,
    GitHubWorkloadIdentity,
    GitHubWorkloadIdentityArgs,
    attribute_principal_set,
    repository_condition,
)

POOL = "projects/42/locations/global/workloadIdentityPools/github"


def test_pull_requests_are_one_principal_set_by_event_name(register):
    def program():
        return GitHubWorkloadIdentity("wif", GitHubWorkloadIdentityArgs(
            project="acme-proj", project_number="42", repo="o/r", pool_id="github", protect=False,
            service_accounts={"preview": CiServiceAccountSpec(
                (), ("roles/container.viewer",), principal_sets=(("event_name", "pull_request"),))}))

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


def test_provider_condition_and_mapping_carry_the_repository_id(register):
    reg = register(lambda: GitHubWorkloadIdentity("gh", GitHubWorkloadIdentityArgs(
        project="acme-ops", project_number="100000000009", repo="acme/ml", pool_id="github",
        service_accounts={"preview": CiServiceAccountSpec(("repo:acme/ml:pull_request",), ())},
        repository_id="260064828")))
    provider = reg.one("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider").inputs
    assert provider["attributeCondition"] == \
        "assertion.repository == 'acme/ml' && assertion.repository_id == '260064828'"
    assert provider["attributeMapping"]["attribute.repository_id"] == "assertion.repository_id"
