"""Runner composition, and the GitHub App key kept out of Pulumi: the stack plans the empty cloud secret, the
operator that reads it and the ExternalSecrets that sync it, never the key (issue #26).

The key must never appear in recorded inputs, outputs, the plan document or logs; a stack file that still has
it is refused.
"""

import json

import pytest

from infra.compose.runners import node_pool_label, runner_set
from infra.config.load import parse_stack_config
from tests.helpers import mlinfra, stack_run

PLAINTEXT = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAtopsecretkeymaterial\n-----END RSA PRIVATE KEY-----"
CIPHERTEXT = "v1:Zm9vYmFyY2lwaGVydGV4dA=="
STACK = """config:
  mlinfra:environment: dev
  mlinfra:name_prefix: acme
  mlinfra:tags: {owner: ml, cost-center: cc}
  mlinfra:aws: {region: us-east-1, permissions_boundary_arn: "arn:aws:iam::123456789012:policy/ml/ml-boundary"}
  mlinfra:github_app:
    platform_repository: acme/ml-platform
    app_id: "123456"
    installation_id: "7890123"
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


def stack_values():
    import yaml

    document = yaml.safe_load(STACK)
    return {k.split(":", 1)[1]: v for k, v in document["config"].items()}


def test_runner_sets_come_from_config_with_the_pool_label_its_nodes_carry():
    cluster = parse_stack_config(stack_values(), "dev").clusters["train"]
    gpu = runner_set("train", cluster.runners["gpu"])
    assert gpu.gpu is not None and (gpu.gpu.count, gpu.gpu.accelerator) == (1, "nvidia-l4")
    assert gpu.gpu.pool_label == node_pool_label("train", "l4") == "train-l4"
    assert gpu.requests == {"cpu": "4", "memory": "16Gi"} and gpu.max_runners == 4
    cpu = runner_set("train", cluster.runners["cpu"])
    assert cpu.gpu is None and cpu.min_runners == 0 and cpu.container_mode == "kubernetes"
    assert runner_set("train", cluster.runners["gpu"], lambda c, p: f"{p}-pool").gpu.pool_label == "l4-pool"


def mlinfra_plan_json(stacks_dir):
    return mlinfra("plan", "dev", "--format", "json", "--stacks-dir", str(stacks_dir))


def test_the_plan_syncs_the_key_from_an_empty_secret_and_never_holds_it(tmp_path):
    (tmp_path / "Pulumi.dev.yaml").write_text(STACK)
    result = mlinfra_plan_json(tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    by_type = {}
    for r in document["resources"]:
        by_type.setdefault(r["type"], []).append(r)
    [secret] = by_type["aws:secretsmanager/secret:Secret"]
    assert secret["inputs"]["name"] == "acme-dev-github-app" and "secretString" not in secret["inputs"]
    assert "aws:secretsmanager/secretVersion:SecretVersion" not in by_type
    secrets = by_type.get("kubernetes:core/v1:Secret", [])
    assert [r for r in secrets if r["inputs"]["metadata"]["name"] == "github-app"] == []
    synced = {r["inputs"]["metadata"]["namespace"]: r["inputs"]["spec"]
              for r in by_type["kubernetes:external-secrets.io/v1:ExternalSecret"]}
    assert set(synced) == {"arc-dev-cpu", "arc-dev-gpu"}
    assert {spec["data"][0]["remoteRef"]["key"] for spec in synced.values()} == {"acme-dev-github-app"}
    [store] = by_type["kubernetes:external-secrets.io/v1:ClusterSecretStore"]
    assert store["inputs"]["spec"]["conditions"] == [{"namespaces": ["arc-dev-cpu", "arc-dev-gpu"]}]
    # The operator's role reads this stack's App secret and nothing else.
    [read] = [r for r in by_type["aws:iam/rolePolicy:RolePolicy"] if r["name"] == "train-github-app-read"]
    assert json.loads(read["inputs"]["policy"])["Statement"][0]["Resource"] == (
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:acme-dev-github-app-??????")
    [association] = [r for r in by_type["aws:eks/podIdentityAssociation:PodIdentityAssociation"]
                     if r["inputs"]["serviceAccount"] == "external-secrets"]
    assert association["inputs"]["namespace"] == "external-secrets"
    assert document["policy"]["violations"] == [] and document["policy"]["notChecked"] == []


@pytest.mark.parametrize("secure", [True, False], ids=["secure", "plain"])
def test_a_stack_file_with_the_key_exits_2_naming_it_and_never_prints_it(tmp_path, secure):
    key = f"{{secure: '{CIPHERTEXT}'}}" if secure else json.dumps(PLAINTEXT)
    ids = '    installation_id: "7890123"\n'
    (tmp_path / "Pulumi.dev.yaml").write_text(STACK.replace(ids, f"{ids}    private_key: {key}\n"))
    result = mlinfra_plan_json(tmp_path)
    for text in (result.stdout, result.stderr):
        assert CIPHERTEXT not in text and "topsecretkeymaterial" not in text
    assert result.returncode == 2
    assert "github_app.private_key: the App's private key is no longer config" in result.stderr
    assert ("`aws secretsmanager put-secret-value --secret-id <name_prefix>-<stack>-github-app --secret-string "
            "file://key.pem` (EKS)") in result.stderr


def test_gpu_runner_node_selector_matches_the_labels_the_aws_composition_puts_on_gpu_nodes():
    # Contract with the AWS composition: if it renames pools, GPU runners would never schedule.
    [group] = [r for r in stack_run("dev").resources
               if r.type == "aws:eks/nodeGroup:NodeGroup" and r.name == "dev-l4-ng"]
    labels = group.inputs["labels"]
    assert labels["mlinfra.io/pool"] == node_pool_label("dev", "l4")
    assert labels["mlinfra.io/accelerator"] == "nvidia-l4"
