"""`mlinfra plan` end to end, as a subprocess, the way people and CI run it."""

import json

import jsonschema
import pytest

from infra.catalog.version import mlinfra_version
from infra.offline.document import load_schema
from tests.helpers import mlinfra


@pytest.fixture(scope="module")
def dev_json():
    result = mlinfra("plan", "dev", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_json_plan_is_the_documented_contract(dev_json):
    jsonschema.validate(dev_json, load_schema())
    types = {r["type"] for r in dev_json["resources"]}
    assert {"aws:ec2/vpc:Vpc", "aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup",
            "aws:s3/bucket:Bucket"} <= types
    assert dev_json["planVersion"] == 1 and dev_json["stack"] == "dev"
    assert dev_json["policy"]["violations"] == []
    # Five IAM policies embed ARNs that only exist after apply; with stand-ins for them (docs/stand-ins.md)
    # every rule runs, and the document says which inputs hold a stand-in.
    assert dev_json["policy"]["notChecked"] == []
    [kms] = [r for r in dev_json["resources"] if r["urn"].endswith("RolePolicy::dev-cluster-kms")]
    assert [o["output"] for o in kms["standIns"]["inputs"]["policy"]] == ["arn"]


def test_the_pack_is_named_with_one_version_in_the_header_and_every_finding(dev_json):
    version = mlinfra_version()
    assert dev_json["policy"]["pack"] == {"name": "mlinfra", "version": version}
    # pulumi_policy writes its fixed "v0.0.1" into "can't run policy" messages; the plan says the real one.
    for finding in dev_json["policy"]["notChecked"]:
        assert f"from policy pack 'mlinfra@{version}' during preview" in finding["message"]
        assert "0.0.1" not in finding["message"]


def test_table_plan_renders_the_component_tree():
    result = mlinfra("plan", "dev")
    assert result.returncode == 0, result.stderr
    assert "Plan for stack 'dev' (environment dev): 249 resources" in result.stdout
    assert "mlinfra:aws:EksCluster" in result.stdout
    assert "g6.xlarge · SPOT · 0..2 nodes" in result.stdout


def test_markdown_plan_fits_a_pull_request_comment(tmp_path):
    out = tmp_path / "plan.md"
    result = mlinfra("plan", "dev", "--format", "markdown", "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text.startswith("### mlinfra plan: `dev`\n")
    assert "| &nbsp;&nbsp;dev-cluster | `aws:eks/cluster:Cluster` | k8s 1.35 · endpoint private" in text
    assert "| `aws:eks/nodeGroup:NodeGroup` | 2 |" in text  # the GPU pool and the system pool
    assert ("**Policy (mlinfra@0.1.0, config policies/config/dev.json): 0 mandatory, 0 advisory, 0 not checked**"
            in text)


def test_unknown_stack_exits_2_and_lists_stacks():
    result = mlinfra("plan", "qa")
    assert result.returncode == 2
    assert "unknown stack 'qa'" in result.stderr and "Stacks that exist: dev" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("change, expected", [
    ("mlinfra:environment: dev", "environment: must be 'dev', 'staging', 'prod' or 'sandbox' (got 'develop')"),
    ("gpu_pools:", "clusters.train.gpu_pool: unknown key; did you mean 'gpu_pools'?"),
    ("min_nodes: 0", "clusters.train.gpu_pools.l4.max_nodes: must be >= min_nodes (got 2 < 5)"),
    ("accelerator: nvidia-l4", "clusters.train.gpu_pools.l4.accelerator: must be 'nvidia-t4'"),
    ("max_nodes: 2", "clusters.train.gpu_pools.l4.max_nodes: must be a valid integer, unable to parse "
                     "string as an integer (got 'lots')"),
])
def test_broken_stack_file_exits_2_naming_the_field(tmp_path, change, expected):
    good = """config:
  mlinfra:environment: dev
  mlinfra:tags: {owner: ml, cost-center: cc}
  mlinfra:aws: {region: us-east-1}
  mlinfra:clusters:
    train:
      cloud: aws
      gpu_pools:
        l4:
          accelerator: nvidia-l4
          min_nodes: 0
          max_nodes: 2
"""
    replacement = {
        "mlinfra:environment: dev": "mlinfra:environment: develop",
        "gpu_pools:": "gpu_pool:",
        "min_nodes: 0": "min_nodes: 5",
        "accelerator: nvidia-l4": "accelerator: nvidia-l5",
        "max_nodes: 2": "max_nodes: lots",
    }[change]
    (tmp_path / "Pulumi.dev.yaml").write_text(good.replace(change, replacement))
    result = mlinfra("plan", "dev", "--stacks-dir", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert "invalid config for stack 'dev'" in result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
