"""The cost and policy tables read well at 80 columns (CI logs, pipes) and in a wide terminal."""

import io

import pytest
from rich.console import Console

from infra.cli.views.cost import cost_table
from infra.cli.views.plan import table_view
from infra.cli.views.policy import policy_table
from infra.plan.make import make_plan

# Two names that agree on their first 40 characters: cut to a column's width, both read the same.
TWINS = ("prod-gke-train-europe-west4-a100-80gb-spot-pool-a", "prod-gke-train-europe-west4-a100-80gb-spot-pool-b")


def _item(name: str, peak_month: float) -> dict:
    return {"name": name, "kind": "node-pool", "detail": "a2-ultragpu-8g spot x 0..16",
            "idleUsdPerHour": 0.0, "peakUsdPerHour": peak_month / 730, "idleUsdPerMonth": 0.0,
            "peakUsdPerMonth": peak_month, "source": "s", "asOf": "2026-11-29"}


COST = {
    "currency": "USD", "hoursPerMonth": 730, "priceDate": "2026-11-29",
    "items": [_item(TWINS[0], 94_602.0), _item(TWINS[1], 94_602.0)],
    "totals": {"idle": {"usdPerHour": 0.0, "usdPerMonth": 0.0},
               "peak": {"usdPerHour": 259.2, "usdPerMonth": 189_204.0}},
    "unpriced": [], "usage": [], "assumptions": [],
}
FINDINGS = {"policy": {"pack": {"name": "mlinfra", "version": "0.1.0"}, "config": None, "violations": [
    {"policy": "gke-workload-identity-no-node-credentials", "enforcementLevel": "mandatory", "severity": "high",
     "message": "node pool uses the node's service account for pods", "remediation": "set workload_identity",
     "urn": "urn:pulumi:prod::mlinfra::gcp:container/nodePool:NodePool::" + TWINS[0]}],
    "notChecked": [{"policy": "iam-no-wildcard-actions", "enforcementLevel": "mandatory",
                    "message": "can't run policy during preview", "urn": None}]}}


def _render(renderable, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def _cells(text: str, column: int, key: int = -1) -> list[str]:
    """A table column's cells, each row's lines joined (folded text rejoined).

    A row's first line is the one with column `key` filled: it holds a figure or a level, which never wrap.
    """
    cells: list[str] = []
    for line in text.splitlines():
        if not line.startswith("│"):
            continue
        parts = line.split("│")
        if parts[1:-1][key].strip() or not cells:
            cells.append(parts[column + 1].strip())
        else:
            cells[-1] += parts[column + 1].strip()
    return cells


@pytest.mark.parametrize("width", [80, 200])
def test_cost_table_never_cuts_a_name_or_a_total(width):
    text = _render(cost_table(COST), width)
    assert "…" not in text
    assert all(len(line) <= width for line in text.splitlines())
    assert _cells(text, 0) == [*TWINS, "Total"]
    assert "189,204.00" in text and "94,602.00" in text


def test_cost_table_drops_the_hourly_columns_only_when_narrow():
    narrow, wide = _render(cost_table(COST), 80), _render(cost_table(COST), 200)
    assert "Peak /h " not in narrow and _cells(narrow, 1)[0] == "node-pool:a2-ultragpu-8g spot x0..16"
    assert "Peak /h " in wide and "259.20" in wide
    # The hourly totals are still on the line under the table.
    assert "peak 259.20 USD/h" in narrow.replace("\n", " ")


def test_policy_rule_names_and_levels_never_wrap_in_a_wide_terminal():
    text = _render(policy_table(FINDINGS)[1], 200)
    assert all(len(line) <= 200 for line in text.splitlines())
    lines = text.splitlines()
    assert any("│ mandatory   │ gke-workload-identity-no-node-credentials │" in line for line in lines)
    assert any("│ not checked │ iam-no-wildcard-actions" in line for line in lines)
    assert _cells(text, 2, key=0)[0] == TWINS[0]


def test_at_80_columns_findings_too_wide_for_a_grid_are_records_and_no_identifier_is_cut():
    # Level + rule + resource alone need more than 80 columns: a grid would have to cut one of them.
    text = _render(policy_table(FINDINGS)[1], 80)
    lines = [line.rstrip() for line in text.splitlines()]
    assert all(len(line) <= 80 for line in lines)
    assert lines[0] == "Policy findings"
    assert lines[1] == "mandatory  gke-workload-identity-no-node-credentials"
    assert lines[2] == TWINS[0]
    assert lines[3].strip() == "Finding: node pool uses the node's service account for pods"
    assert lines[4].strip() == "Fix: set workload_identity"
    assert lines[5] == "not checked  iam-no-wildcard-actions  (stack)"


@pytest.fixture(scope="module")
def dev_document():
    outcome = make_plan("dev")
    assert outcome.exit_code == 0, outcome.error
    return outcome.document


@pytest.mark.parametrize("width", [80, 200])
def test_the_whole_dev_plan_elides_nothing(dev_document, width):
    text = _render(table_view(dev_document), width)
    assert "…" not in text
    assert all(len(line) <= width for line in text.splitlines())
    # Each cost row names its resource in full, so no two read the same.
    names = [item["name"] for item in dev_document["cost"]["items"]]
    cost_part = text[text.index("Cost estimate"):]
    assert _cells(cost_part, 0)[:len(names)] == names
    assert f"{dev_document['cost']['totals']['peak']['usdPerMonth']:,.2f}" in cost_part


def test_at_80_columns_no_identifier_of_the_dev_plan_is_cut(dev_document):
    lines = _render(table_view(dev_document), 80).splitlines()
    # Every type token appears whole in the counts (but the one longer than the screen:
    # aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration, 84 characters),
    # every resource whole in the tree.
    for resource_type in [t for t in dev_document["counts"]["byType"] if len(t) <= 80 - 6]:
        assert any(line.split() == [str(dev_document["counts"]["byType"][resource_type]), resource_type]
                   for line in lines), resource_type
    for resource in dev_document["resources"]:
        assert any(f" {resource['name']} " in f"{line} " for line in lines), resource["name"]
    # Each finding's rule and resource are on one line together, neither cut.
    policy = dev_document["policy"]
    for finding in policy["violations"] + policy["notChecked"]:
        name = finding["urn"].rsplit("::", 1)[-1] if finding.get("urn") else "(stack)"
        assert any(f"{finding['policy']}  {name}" in line or
                   (f" {finding['policy']} " in line and f" {name} " in line) for line in lines), (finding, name)
