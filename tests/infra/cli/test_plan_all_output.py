"""`plan --all` output without planning: headings per stack, the index, failures on stderr."""

import io
import json

from rich.console import Console

from infra.cli.plan_all import index, print_tables, render, report_failures, write_dir
from infra.plan.make import PlanOutcome
from infra.plan.make_all import AllPlans, CheckOutcome, StackPlan
from tests.infra.cli.views.test_plan import document


def _result() -> AllPlans:
    good = document({"bucket": "data"})
    return AllPlans([StackPlan("mlinfra", "broken", PlanOutcome(2, error="stacks/Pulumi.broken.yaml: bad")),
                     StackPlan("mlinfra", "prod", PlanOutcome(1, document=good, error="over budget"))],
                    [CheckOutcome("names", 0, {"claims": []})])


def test_table_output_puts_each_stack_under_a_rule_naming_it():
    console = Console(width=80, record=True, file=io.StringIO())
    print_tables(_result(), console)
    text = console.export_text()
    assert "mlinfra · broken" in text and "not planned (exit 2): see the error below" in text
    assert "mlinfra · prod" in text and "Plan for stack 'prod'" in text
    assert text.index("mlinfra · broken") < text.index("mlinfra · prod")


def test_json_output_holds_the_documents_and_the_checks():
    printed = json.loads(render(_result(), "json"))
    assert [d["stack"] for d in printed["stacks"]] == ["prod"]
    assert printed["checks"] == [{"name": "names", "file": "check.names.json", "exitCode": 0, "error": None}]


def test_out_dir_has_a_file_per_planned_stack_and_an_index(tmp_path):
    write_dir(_result(), "markdown", tmp_path / "plans")
    assert sorted(p.name for p in (tmp_path / "plans").iterdir()) == [
        "check.names.json", "index.json", "mlinfra.prod.md"]
    assert json.loads((tmp_path / "plans" / "index.json").read_text()) == index(_result(), "markdown")
    assert index(_result(), "markdown")["stacks"][0] == {
        "project": "mlinfra", "stack": "broken", "file": None, "exitCode": 2, "error": "stacks/Pulumi.broken.yaml: bad"}


def test_stderr_names_each_failing_stack_and_the_overall_code():
    err = Console(width=200, record=True, file=io.StringIO())
    report_failures(_result(), err)
    assert err.export_text().splitlines() == [
        "mlinfra stack 'broken': exit 2: stacks/Pulumi.broken.yaml: bad",
        "mlinfra stack 'prod': exit 1: over budget",
        "plan --all: exit 2 (the worst of 2 stacks and 1 check(s); order 2 > 3 > 1 > 0)",
    ]
