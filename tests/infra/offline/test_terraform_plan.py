"""The Terraform plan export: schema-valid for every stack, types mapped, names and shapes right."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache

import jsonschema
import pulumi._types as pulumi_types
import pytest

from infra.offline.document import build_document
from infra.offline.terraform_plan import load_schema, terraform_plan
from infra.offline.terraform_types import PROPERTY_RENAMES, RESOURCE_TYPES, Style, UnmappedTypeError
from infra.offline.terraform_values import _element, _is_object, _object_hints, _unwrap, resource_hints, snake
from tests.helpers import ROOT, planned_run

STACKS = ("dev", "staging", "prod", "sandbox")


@cache
def plan_document(stack: str) -> dict:
    return build_document(planned_run(stack))


@cache
def tf_plan(stack: str) -> dict:
    return terraform_plan(plan_document(stack))


def resource(plan: dict, address: str, section: str = "planned_values") -> dict:
    if section == "planned_values":
        rows = plan["planned_values"]["root_module"]["resources"]
    elif section == "configuration":
        rows = plan["configuration"]["root_module"]["resources"]
    else:
        rows = plan[section]
    return next(r for r in rows if r["address"] == address)


@pytest.mark.parametrize("stack", (*STACKS, "bootstrap"))
def test_every_stack_converts_to_a_schema_valid_terraform_plan(stack):
    plan = tf_plan(stack)
    jsonschema.Draft202012Validator(load_schema()).validate(plan)
    document = plan_document(stack)
    # One Terraform resource per cloud resource: components and providers are not resources.
    custom = [r for r in document["resources"] if r["custom"] and not r["type"].startswith("pulumi:providers:")]
    planned = plan["planned_values"]["root_module"]["resources"]
    assert len(planned) == len(custom) == len(plan["resource_changes"])
    assert len({r["address"] for r in planned}) == len(planned)
    assert not any(r["type"].startswith("mlinfra") for r in planned)
    assert {c["change"]["actions"][0] for c in plan["resource_changes"]} == {"create"}


@pytest.mark.parametrize("stack", (*STACKS, "bootstrap"))
def test_no_placeholder_and_no_secret_reaches_the_terraform_plan(stack):
    text = json.dumps(tf_plan(stack))
    assert "[secret]" not in text and "[unknown]" not in text


def test_schema_rejects_what_terraform_would_not_write():
    plan = json.loads(json.dumps(tf_plan("dev")))
    plan["resource_changes"][0]["change"]["actions"] = ["replace"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(load_schema()).validate(plan)


def test_a_type_without_a_mapping_is_named_not_skipped():
    document = json.loads(json.dumps(plan_document("dev")))
    document["resources"][-1]["type"] = "aws:sagemaker/domain:Domain"
    document["resources"][0]["type"] = "gcp:bigquery/dataset:Dataset"
    document["resources"][0]["custom"] = True
    with pytest.raises(UnmappedTypeError) as caught:
        terraform_plan(document)
    assert caught.value.tokens == ["aws:sagemaker/domain:Domain", "gcp:bigquery/dataset:Dataset"]
    assert "no Terraform type for aws:sagemaker/domain:Domain, gcp:bigquery/dataset:Dataset" in str(caught.value)


def test_eks_cluster_blocks_are_lists_of_one_and_unknowns_are_marked():
    plan = tf_plan("dev")
    values = resource(plan, "aws_eks_cluster.dev-cluster")["values"]
    assert values["vpc_config"] == [{"endpoint_public_access": False, "endpoint_private_access": True,
                                     "subnet_ids": [None, None]}]
    assert values["encryption_config"] == [{"provider": [{}], "resources": ["secrets"]}]
    assert values["tags"]["managed-by"] == "mlinfra"  # a map stays a map, its keys untouched
    assert "role_arn" not in values
    change = resource(plan, "aws_eks_cluster.dev-cluster", "resource_changes")["change"]
    assert change["after_unknown"] == {"id": True, "role_arn": True, "vpc_config": [{"subnet_ids": [True, True]}],
                                       "encryption_config": [{"provider": [{"key_arn": True}]}]}


def test_inputs_from_other_resources_are_references():
    config = resource(tf_plan("dev"), "aws_eks_cluster.dev-cluster", "configuration")
    expressions = config["expressions"]
    assert expressions["role_arn"] == {
        "references": ["aws_iam_role.dev-cluster-role.arn", "aws_iam_role.dev-cluster-role"]}
    assert expressions["encryption_config"] == [{"provider": [{"key_arn": {
        "references": ["aws_kms_key.dev-secrets.arn", "aws_kms_key.dev-secrets"]}}]}]
    assert expressions["vpc_config"][0]["subnet_ids"]["references"][:2] == [
        "aws_subnet.dev-net-private-us-east-1a.id", "aws_subnet.dev-net-private-us-east-1a"]
    assert expressions["version"] == {"constant_value": "1.35"}
    assert "aws_cloudwatch_log_group.dev-logs" in config["depends_on"]


def test_pluralised_list_blocks_get_their_terraform_names():
    plan = tf_plan("dev")
    node_group = resource(plan, "aws_eks_node_group.dev-l4-ng")["values"]
    assert node_group["taint"] == [{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}]
    assert "taints" not in node_group
    assert node_group["scaling_config"] == [{"max_size": 2, "min_size": 0, "desired_size": 0}]
    lifecycle = next(r for r in plan["planned_values"]["root_module"]["resources"]
                     if r["type"] == "aws_s3_bucket_lifecycle_configuration")["values"]
    assert isinstance(lifecycle["rule"], list) and "rules" not in lifecycle


def test_kubernetes_secret_data_is_sensitive_and_absent():
    # The runners' App secret is no Pulumi resource any more (#26); GMP's Alertmanager config is one.
    plan = tf_plan("dev")
    change = resource(plan, "kubernetes_secret_v1.dev-gke-gmp-alertmanager", "resource_changes")["change"]
    assert change["after_sensitive"] == {"data": True}
    assert "data" not in change["after"]
    assert change["after"]["metadata"] == [{"namespace": "gmp-public", "name": "alertmanager", "labels": {
        "app.kubernetes.io/part-of": "mlinfra-observability", "app.kubernetes.io/managed-by": "mlinfra"}}]


def test_network_policy_is_a_typed_kubernetes_resource():
    values = resource(tf_plan("dev"), "kubernetes_network_policy_v1.dev-runners-dev-cpu-deny-all")["values"]
    assert values == {"metadata": [{"namespace": "arc-dev-cpu", "name": "deny-all",
                                    "labels": {"app.kubernetes.io/managed-by": "mlinfra"}}],
                      "spec": [{"policy_types": ["Ingress", "Egress"], "pod_selector": [{}]}]}


def test_storage_class_names_its_provisioner_as_terraform_does_and_keeps_parameter_keys():
    values = resource(tf_plan("dev"), "kubernetes_storage_class_v1.dev-addons-gp3")["values"]
    assert values["storage_provisioner"] == "ebs.csi.aws.com" and "provisioner" not in values
    assert values["parameters"] == {"type": "gp3", "encrypted": "true"}
    assert values["metadata"][0]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}


def test_helm_release_values_are_one_yaml_document_and_repository_is_flat():
    document = plan_document("dev")
    pulumi_release = next(r for r in document["resources"] if r["name"] == "dev-k8s-cluster-autoscaler")
    values = resource(tf_plan("dev"), "helm_release.dev-k8s-cluster-autoscaler")["values"]
    assert values["repository"] == "https://kubernetes.github.io/autoscaler"
    assert json.loads(values["values"][0]) == pulumi_release["inputs"]["values"]
    assert (values["chart"], values["namespace"], values["atomic"]) == ("cluster-autoscaler", "kube-system", True)
    assert "compat" not in values


def test_custom_resources_are_kubernetes_manifests():
    plan = tf_plan("prod")
    manifests = [r for r in plan["planned_values"]["root_module"]["resources"] if r["type"] == "kubernetes_manifest"]
    kinds = {m["values"]["manifest"]["kind"] for m in manifests}
    assert {"Gateway", "HTTPRoute", "TargetGroupBinding"} <= kinds
    assert all(m["provider_name"] == "registry.terraform.io/hashicorp/kubernetes" for m in manifests)


def test_gcp_resources_use_the_google_provider_and_its_block_names():
    pools = [r for r in tf_plan("dev")["planned_values"]["root_module"]["resources"]
             if r["type"] == "google_container_node_pool"]
    assert pools, "dev has GKE node pools"
    assert all(len(p["values"]["node_config"]) == 1 for p in pools)  # a block: a list of one
    gpu = [p for p in pools if "guest_accelerator" in p["values"]["node_config"][0]]
    assert gpu and isinstance(gpu[0]["values"]["node_config"][0]["guest_accelerator"], list)
    assert {p["provider_name"] for p in pools} == {"registry.terraform.io/hashicorp/google"}


def test_snake_case_names_match_the_pinned_sdk():
    for token, tf in RESOURCE_TYPES.items():
        if tf.style is not Style.BRIDGED:
            continue
        package, module_path, class_name = token.split(":")
        submodule = module_path.split("/")[0]
        # pulumi-github has no modules: `index` is the package's top level.
        module = __import__(f"pulumi_{package}" + ("" if submodule == "index" else f".{submodule}"),
                            fromlist=[class_name])
        for pulumi_name, py_name in pulumi_types.resource_pulumi_to_py_names(getattr(module, class_name)).items():
            assert snake(pulumi_name) == py_name, (token, pulumi_name)


def test_every_rename_names_a_list_of_blocks_in_the_pinned_sdk():
    for token, renames in PROPERTY_RENAMES.items():
        for path in renames:
            hints = resource_hints(token)
            *parents, last = path.split(".")
            for step in parents:
                hint = _unwrap(hints[step])
                hint = _element(hint) or hint
                assert _is_object(hint), (token, path)
                hints = _object_hints(hint)
            assert _is_object(_element(_unwrap(hints[last]))), (token, path)


def test_the_module_converts_a_plan_file_and_exits_2_on_an_unmapped_type(tmp_path):
    document = json.loads(json.dumps(plan_document("sandbox")))
    (tmp_path / "plan.json").write_text(json.dumps(document))
    done = subprocess.run([sys.executable, "-m", "infra.offline.terraform_plan", str(tmp_path / "plan.json"),
                           str(tmp_path / "tf.json")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "tf.json").read_text())["format_version"] == "1.2"
    document["resources"][-1].update(type="aws:sagemaker/domain:Domain", custom=True)
    (tmp_path / "plan.json").write_text(json.dumps(document))
    done = subprocess.run([sys.executable, "-m", "infra.offline.terraform_plan", str(tmp_path / "plan.json")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "no Terraform type for aws:sagemaker/domain:Domain" in done.stderr


def _minimal_document(resources: list[dict]) -> dict:
    base = {"parent": None, "provider": None, "custom": True, "protect": False, "retainOnDelete": False,
            "deleteBeforeReplace": False, "ignoreChanges": [], "dependencies": [], "propertyDependencies": {}}
    return {"planVersion": 1, "project": "mlinfra", "stack": "t",
            "resources": [{**base, **r} for r in resources]}


def test_names_become_terraform_names_and_never_collide():
    plan = terraform_plan(_minimal_document([
        {"urn": "urn:a", "type": "aws:kms/key:Key", "name": "prod/keys.main", "inputs": {}},
        {"urn": "urn:b", "type": "aws:kms/key:Key", "name": "prod/keys.main", "inputs": {}},
        {"urn": "urn:c", "type": "aws:kms/key:Key", "name": "1st", "inputs": {}},
    ]))
    assert [r["address"] for r in plan["resource_changes"]] == [
        "aws_kms_key.prod_keys_main", "aws_kms_key.prod_keys_main_2", "aws_kms_key.r_1st"]


def test_helm_values_with_an_unknown_or_a_secret_are_unknown_or_sensitive_as_a_whole():
    plan = terraform_plan(_minimal_document([
        {"urn": "urn:a", "type": "kubernetes:helm.sh/v3:Release", "name": "a",
         "inputs": {"chart": "c", "values": {"role": "[unknown]", "x": 1}}},
        {"urn": "urn:b", "type": "kubernetes:helm.sh/v3:Release", "name": "b",
         "inputs": {"chart": "c", "values": {"token": "[secret]"}}},
    ]))
    first, second = (c["change"] for c in plan["resource_changes"])
    assert (first["after"], first["after_unknown"]) == ({"chart": "c"}, {"id": True, "values": True})
    assert (second["after"], second["after_sensitive"]) == ({"chart": "c"}, {"values": True})


def test_a_reference_names_the_attribute_the_input_reads():
    plan = terraform_plan(_minimal_document([
        {"urn": "urn:role", "type": "aws:iam/role:Role", "name": "role", "inputs": {}},
        {"urn": "urn:bucket", "type": "aws:s3/bucket:Bucket", "name": "data", "inputs": {}},
        {"urn": "urn:policy", "type": "aws:s3/bucketPolicy:BucketPolicy", "name": "p",
         "inputs": {"bucket": "[unknown]", "policy": "{}"},
         "dependencies": ["urn:bucket", "urn:role"], "propertyDependencies": {"bucket": ["urn:bucket"]}},
    ]))
    config = resource(plan, "aws_s3_bucket_policy.p", "configuration")
    assert config["expressions"] == {"bucket": {"references": ["aws_s3_bucket.data.id", "aws_s3_bucket.data"]},
                                     "policy": {"constant_value": "{}"}}
    assert config["depends_on"] == ["aws_iam_role.role"]
