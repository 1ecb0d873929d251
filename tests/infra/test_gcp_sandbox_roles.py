"""The GCP sandbox reaper's account can tear down a GCP sandbox, and only in the sandbox project: every `gcp:` type
the sandbox template plans on GCP has a role in components/gcp/sandbox_teardown.py (and the table holds no other
type), the bootstrap grants exactly those roles there, conditioned where GCP allows, and none on the project that
holds the state."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
import yaml

from components.gcp.iam import NODE_ROLES
from components.gcp.sandbox_teardown import (
    GCP_TEARDOWN_ROLE_OF_TYPE,
    SANDBOX_NAME_PREFIX,
    only_granting,
    sandbox_key_rings,
    sandbox_teardown_roles,
)
from infra.catalog.accelerators import Cloud
from infra.config.bootstrap import parse_bootstrap_config
from infra.config.load import ConfigError
from infra.offline.document import build_document
from infra.plan.sandbox_dry_run import dry_run
from tests.helpers import bootstrap_run

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP_STACK = ROOT / "infra" / "bootstrap" / "stacks" / "Pulumi.bootstrap.yaml"
SANDBOX_ACCOUNT = "serviceAccount:acme-ml-gh-sandbox@acme-ml-platform.iam.gserviceaccount.com"


@cache
def gcp_sandbox() -> tuple[dict, ...]:
    """The custom resources of a sandbox `mlinfra sandbox create alice --name t1 --cloud gcp` would make."""
    result = dry_run("alice", "t1", Cloud.GCP, None, None, ROOT / "stacks", datetime(2026, 12, 7, tzinfo=UTC))
    assert result.document is not None, result.lines
    return tuple(r for r in result.document["resources"] if r["custom"] and r["type"].startswith("gcp:"))


@cache
def bootstrap_grants() -> tuple[dict, ...]:
    plan = build_document(bootstrap_run())
    return tuple(r["inputs"] for r in plan["resources"] if r["type"] == "gcp:projects/iAMMember:IAMMember"
                 and r["inputs"]["member"] == SANDBOX_ACCOUNT)


def bootstrap_values() -> dict:
    values = yaml.safe_load(BOOTSTRAP_STACK.read_text())["config"]
    return {k.split(":", 1)[1]: v for k, v in values.items()}


def test_the_table_has_a_role_for_every_type_a_gcp_sandbox_plans_and_no_other_type():
    types = {r["type"] for r in gcp_sandbox()}
    assert {"gcp:container/cluster:Cluster", "gcp:kms/cryptoKey:CryptoKey", "gcp:serviceaccount/account:Account",
            "gcp:projects/iAMMember:IAMMember"} <= types
    assert types == set(GCP_TEARDOWN_ROLE_OF_TYPE)


def test_the_project_iam_condition_names_exactly_the_roles_a_sandbox_grants():
    granted = {r["inputs"]["role"] for r in gcp_sandbox() if r["type"] == "gcp:projects/iAMMember:IAMMember"}
    assert granted == set(NODE_ROLES)
    assert only_granting(NODE_ROLES) == (
        "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/logging.logWriter', "
        "'roles/monitoring.metricWriter', 'roles/monitoring.viewer', 'roles/stackdriver.resourceMetadata.writer', "
        "'roles/artifactregistry.reader'])")


def test_a_sandboxs_key_rings_carry_the_prefix_the_kms_condition_admits():
    rings = [r["inputs"]["name"] for r in gcp_sandbox() if r["type"] == "gcp:kms/keyRing:KeyRing"]
    assert rings == ["sandbox-alice-t1-sandbox-secrets"]
    assert all(ring.startswith(SANDBOX_NAME_PREFIX) for ring in rings)
    assert sandbox_key_rings() == "resource.name.extract('/keyRings/{ring}').startsWith('sandbox-')"


def test_the_bootstrap_grants_the_sandbox_account_the_teardown_roles_in_the_sandbox_project_only():
    grants = bootstrap_grants()
    assert {g["project"] for g in grants} == {"acme-ml-sandbox"}
    assert {g["role"] for g in grants} == set(GCP_TEARDOWN_ROLE_OF_TYPE.values())
    conditions = {g["role"]: (g.get("condition") or {}).get("expression") for g in grants}
    assert conditions == {
        "roles/container.clusterAdmin": None, "roles/compute.networkAdmin": None,
        "roles/iam.serviceAccountAdmin": None,
        "roles/cloudkms.admin": sandbox_key_rings(),
        "roles/resourcemanager.projectIamAdmin": only_granting(NODE_ROLES)}


def test_nothing_on_the_state_project_or_an_environments_project():
    values = bootstrap_values()
    others = {values["gcp"]["project"], *values["gcp"]["node_service_accounts"].values()}
    assert not [g for g in bootstrap_grants() if g["project"] in others]


@pytest.mark.parametrize(("project", "what"), [
    ("acme-ml-platform", "gcp.project (the state bucket, keys and CI accounts)"),
    ("acme-ml-prod", "gcp.node_service_accounts.prod")])
def test_a_sandbox_project_shared_with_the_state_or_an_environment_is_refused(project, what):
    values = copy.deepcopy(bootstrap_values())
    values["gcp"]["sandbox_projects"] = [project]
    with pytest.raises(ConfigError) as error:
        parse_bootstrap_config(values, "bootstrap")
    assert (f"gcp.sandbox_projects.0: '{project}' is also {what}: the sandbox reaper tears down what is in its "
            "sandbox projects, so give sandboxes a project of their own") in str(error.value)


def test_a_sandbox_stacks_node_account_project_is_held_to_the_same_rule():
    values = copy.deepcopy(bootstrap_values())
    values["gcp"]["node_service_accounts"]["sandbox"] = "acme-ml-platform"
    with pytest.raises(ConfigError) as error:
        parse_bootstrap_config(values, "bootstrap")
    assert ("gcp.node_service_accounts.sandbox: 'acme-ml-platform' is also gcp.project (the state bucket, keys and "
            "CI accounts)") in str(error.value)


def test_a_type_without_a_teardown_role_is_named():
    with pytest.raises(KeyError, match="no teardown role known for gcp:pubsub/topic:Topic"):
        sandbox_teardown_roles(["gcp:compute/network:Network", "gcp:pubsub/topic:Topic"], NODE_ROLES)
    assert sandbox_teardown_roles(["gcp:compute/network:Network"], NODE_ROLES) == ("roles/compute.networkAdmin",)
