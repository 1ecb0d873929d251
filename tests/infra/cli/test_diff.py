"""`mlinfra diff` as a subprocess over real recorded plans, in every format, and its bad-input errors."""

import copy
import json

import jsonschema
import pytest

from infra.offline.document import build_document
from infra.plan.cost import add_cost
from infra.plan.diff import load_diff_schema
from tests.helpers import mlinfra, stack_run

STACKS = ("dev", "staging", "sandbox")


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    """BASE and HEAD plan directories with an index, as `plan --all --out-dir` writes them.

    HEAD changes dev's environment tag everywhere (counted) and deletes a bucket marked retained, drops sandbox's NAT
    gateway, and leaves staging alone.
    """
    root = tmp_path_factory.mktemp("plans")
    base, head = root / "base", root / "head"
    base.mkdir()
    head.mkdir()
    index = []
    retagged = 0
    for stack in STACKS:
        document = build_document(stack_run(stack))
        add_cost(document, None)
        changed = copy.deepcopy(document)
        if stack == "dev":
            [bucket] = [r for r in document["resources"] if r["name"] == "datasets-bucket"]
            bucket["retainOnDelete"] = True
            changed["resources"] = [r for r in changed["resources"] if r["urn"] != bucket["urn"]]
            for resource in changed["resources"]:
                if isinstance(resource["inputs"].get("tags"), dict) and "environment" in resource["inputs"]["tags"]:
                    resource["inputs"]["tags"]["environment"] = "renamed"
                    retagged += 1
        if stack == "sandbox":
            changed["resources"] = [r for r in changed["resources"] if r["type"] != "aws:ec2/natGateway:NatGateway"]
            changed["cost"]["totals"]["idle"]["usdPerMonth"] -= 32.85
        name = f"mlinfra.{stack}.json"
        (base / name).write_text(json.dumps(document))
        (head / name).write_text(json.dumps(changed))
        index.append({"project": "mlinfra", "stack": stack, "file": name, "exitCode": 0, "error": None})
    for side in (base, head):
        (side / "index.json").write_text(json.dumps({"planVersion": 1, "stacks": index}))
    return base, head, retagged


def test_json_matches_its_schema_and_counts_every_change(plans):
    result = mlinfra("diff", str(plans[0]), str(plans[1]), "--format", "json")
    assert result.returncode == 0, result.stderr
    diff = json.loads(result.stdout)
    jsonschema.validate(diff, load_diff_schema())
    summary = {s["stack"]: s["summary"] for s in diff["stacks"]}
    assert summary["dev"] == {"add": 0, "change": plans[2], "replace": 0, "remove": 1}
    assert plans[2] > 20
    assert summary["sandbox"]["remove"] == 1
    assert summary["staging"] == {"add": 0, "change": 0, "replace": 0, "remove": 0}
    [alert] = diff["alerts"]
    assert (alert["stack"], alert["name"], alert["action"], alert["retainOnDelete"]) == (
        "dev", "datasets-bucket", "delete", True)


def test_markdown_has_a_summary_line_per_stack_and_the_alert_on_top(plans):
    result = mlinfra("diff", str(plans[0]), str(plans[1]), "--format", "markdown")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"- dev: +0 ~{plans[2]} -1, +$0.00/month" in lines
    assert "- sandbox: +0 ~0 -1, -$32.85/month (peak +$0.00/month)" in lines
    assert "- staging: no changes, +$0.00/month" in lines
    warning = lines.index("> [!WARNING]")
    assert lines[warning + 2] == ("> - dev: **delete** `aws:s3/bucket:Bucket` `datasets-bucket` "
                                  "(retainOnDelete)")
    assert warning < lines.index(f"#### dev: +0 ~{plans[2]} -1, +$0.00/month")
    assert '  - `tags.environment: "dev" → "renamed"`' in lines


