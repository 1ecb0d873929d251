"""Runner composition and the GitHub App key's path from stack config to a Kubernetes Secret.

The key must never appear in plain text in recorded inputs, outputs, the plan document or logs.
"""

import json

import pytest

from infra.compose.runners import node_pool_label, runner_set
from infra.config.load import parse_stack_config
from infra.offline.document import build_document
from infra.offline.engine import run_program, run_stack
from tests.helpers import mlinfra, stack_run

PLAINTEXT = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAtopsecretkeymaterial\n-----END RSA PRIVATE KEY-----"
CIPHERTEXT = "v1:Zm9vYmFyY2lwaGVydGV4dA=="
STACK = """config:
  mlinfra:environment: dev
  mlinfra:tags: {owner: ml, cost-center: cc}
  mlinfra:aws: {region: us-east-1, permissions_boundary_arn: "arn:aws:iam::123456789012:policy/ml/ml-boundary"}
  mlinfra:github_app:
    platform_repository: acme/ml-platform
    app_id: "123456"
    installation_id: "7890123"
    private_key: PRIVATE_KEY
  mlinfra:clusters:
    train:
      cloud: aws
      gpu_pools:
        l4: {accelerator: nvidia-l4, max_nodes: 4}
      runners:
        cpu:
          github_config_url: https://github.com/acme
          runner_group: ci
          max_runners: 2
          resources: {requests: {cpu: "1", memory: 2Gi}, limits: {cpu: "2", memory: 4Gi}}
        gpu:
          github_config_url: https://github.com/acme/ml
          kind: gpu
          gpu: {pool: l4, accelerator: nvidia-l4, count: 1}
          max_runners: 4
          resources: {requests: {cpu: "4", memory: 16Gi}, limits: {cpu: "4", memory: 16Gi}}
"""
# build_runners alone, on a stand-in provider (aws_runners / gcp_runners pass the cluster's own).
PROGRAM = """
import pulumi
import pulumi_kubernetes as k8s

from infra.catalog.accelerators import Cloud
from infra.compose.runners import build_runners, github_app_credentials
from infra.config.load import load_stack_config

config = load_stack_config()
provider = k8s.Provider("train-k8s", kubeconfig="{}")
for name, cluster in config.clusters.items():
    pulumi.export(f"runners_{name}", build_runners(pulumi.get_stack(), name, cluster, config.github_app, provider))
pulumi.export("github_app_key", github_app_credentials(config.github_app).private_key)
"""


def stack_values(private_key):
    import yaml

    document = yaml.safe_load(STACK.replace("PRIVATE_KEY", "x"))
    values = {k.split(":", 1)[1]: v for k, v in document["config"].items()}
    values["github_app"]["private_key"] = private_key
    return values



def test_runner_sets_come_from_config_with_the_pool_label_its_nodes_carry():
    cluster = parse_stack_config(stack_values("k"), "dev").clusters["train"]
    gpu = runner_set("train", cluster.runners["gpu"])
    assert gpu.gpu is not None and (gpu.gpu.count, gpu.gpu.accelerator) == (1, "nvidia-l4")
    assert gpu.gpu.pool_label == node_pool_label("train", "l4") == "train-l4"
    assert gpu.requests == {"cpu": "4", "memory": "16Gi"} and gpu.max_runners == 4
    cpu = runner_set("train", cluster.runners["cpu"])
    assert cpu.gpu is None and cpu.min_runners == 0 and cpu.container_mode == "kubernetes"
    assert runner_set("train", cluster.runners["gpu"], lambda c, p: f"{p}-pool").gpu.pool_label == "l4-pool"


def test_a_real_plaintext_key_set_as_secret_never_leaves_in_plain_text(tmp_path, capfd):
    program = tmp_path / "program.py"
    program.write_text(PROGRAM)
    values = stack_values(PLAINTEXT)
    config = {f"mlinfra:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    import runpy

    run = run_program(lambda: runpy.run_path(str(program)), stack="dev", config=config,
                      secret_keys=["mlinfra:github_app"])
    secrets = [r for r in run.resources if r.type == "kubernetes:core/v1:Secret"]
    assert len(secrets) == 2 and all(s.inputs["stringData"] == "[secret]" for s in secrets)
    assert run.outputs["github_app_key"] == "[secret]"
    # Scale sets are `<stack>-<key>`, and so are their namespaces and runner service accounts; the GPU set
    # runs its steps in the runner pod, in the chart's default mode, as the account bound to no Role.
    assert run.outputs["runners_train"]["service_accounts"] == {"dev-cpu": "arc-dev-cpu/dev-cpu-gha-rs-kube-mode",
                                                                "dev-gpu": "arc-dev-gpu/dev-gpu-gha-rs-no-permission"}
    recorded = json.dumps([r.inputs for r in run.resources]) + json.dumps(run.outputs)
    document = json.dumps(build_document(run))
    captured = capfd.readouterr()
    for text in (recorded, document, captured.out, captured.err):
        assert "topsecretkeymaterial" not in text and "BEGIN RSA" not in text


def test_a_secure_value_is_a_secret_all_the_way_into_the_plan_document(tmp_path):
    program = tmp_path / "program.py"
    program.write_text(PROGRAM)
    (tmp_path / "Pulumi.dev.yaml").write_text(STACK.replace("PRIVATE_KEY", f"{{secure: '{CIPHERTEXT}'}}"))
    document = build_document(run_stack("dev", tmp_path, program))
    [secret] = [r for r in document["resources"] if r["name"] == "train-runners-dev-gpu-github-app"]
    assert secret["inputs"]["stringData"] == "[secret]"
    assert document["outputs"]["github_app_key"] == "[secret]"
    assert CIPHERTEXT not in json.dumps(document)


def mlinfra_plan_json(stacks_dir):
    return mlinfra("plan", "dev", "--format", "json", "--stacks-dir", str(stacks_dir))


@pytest.mark.parametrize("secure", [True, False])
def test_mlinfra_plan_takes_the_key_only_as_a_secret_and_never_prints_it(tmp_path, secure):
    key = f"{{secure: '{CIPHERTEXT}'}}" if secure else json.dumps(PLAINTEXT)
    (tmp_path / "Pulumi.dev.yaml").write_text(STACK.replace("PRIVATE_KEY", key))
    result = mlinfra_plan_json(tmp_path)
    for text in (result.stdout, result.stderr):
        assert CIPHERTEXT not in text and "topsecretkeymaterial" not in text
    if secure:
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["stack"] == "dev"
    else:
        assert result.returncode == 2
        assert ("github_app.private_key: must be a Pulumi secret, never plain text in the stack file; set it "
                "with `pulumi config set --secret --path 'mlinfra:github_app.private_key' < key.pem`") in result.stderr


def test_gpu_runner_node_selector_matches_the_labels_the_aws_composition_puts_on_gpu_nodes():
    # Contract with the AWS composition: if it renames pools, GPU runners would never schedule.
    [group] = [r for r in stack_run("dev").resources
               if r.type == "aws:eks/nodeGroup:NodeGroup" and r.name == "dev-l4-ng"]
    labels = group.inputs["labels"]
    assert labels["mlinfra.io/pool"] == node_pool_label("dev", "l4")
    assert labels["mlinfra.io/accelerator"] == "nvidia-l4"
