"""The diff logic over real recorded plans of dev, changed the way a pull request would change them."""

import copy

import jsonschema
import pytest

from infra.offline.document import build_document
from infra.plan.cost import add_cost
from infra.plan.diff import diff_plans, diff_stack, load_diff_schema, stack_key
from infra.plan.diff_paths import property_changes
from tests.helpers import stack_run


@pytest.fixture(scope="module")
def dev():
    document = build_document(stack_run("dev"))
    add_cost(document, None)
    return document


def _by_name(document, rtype, name=None):
    found = [r for r in document["resources"] if r["type"] == rtype and (name is None or r["name"] == name)]
    return found[0]


def test_same_plan_twice_is_unchanged_and_costs_nothing(dev):
    result = diff_stack(dev, copy.deepcopy(dev))
    assert result["status"] == "unchanged"
    assert result["summary"] == {"add": 0, "change": 0, "replace": 0, "remove": 0}
    assert result["cost"]["deltaUsdPerMonth"] == {"idle": 0.0, "peak": 0.0}


def test_nested_tag_change_is_one_line_with_its_path(dev):
    head = copy.deepcopy(dev)
    cluster = _by_name(head, "aws:eks/cluster:Cluster")
    before = cluster["inputs"]["tags"]["environment"]
    cluster["inputs"]["tags"]["environment"] = "staging"
    [entry] = diff_stack(dev, head)["resources"]
    assert (entry["action"], entry["name"]) == ("change", cluster["name"])
    assert entry["changes"] == [{"path": "tags.environment", "in": "inputs", "kind": "change",
                                 "before": before, "after": "staging"}]


def test_added_and_removed_resources_and_the_cost_delta(dev):
    head = copy.deepcopy(dev)
    nat = _by_name(head, "aws:ec2/natGateway:NatGateway")
    head["resources"].remove(nat)
    extra = copy.deepcopy(nat)
    extra["urn"] = nat["urn"] + "-b"
    extra["name"] = nat["name"] + "-b"
    head["resources"].append(extra)
    head["cost"]["totals"]["idle"]["usdPerMonth"] += 32.85
    result = diff_stack(dev, head)
    assert result["summary"] == {"add": 1, "change": 0, "replace": 0, "remove": 1}
    added = next(e for e in result["resources"] if e["action"] == "add")
    # A new resource lists its inputs, one line per top-level property.
    assert {c["path"] for c in added["changes"]} == set(nat["inputs"])
    assert result["cost"]["deltaUsdPerMonth"] == {"idle": 32.85, "peak": 0.0}
    assert result["alerts"] == []  # dev protects nothing


def test_new_parent_of_same_type_and_name_is_a_replace_and_protected_ones_come_first(dev):
    base = copy.deepcopy(dev)
    bucket = _by_name(base, "aws:s3/bucket:Bucket")
    bucket["protect"] = True
    head = copy.deepcopy(base)
    moved = _by_name(head, "aws:s3/bucket:Bucket", bucket["name"])
    # urn:pulumi:STACK::PROJECT::PARENT-TYPES$TYPE::NAME: one more component in between.
    stack, project, chain, name = moved["urn"].split("::")
    moved["urn"] = "::".join([stack, project, "mlinfra:x:Wrapper$" + chain, name])
    result = diff_plans({stack_key(base): base}, {stack_key(head): head}, "a", "b")
    [entry] = result["stacks"][0]["resources"]
    assert entry["action"] == "replace" and entry["reason"] == f"URN changes (new parent): was {bucket['urn']}"
    assert result["alerts"] == [{"project": "mlinfra", "stack": "dev", "action": "replace", "urn": moved["urn"],
                                 "type": "aws:s3/bucket:Bucket", "name": bucket["name"], "protect": True,
                                 "retainOnDelete": False}]


def test_secret_on_either_side_masks_both():
    changes = property_changes({"password": "hunter2", "keep": "[secret]"}, {"password": "[secret]", "keep": "x"})
    assert changes == [
        {"path": "keep", "in": "inputs", "kind": "change", "before": "[secret]", "after": "[secret]", "secret": True},
        {"path": "password", "in": "inputs", "kind": "change", "before": "[secret]", "after": "[secret]",
         "secret": True}]


