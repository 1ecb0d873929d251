"""Whole stacks through the pack: every stack in stacks/ is policy-clean, and weakening a secure
default in a stack file makes `mlinfra plan` exit 1 naming the rule."""

from __future__ import annotations

import io
import json
from functools import cache

import jsonschema
import pytest
from click.testing import CliRunner
from rich.console import Console

from infra.cli.main import main
from infra.cli.views.plan import markdown_view, table_view
from infra.offline.document import load_schema
from infra.offline.engine import STACKS_DIR
from infra.offline.stackfile import available_stacks
from infra.plan.make import EXIT_OK, make_plan

STACKS = available_stacks(STACKS_DIR)
# Planning a stack is the slow part (the program under the mock engine), so each is planned once.
plan = cache(make_plan)


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_has_no_mandatory_violations(stack):
    outcome = plan(stack)
    assert outcome.error is None
    policy = outcome.document["policy"]
    assert [v for v in policy["violations"] if v["enforcementLevel"] == "mandatory"] == []
    assert policy["config"] == f"policies/config/{outcome.document['environment']}.json"
    assert policy["pack"] == {"name": "mlinfra", "version": "0.1.0"}
    assert outcome.exit_code == EXIT_OK
    jsonschema.validate(outcome.document, load_schema())


def test_dev_is_checked_in_full_with_stand_ins_for_what_needs_values_from_apply():
    """The IAM policies that name an ARN known only after apply (KMS keys, the AMP workspace) used to
    leave iam-no-wildcard-actions and amp-access-scoped "not checked"; with stand-ins both run on them."""
    document = plan("dev").document
    policy = document["policy"]
    assert policy["violations"] == [] and policy["notChecked"] == []
    using = sorted(r["name"] for r in document["resources"]
                   if r["type"] == "aws:iam/rolePolicy:RolePolicy" and "policy" in (r.get("standIns") or {}).get(
                       "inputs", {}))
    # and the imagenet dataset's consumer (#27): its policy names the bucket's KMS key.
    # (The scraper's write role left with #28's AWS owned workspace key: the service-linked role writes.)
    assert using == ["dev-cluster-kms", "dev-dev-cpu-jobs-buckets", "dev-grafana-query",
                     "dev-notebooks-buckets", "dev-training-trainer-datasets-datasets"]


def test_turning_off_versioning_fails_the_plan_naming_the_rule(tmp_path):
    text = (STACKS_DIR / "Pulumi.dev.yaml").read_text()
    assert "    datasets:\n      cloud: aws\n" in text
    (tmp_path / "Pulumi.dev.yaml").write_text(
        text.replace("    datasets:\n      cloud: aws\n", "    datasets:\n      cloud: aws\n      versioning: false\n"))
    result = CliRunner().invoke(
        main, ["plan", "dev", "--stacks-dir", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1, result.stderr
    assert "mandatory policy violations: s3-versioning" in result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, load_schema())
    [violation] = document["policy"]["violations"]
    assert violation == {
        "policy": "s3-versioning", "enforcementLevel": "mandatory", "severity": "medium",
        "message": "bucket 'acme-ml-dev-datasets' does not have versioning enabled",
        "urn": "urn:pulumi:dev::mlinfra::mlinfra:aws:S3Bucket$aws:s3/bucket:Bucket::datasets-bucket",
        "remediation": "Set buckets.<name>.versioning: true (the default) in the stack file."}
    markdown = markdown_view(document)
    assert "**Policy (mlinfra@0.1.0, config policies/config/dev.json): 1 mandatory, 0 advisory, 0 not checked**" \
        in markdown
    assert ("| mandatory | `s3-versioning` | datasets-bucket | bucket 'acme-ml-dev-datasets' does not have "
            "versioning enabled | Set buckets.<name>.versioning: true (the default) in the stack file. |") in markdown
    console = Console(record=True, width=240, file=io.StringIO())
    console.print(table_view(document))
    table = console.export_text()
    assert "Policy (mlinfra@0.1.0, config policies/config/dev.json): 1 mandatory, 0 advisory, 0 not checked" in table
    assert "s3-versioning" in table and "bucket 'acme-ml-dev-datasets' does not have versioning enabled" in table


@pytest.mark.parametrize("before, after, rule", [
    # An S3 bucket's versioning, on AWS.
    ("    datasets:\n      cloud: aws\n", "    datasets:\n      cloud: aws\n      versioning: false\n",
     "s3-versioning"),
    # A GCS bucket's versioning, on GCP.
    ("    samples-gcs:\n      cloud: gcp\n", "    samples-gcs:\n      cloud: gcp\n      versioning: false\n",
     "gcs-versioning"),
])
def test_flipping_a_secure_default_in_prod_fails_the_plan_naming_the_rule(tmp_path, before, after, rule):
    text = (STACKS_DIR / "Pulumi.prod.yaml").read_text()
    assert before in text
    (tmp_path / "Pulumi.prod.yaml").write_text(text.replace(before, after))
    result = CliRunner().invoke(main, ["plan", "prod", "--stacks-dir", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1, result.stderr
    assert f"mandatory policy violations: {rule}" in result.stderr
    assert {v["policy"] for v in json.loads(result.stdout)["policy"]["violations"]} == {rule}
