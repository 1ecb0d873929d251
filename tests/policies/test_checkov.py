"""Checkov 3.3 over every stack and the bootstrap, as Terraform plans, against the accepted list.

One Checkov process scans every plan (it takes seconds to start). Where Checkov is missing the
tests skip and say so, except in CI (CI=true), where it must be there: .ci/run and the checks
workflow build it with .ci/checkov.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from infra.config.plan_clock import PLAN_TIME_ENV
from infra.offline import checkov_scan
from infra.offline.checkov_scan import (
    ACCEPTED_PATH,
    Accepted,
    Finding,
    Results,
    find_checkov,
    load_accepted,
    plan_all,
    run_checkov,
    stale,
    unaccepted,
)
from infra.offline.document import build_document
from infra.offline.engine import ProgramRun, run_stack
from infra.offline.terraform_plan import terraform_plan
from tests.helpers import changed, kept_on_disk, planned_run, stack_run

BROKEN = "dev-public-endpoint"  # dev with its EKS API opened to the internet: Checkov must see it


@pytest.fixture(scope="module")
def results() -> Results:
    checkov = find_checkov()
    if checkov is None:
        if os.environ.get("CI"):
            pytest.fail("checkov not found in CI: .ci/checkov must have built .ci/.checkov")
        pytest.skip("checkov not found: run .ci/checkov once (builds the pinned venv) or set CHECKOV")
    plans = plan_all(run=at_a_fixed_instant)
    cluster = next(i for i, r in enumerate(build_document(stack_run("dev"))["resources"])
                   if r["type"] == "aws:eks/cluster:Cluster")
    broken = changed(build_document(stack_run("dev")), f"resources.{cluster}.inputs.vpcConfig.endpointPublicAccess",
                     True)
    broken = changed(broken, f"resources.{cluster}.inputs.vpcConfig.publicAccessCidrs", ["0.0.0.0/0"])
    plans[BROKEN] = terraform_plan(broken)

    def scan() -> Results:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.monotonic()
            result = run_checkov(plans, checkov, Path(tmp))
            print(f"checkov over {len(plans)} plans: {time.monotonic() - started:.1f}s")
        return result

    # Checkov's verdict on these exact plans, from this exact Checkov and invocation, is read back from an
    # earlier session when there is one (its ~100 check modules take 10-20 s of CPU to run again).
    inputs = {"plans": plans, "checkov": checkov_identity(checkov), "invocation": inspect.getsource(checkov_scan)}
    return kept_on_disk("checkov", inputs, scan,
                        lambda r: {"failed": [asdict(f) for f in r.failed], "passed": [asdict(f) for f in r.passed]},
                        lambda d: Results([Finding(**f) for f in d["failed"]], [Finding(**f) for f in d["passed"]]))


def at_a_fixed_instant(stack: str) -> ProgramRun:
    """The shared run of a stack; the sandbox template's planned at one fixed plan time.

    Its `expires-at` tags are plan time + TTL, so planned now they differ in every session and the plans
    would never be the same twice; at a fixed instant (infra/config/plan_clock.py) they are.
    """
    if stack != "sandbox":
        return planned_run(stack)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PLAN_TIME_ENV, "2026-11-29T12:00:00Z")
        return run_stack(stack)


def checkov_identity(checkov: str) -> str:
    """Which Checkov this is: the pinned requirements of the venv .ci/checkov built, else the file itself."""
    binary = Path(checkov).resolve() if os.sep in checkov else Path(shutil.which(checkov) or checkov).resolve()
    stamp = binary.parent.parent / ".requirements.sha256"
    if stamp.is_file():
        return f"venv {stamp.read_text().strip()}"
    stat = binary.stat()
    return f"{binary} {stat.st_size} {stat.st_mtime_ns}"


@pytest.fixture(scope="module")
def findings(results) -> list[Finding]:
    return results.failed


# Checks that pass only if the conversion is right, each reading what a mistake would break:
# a renamed list block, a block as a list of one, a reference between resources (graph checks).
PASSES_THAT_PROVE_THE_CONVERSION = {
    ("CKV_AWS_2", "aws_lb_listener.train-infer-http"),  # default_action (Pulumi: defaultActions) redirects
    ("CKV_AWS_58", "aws_eks_cluster.train-cluster"),  # encryption_config [{resources: [secrets]}]
    ("CKV_AWS_79", "aws_launch_template.train-system-lt"),  # metadata_options [{http_tokens: required}]
    ("CKV_AWS_300", "aws_s3_bucket_lifecycle_configuration.datasets-lifecycle"),  # rule (Pulumi: rules)
    ("CKV2_AWS_6", "aws_s3_bucket.datasets-bucket"),  # its public access block is connected by reference
    ("CKV2_AWS_61", "aws_s3_bucket.datasets-bucket"),  # its lifecycle configuration is connected too
    ("CKV_GCP_25", "google_container_cluster.infer-gcp-cluster"),  # private_cluster_config block
}


def test_checks_that_read_renamed_blocks_and_references_pass(results):
    passed = {(f.check_id, f.resource) for f in results.passed if f.stack == "prod"}
    assert PASSES_THAT_PROVE_THE_CONVERSION - passed == set()


def test_a_broken_field_is_found_on_the_right_resource(findings):
    broken = {(f.check_id, f.resource) for f in findings if f.stack == BROKEN}
    assert {("CKV_AWS_38", "aws_eks_cluster.dev-cluster"), ("CKV_AWS_39", "aws_eks_cluster.dev-cluster")} <= broken
    assert not {f.check_id for f in findings if f.stack == "dev"} & {"CKV_AWS_38", "CKV_AWS_39"}


def test_every_stack_and_the_bootstrap_is_scanned(findings):
    # Each has at least one accepted finding today; a plan Checkov failed to read would have none.
    assert {"dev", "staging", "prod", "sandbox", "bootstrap"} <= {f.stack for f in findings}


def test_no_accepted_entry_is_stale(findings):
    assert [(a.check_id, a.stacks) for a in stale([f for f in findings if f.stack != BROKEN],
                                                   load_accepted())] == []


def test_no_failure_outside_the_accepted_list_on_any_stack(findings):
    outside = unaccepted([f for f in findings if f.stack not in (BROKEN, "bootstrap")], load_accepted())
    assert [f.line() for f in outside] == []


def test_no_failure_outside_the_accepted_list_on_the_bootstrap(findings):
    outside = unaccepted([f for f in findings if f.stack == "bootstrap"], load_accepted())
    assert [f.line() for f in outside] == []


def test_accepted_entries_cover_only_their_stacks_and_resources():
    entry = Accepted("CKV_GCP_62", "log buckets", ("prod",), ("google_storage_bucket.*-logs",))
    assert entry.covers(Finding("CKV_GCP_62", "prod", "google_storage_bucket.models-gcs-logs", ""))
    assert not entry.covers(Finding("CKV_GCP_62", "prod", "google_storage_bucket.models-gcs-bucket", ""))
    assert not entry.covers(Finding("CKV_GCP_62", "dev", "google_storage_bucket.models-gcs-logs", ""))
    assert not entry.covers(Finding("CKV_GCP_61", "prod", "google_storage_bucket.models-gcs-logs", ""))


def test_every_accepted_entry_has_a_reason(tmp_path):
    assert all(len(a.reason) > 20 for a in load_accepted())
    (tmp_path / "accepted.yaml").write_text(json.dumps([{"id": "CKV_AWS_1", "stacks": ["dev"]}]))
    with pytest.raises(ValueError, match=r"accepted.yaml\[0\]: missing reason"):
        load_accepted(tmp_path / "accepted.yaml")
    assert ACCEPTED_PATH.exists()
