"""The GCP deploy account can deploy every GCP stack: each resource type dev and prod create is covered
by a role in the bootstrap's `gcp.deploy_roles`, and the stacks grant nothing on the project themselves."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra.config.bootstrap import (
    GCP_ADMIN_ROLES,
    GCP_DEPLOY_ROLE_OF_MODULE,
    GCP_PER_ACCOUNT_ROLE_OF_MODULE,
    parse_bootstrap_config,
)
from tests.helpers import stack_run

BOOTSTRAP_STACK = Path(__file__).resolve().parents[2] / "infra" / "bootstrap" / "stacks" / "Pulumi.bootstrap.yaml"
GCP_STACKS = ("dev", "prod")
# Types the deploy account could only create with project IAM admin or actAs on every account.
NEEDS_PROJECT_IAM = ("gcp:projects/iAMMember:IAMMember", "gcp:serviceaccount/account:Account")


def deploy_roles() -> set[str]:
    values = yaml.safe_load(BOOTSTRAP_STACK.read_text())["config"]
    config = parse_bootstrap_config({k.split(":", 1)[1]: v for k, v in values.items()}, "bootstrap")
    assert config.gcp is not None
    return set(config.gcp.deploy_roles)


def uncovered(types: set[str], roles: set[str]) -> list[str]:
    """Each type (`gcp:<module>/...`) no role in `roles` covers, with the role it would need."""
    missing = []
    for resource_type in sorted(types):
        module = resource_type.split(":")[1].split("/")[0]
        role = GCP_DEPLOY_ROLE_OF_MODULE.get(module)
        if role is None:
            missing.append(f"{resource_type} (no role known for gcp:{module}: add it to GCP_DEPLOY_ROLE_OF_MODULE)")
        elif role not in roles:
            missing.append(f"{resource_type} (needs {role} in gcp.deploy_roles)")
    return missing


def per_account(resource_type: str) -> bool:
    return resource_type.split(":")[1].split("/")[0] in GCP_PER_ACCOUNT_ROLE_OF_MODULE


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_the_deploy_roles_cover_every_gcp_resource_type_the_stack_creates(stack):
    types = {r.type for r in stack_run(stack).resources
             if r.type.startswith("gcp:") and r.custom and not per_account(r.type)}
    assert {"gcp:kms/keyRing:KeyRing", "gcp:dns/recordSet:RecordSet",
            "gcp:certificatemanager/certificate:Certificate"} <= types
    assert uncovered(types, deploy_roles()) == []


def test_a_type_without_a_covering_role_is_named():
    roles = {"roles/compute.admin"}
    assert uncovered({"gcp:compute/network:Network", "gcp:kms/keyRing:KeyRing", "gcp:pubsub/topic:Topic"},
                     roles) == [
        "gcp:kms/keyRing:KeyRing (needs roles/cloudkms.admin in gcp.deploy_roles)",
        "gcp:pubsub/topic:Topic (no role known for gcp:pubsub: add it to GCP_DEPLOY_ROLE_OF_MODULE)"]


def test_the_deploy_roles_hold_no_admin_role_and_only_roles_the_table_needs():
    roles = deploy_roles()
    assert not roles & set(GCP_ADMIN_ROLES)
    assert roles == set(GCP_DEPLOY_ROLE_OF_MODULE.values())


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_the_stack_creates_no_service_account_and_grants_nothing_on_the_project(stack):
    found = [(r.type, r.name) for r in stack_run(stack).resources if r.type in NEEDS_PROJECT_IAM]
    assert found == []


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_service_account_iam_only_on_the_metrics_reader_the_bootstrap_lets_the_deployer_bind(stack):
    # The bootstrap makes <prefix>-<stack>-metrics and grants the deployer GCP_PER_ACCOUNT_ROLE_OF_MODULE on
    # it alone (tests/infra/test_bootstrap.py); the stack may touch that account's IAM and no other's.
    values = yaml.safe_load(BOOTSTRAP_STACK.read_text())["config"]
    project = values["bootstrap:gcp"]["node_service_accounts"][stack]
    reader = f"projects/{project}/serviceAccounts/acme-ml-{stack}-metrics@{project}.iam.gserviceaccount.com"
    grants = [r for r in stack_run(stack).resources if r.custom and per_account(r.type)]
    assert {r.type for r in grants} == {"gcp:serviceaccount/iAMMember:IAMMember"}
    assert [(r.inputs["serviceAccountId"], r.inputs["role"]) for r in grants] == [
        (reader, "roles/iam.workloadIdentityUser")]

