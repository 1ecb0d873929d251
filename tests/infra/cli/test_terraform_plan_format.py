"""`mlinfra plan STACK --format terraform-plan`: the plan as Terraform's plan JSON, from the command."""

from __future__ import annotations

import json

import jsonschema

from infra.cli.main import _as_terraform_plan
from infra.offline.document import build_document
from infra.offline.terraform_plan import load_schema
from infra.plan.make import PlanOutcome
from tests.helpers import mlinfra, stack_run


def test_plan_writes_a_schema_valid_terraform_plan(tmp_path):
    done = mlinfra("plan", "sandbox", "--format", "terraform-plan", "--out", str(tmp_path / "plan.json"))
    assert done.returncode == 0, done.stderr
    plan = json.loads((tmp_path / "plan.json").read_text())
    jsonschema.Draft202012Validator(load_schema()).validate(plan)
    assert plan["mlinfra"] == {"source": "pulumi", "planVersion": 1, "project": "mlinfra", "stack": "sandbox"}
    types = {r["type"] for r in plan["planned_values"]["root_module"]["resources"]}
    assert {"aws_eks_cluster", "aws_eks_node_group", "aws_kms_key"} <= types
    assert "[secret]" not in (tmp_path / "plan.json").read_text()


def test_a_type_without_a_terraform_type_is_exit_2_naming_it():
    document = json.loads(json.dumps(build_document(stack_run("sandbox"))))
    document["resources"][-1].update(type="aws:sagemaker/domain:Domain", custom=True)
    outcome = _as_terraform_plan(PlanOutcome(0, document=document))
    assert (outcome.exit_code, outcome.document) == (2, None)
    assert outcome.error.startswith("cannot write a Terraform plan: no Terraform type for aws:sagemaker/domain:Domain")