def test_lists_by_key_by_index_and_json_strings_inside():
    before = {"rules": [{"name": "a", "port": 1}, {"name": "b", "port": 2}], "zones": ["x", "y"],
              "policy": '{"Statement": [{"Sid": "S3", "Action": ["s3:GetObject"]}]}',
              "tags": {"kubernetes.io/role": "a"}}
    after = {"rules": [{"name": "new", "port": 0}, {"name": "a", "port": 1}, {"name": "b", "port": 3}],
             "zones": ["x", "z"], "policy": '{"Statement": [{"Sid": "S3", "Action": ["s3:GetObject", "s3:Put"]}]}',
             "tags": {"kubernetes.io/role": "b"}}
    paths = {c["path"]: (c["kind"], c["before"], c["after"]) for c in property_changes(before, after)}
    assert paths == {
        "rules[name=b].port": ("change", 2, 3),
        "rules[name=new]": ("add", None, {"name": "new", "port": 0}),
        "zones[1]": ("change", "y", "z"),
        "policy.Statement[Sid=S3].Action[1]": ("add", None, "s3:Put"),
        'tags["kubernetes.io/role"]': ("change", "a", "b"),
    }


def test_option_changes_are_listed(dev):
    head = copy.deepcopy(dev)
    bucket = _by_name(head, "aws:s3/bucket:Bucket")
    bucket["retainOnDelete"] = True
    [entry] = diff_stack(dev, head)["resources"]
    assert entry["changes"] == [{"path": "retainOnDelete", "in": "options", "kind": "change",
                                 "before": False, "after": True}]


def test_stack_only_on_one_side_is_added_or_removed_whole_and_matches_the_schema(dev):
    prod_like = copy.deepcopy(dev)
    prod_like["stack"] = "qa"
    for resource in prod_like["resources"]:
        resource["retainOnDelete"] = resource["type"] == "aws:s3/bucket:Bucket"
    result = diff_plans({stack_key(dev): dev, ("mlinfra", "qa"): prod_like}, {stack_key(dev): dev}, "a", "b",
                        errors={("mlinfra-bootstrap", "bootstrap"): "HEAD: plan failed"})
    jsonschema.validate(result, load_diff_schema())
    by_stack = {s["stack"]: s for s in result["stacks"]}
    assert by_stack["qa"]["status"] == "removed"
    assert by_stack["qa"]["summary"]["remove"] == len(dev["resources"])
    buckets = sum(1 for r in dev["resources"] if r["type"] == "aws:s3/bucket:Bucket")
    assert len(by_stack["qa"]["alerts"]) == buckets > 0
    # dev has resources the snapshot cannot price: removing them saves an unknown amount, so no number.
    unpriced = {u["name"] for u in dev["cost"]["unpriced"]}
    assert unpriced
    assert by_stack["qa"]["cost"]["deltaUsdPerMonth"] is None
    assert {u["name"] for u in by_stack["qa"]["cost"]["unpricedChanges"]} == unpriced
    assert {u["action"] for u in by_stack["qa"]["cost"]["unpricedChanges"]} == {"remove"}
    # Without them, the removal is priced: minus the whole priced total.
    priced_only = copy.deepcopy(prod_like)
    priced_only["resources"] = [r for r in prod_like["resources"] if r["name"] not in unpriced]
    priced_only["cost"]["unpriced"] = []
    gone = diff_plans({("mlinfra", "qa"): priced_only}, {}, "a", "b")["stacks"][0]
    assert gone["cost"]["deltaUsdPerMonth"]["idle"] == -dev["cost"]["totals"]["idle"]["usdPerMonth"]
    assert by_stack["bootstrap"]["status"] == "error" and by_stack["bootstrap"]["error"] == "HEAD: plan failed"
    assert by_stack["dev"]["status"] == "unchanged"
