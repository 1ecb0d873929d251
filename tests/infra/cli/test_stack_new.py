"""`mlinfra stack new`: a stack of one's own, with its bootstrap entries, planned, example values named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from infra.cli.ci import deploy_stages, preview_matrix
from infra.cli.main import main
from infra.config.rules.names import scale_set_name
from infra.offline.strict_yaml import read_yaml
from infra.plan.make import make_plan
from tests.helpers import ROOT

BOOTSTRAP = ROOT / "infra" / "bootstrap" / "stacks" / "Pulumi.bootstrap.yaml"
ACCEPTED = ROOT / "policies" / "checkov-accepted.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("Pulumi.sandbox-*", ".*"))
    (tmp_path / "bootstrap").mkdir()
    shutil.copy(BOOTSTRAP, tmp_path / "bootstrap" / "Pulumi.bootstrap.yaml")
    shutil.copy(ACCEPTED, tmp_path / "checkov-accepted.yaml")
    return tmp_path


def new(repo: Path, *args: str):
    return CliRunner().invoke(main, ["stack", "new", *args, "--stacks-dir", str(repo / "stacks"),
                                     "--bootstrap-file", str(repo / "bootstrap" / "Pulumi.bootstrap.yaml"),
                                     "--accepted-file", str(repo / "checkov-accepted.yaml")])


def test_research_on_gcp_from_dev_plans_with_ci_and_bootstrap_wired(repo):
    result = new(repo, "research", "--from", "dev", "--cloud", "gcp", "--gcp-project", "acme-ml-research")
    assert result.exit_code == 0, result.output
    path = repo / "stacks" / "Pulumi.research.yaml"
    text = path.read_text()
    config = read_yaml(path)["config"]
    # Only Google Cloud is kept, and the schema line is first.
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schema/stack.schema.json"
    assert "mlinfra:aws" not in config and {c["cloud"] for c in config["mlinfra:clusters"].values()} == {"gcp"}
    assert {b["cloud"] for b in config["mlinfra:buckets"].values()} == {"gcp"}
    schema = json.loads((ROOT / "schema" / "stack.schema.json").read_text())
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(read_yaml(path))) == []
    # The stack's own service accounts (the bootstrap makes them) and runner groups.
    gke = config["mlinfra:clusters"]["dev-gke"]
    assert gke["gcp"]["node_service_account"] == "acme-ml-research-nodes@acme-ml-research.iam.gserviceaccount.com"
    assert gke["gcp"]["metrics_reader_service_account"] == (
        "acme-ml-research-metrics@acme-ml-research.iam.gserviceaccount.com")
    deployer = gke["runners"]["deploy"]
    assert deployer["kind"] == "deploy" and deployer["runner_group"] == "research-deploy"
    # The bootstrap knows it: previewed (a dev stack) and its GCP project for the node accounts.
    bootstrap = read_yaml(repo / "bootstrap" / "Pulumi.bootstrap.yaml")["config"]
    assert bootstrap["bootstrap:stacks"]["previewed"] == ["dev", "research"]
    assert bootstrap["bootstrap:gcp"]["node_service_accounts"] == {
        "dev": "acme-ml-dev", "prod": "acme-ml-prod", "research": "acme-ml-research"}
    # Nothing else in the bootstrap file changed: comments and layout are kept.
    before = BOOTSTRAP.read_text().splitlines()
    after = (repo / "bootstrap" / "Pulumi.bootstrap.yaml").read_text().splitlines()
    assert [line for line in after if line not in before] == ["    previewed: [dev, research]",
                                                             "      research: acme-ml-research"]
    # The workflows pick it up from the stack files: deployed with dev, previewed, on its own deployer.
    assert {"stack": "research", "environment": "dev"} in deploy_stages(repo / "stacks")["dev"]
    assert [row["stack"] for row in preview_matrix(repo / "stacks")] == bootstrap["bootstrap:stacks"]["previewed"]
    runners = {scale_set_name("research", key) for c in config["mlinfra:clusters"].values() for key in c["runners"]}
    assert "research-deploy" in runners
    # Example values are named, in the file and on stderr, never silently copied.
    assert "# Before `pulumi up`, replace what was copied" in text
    # dev's stack file holds no secret any more (the App key is in its cloud secret, #26): nothing to re-encrypt.
    assert "a secret copied from" not in text
    hostname = "clusters.dev-gke.gateways.llm.hostnames.0: llm.dev.acme-ml.example.com is an example hostname"
    assert hostname in result.output
    assert "name=research-deploy" in result.output
    # Checkov findings accepted on dev are accepted on the copy; every other entry is left alone.
    accepted = read_yaml(repo / "checkov-accepted.yaml")
    assert [e["stacks"] for e in accepted] == [
        [*e["stacks"], "research"] if "dev" in e["stacks"] else e["stacks"] for e in read_yaml(ACCEPTED)]
    assert "research" in accepted[0]["stacks"] and "# Checkov checks that fail" in (
        repo / "checkov-accepted.yaml").read_text()
    # And it plans, policy-clean.
    outcome = make_plan("research", repo / "stacks")
    assert outcome.exit_code == 0, outcome.error
    assert outcome.document["policy"]["violations"] == []
    assert not [r for r in outcome.document["resources"] if r["type"].startswith("aws:")]


def test_a_taken_name_is_refused_and_nothing_is_written(repo):
    before = (repo / "bootstrap" / "Pulumi.bootstrap.yaml").read_text()
    result = new(repo, "prod", "--from", "dev")
    assert result.exit_code == 2
    assert result.output == ("error: stack 'prod' is taken: stacks/Pulumi.prod.yaml, bootstrap stacks.protected, "
                             "bootstrap gcp.node_service_accounts; choose another name\n")
    (repo / "stacks" / "Pulumi.prod.yaml").unlink()
    result = new(repo, "prod", "--from", "dev")
    assert result.exit_code == 2 and "bootstrap stacks.protected, bootstrap gcp.node_service_accounts" in result.output
    assert (repo / "bootstrap" / "Pulumi.bootstrap.yaml").read_text() == before
    assert not (repo / "stacks" / "Pulumi.prod.yaml").exists()


@pytest.mark.parametrize("name", ["Research", "sandbox-x", "r_d", "9x", "x-"])
def test_a_bad_name_is_refused(repo, name):
    result = new(repo, name, "--from", "dev")
    assert result.exit_code == 2 and "a stack name is lowercase letters" in result.output
    assert sorted(p.name for p in (repo / "stacks").iterdir()) == sorted(
        p.name for p in (ROOT / "stacks").glob("Pulumi.*.yaml") if not p.name.startswith("Pulumi.sandbox-"))


def test_an_aws_stack_gets_the_account_id_given_and_a_protected_environment(repo):
    result = new(repo, "train2", "--from", "prod", "--cloud", "aws", "--aws-account-id", "210987654321")
    assert result.exit_code == 0, result.output
    text = (repo / "stacks" / "Pulumi.train2.yaml").read_text()
    assert "123456789012" not in text and "arn:aws:iam::210987654321:role/acme-ml-github-deploy" in text
    config = read_yaml(repo / "stacks" / "Pulumi.train2.yaml")["config"]
    assert "mlinfra:gcp" not in config and config["mlinfra:environment"] == "prod"
    bootstrap = read_yaml(repo / "bootstrap" / "Pulumi.bootstrap.yaml")["config"]
    assert bootstrap["bootstrap:stacks"]["protected"] == ["staging", "prod", "train2"]
    assert "train2" not in bootstrap["bootstrap:gcp"]["node_service_accounts"]
    assert {"stack": "train2", "environment": "prod"} in deploy_stages(repo / "stacks")["prod"]


def test_without_an_account_id_the_example_one_is_named(repo):
    result = new(repo, "exp", "--from", "staging")
    assert result.exit_code == 0, result.output
    assert "the example AWS account id 123456789012; pass --aws-account-id or put yours" in result.output


def test_an_example_without_a_deployer_says_the_workflows_need_one(repo):
    result = new(repo, "train3", "--from", str(ROOT / "examples" / "aws-training.yaml"))
    assert result.exit_code == 0, result.output
    assert ("no deploy runner set: the workflows run train3's preview and `pulumi up` on `train3-deploy`; add a "
            "runner set `deploy` (kind: deploy) to one of its clusters") in result.output


def test_a_cloud_the_source_does_not_use_is_refused(repo):
    result = new(repo, "gcp-only", "--from", "staging", "--cloud", "gcp")
    assert result.exit_code == 2
    assert "--cloud gcp: the source stack has no cluster or bucket on gcp" in result.output
    assert not (repo / "stacks" / "Pulumi.gcp-only.yaml").exists()