def test_max_chars_drops_the_largest_details_first_and_says_so(plans, tmp_path):
    full = mlinfra("diff", str(plans[0]), str(plans[1]), "--format", "markdown").stdout
    limit = len(full) - 10
    whole = tmp_path / "whole.md"
    result = mlinfra("diff", str(plans[0]), str(plans[1]), "--format", "markdown", "--max-chars", str(limit),
                     "--rest-at", "the job summary", "--full-out", str(whole))
    assert result.returncode == 0, result.stderr
    assert whole.read_text() == full  # the rest is somewhere: the whole diff, from the same run
    text = result.stdout
    assert len(text) <= limit
    # sandbox's removal lists no properties; dev's block is larger and goes first.
    assert "**Details left out to fit this comment: dev (" in text
    assert "They are in the job summary.**" in text
    assert "_Details left out: see the job summary._" in text
    for line in (f"- dev: +0 ~{plans[2]} -1, +$0.00/month", "- staging: no changes, +$0.00/month"):
        assert line in text
    assert "#### sandbox: +0 ~0 -1" in text and "**delete** `aws:ec2/natGateway:NatGateway`" in text


def test_table_reads_at_80_columns(plans):
    result = mlinfra("diff", str(plans[0]), str(plans[1]), env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert "Protected or retained resources that would be deleted or replaced:" in result.stdout
    assert 'tags.environment: "dev" → "renamed"' in result.stdout


def test_two_single_documents_are_compared_with_each_other(plans):
    result = mlinfra("diff", str(plans[0] / "mlinfra.dev.json"), str(plans[1] / "mlinfra.staging.json"),
                     "--format", "json")
    assert result.returncode == 0, result.stderr
    [stack] = json.loads(result.stdout)["stacks"]
    assert stack["status"] == "changed"


@pytest.mark.parametrize("single_side", ["head", "base"])
def test_every_stack_against_one_document_compares_that_stack_only(plans, single_side):
    # `mlinfra diff HEAD dev.json`: the other side (a revision or a plan folder) holds every stack; only
    # dev is compared, so staging and sandbox are neither "removed" nor warned about.
    base, head = (plans[0], plans[1] / "mlinfra.dev.json") if single_side == "head" else (
        plans[0] / "mlinfra.dev.json", plans[1])
    result = mlinfra("diff", str(base), str(head), "--format", "json")
    assert result.returncode == 0, result.stderr
    [stack] = json.loads(result.stdout)["stacks"]
    assert stack["stack"] == "dev" and stack["status"] == "changed"
    assert stack["summary"] == {"add": 0, "change": plans[2], "replace": 0, "remove": 1}
    markdown = mlinfra("diff", str(base), str(head), "--format", "markdown").stdout
    assert "staging" not in markdown and "sandbox" not in markdown


def test_failed_stack_in_the_index_is_listed_not_skipped(plans, tmp_path):
    index = json.loads((plans[1] / "index.json").read_text())
    index["stacks"].append({"project": "mlinfra", "stack": "prod", "file": None, "exitCode": 2,
                            "error": "stacks/Pulumi.prod.yaml: clusters.x: bad"})
    head = tmp_path / "head"
    head.mkdir()
    for stack in STACKS:
        (head / f"mlinfra.{stack}.json").write_text((plans[1] / f"mlinfra.{stack}.json").read_text())
    (head / "index.json").write_text(json.dumps(index))
    result = mlinfra("diff", str(plans[0]), str(head), "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert (f"- prod: could not compare: {head}: stacks/Pulumi.prod.yaml: clusters.x: bad (exit code 2)"
            in result.stdout.splitlines())


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "nope", "BASE: 'nope' is not a plan document file, a directory of plan documents, "
                           "or a git revision of"),
    (lambda d: (d / "x.json").write_text("{") and d / "x.json", "BASE: {d}/x.json is not JSON"),
    (lambda d: (d / "y.json").write_text('{"planVersion": 2}') and d / "y.json",
     "BASE: {d}/y.json is not a plan document (planVersion 2; this mlinfra reads version 1)"),
    (lambda d: d, "BASE: {d} holds no plan documents"),
])
def test_bad_input_exits_2_naming_the_argument(plans, tmp_path, make, message):
    target = make(tmp_path)
    arg = "nope" if target.name == "nope" else str(target)
    result = mlinfra("diff", arg, str(plans[1]), "--repo", str(tmp_path))
    assert result.returncode == 2
    assert message.format(d=tmp_path) in " ".join(result.stderr.split())
    assert result.stdout == ""


def test_max_chars_needs_markdown(plans):
    result = mlinfra("diff", str(plans[0]), str(plans[1]), "--max-chars", "5000")
    assert result.returncode == 2
    assert "--max-chars, --rest-at and --full-out apply to --format markdown only" in result.stderr
