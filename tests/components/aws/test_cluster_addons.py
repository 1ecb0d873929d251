"""Helm add-ons: pinned charts, values that keep GPU daemons on GPU nodes, a least-privilege autoscaler."""

import json

import pulumi_kubernetes as k8s

from components.aws.cluster_addons import (
    EksClusterAddons,
    EksClusterAddonsArgs,
    autoscaler_policy,
    autoscaler_values,
    device_plugin_values,
    expander_priorities,
)
from components.k8s.helm_chart import HelmChart

CLUSTER_ARN = "arn:aws:eks:us-east-1:123456789012:cluster/prod-train"
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
# Whatever the caller pins is what the releases use; these are test coordinates, not the catalog's.
CHARTS = dict(autoscaler_chart=HelmChart("cluster-autoscaler", "9.0.1", "https://example.test/ca"),
              device_plugin_chart=HelmChart("nvidia-device-plugin", "0.0.2", "https://example.test/ndp"),
              dcgm_chart=HelmChart("dcgm-exporter", "0.0.3", "https://example.test/dcgm"))


def test_autoscaler_policy_has_no_wildcard_action_and_scopes_writes_by_tag():
    statements = {s["Sid"]: s for s in json.loads(autoscaler_policy("prod-train", "us-east-1", "123"))["Statement"]}
    assert not any("*" in a for s in statements.values() for a in s["Action"])
    scale = statements["ScaleOwnGroups"]
    assert scale["Action"] == ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
    assert scale["Resource"] == "arn:aws:autoscaling:us-east-1:123:autoScalingGroup:*:autoScalingGroupName/*"
    assert scale["Condition"] == {"StringEquals": {
        "aws:ResourceTag/k8s.io/cluster-autoscaler/prod-train": "owned",
        "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true"}}
    assert statements["DescribeNodegroups"]["Resource"] == "arn:aws:eks:us-east-1:123:nodegroup/prod-train/*"
    # Only read-only Describe/Get calls, which have no resource-level permissions, use "*".
    assert all(a.split(":")[1].startswith(("Describe", "Get")) for a in statements["Describe"]["Action"])


def test_expander_prefers_spot_pools():
    assert expander_priorities({"train-l4": "SPOT", "train-l4-fallback": "ON_DEMAND", "train-h100": "ON_DEMAND"}) \
        == {10: [".*"], 50: [".*train-l4-ng-.*"]}
    assert expander_priorities({"train-h100": "ON_DEMAND"}) == {10: [".*"]}


def test_autoscaler_values():
    values = autoscaler_values("prod-train", "us-east-1", "v1.35.2", {10: [".*"]})
    assert values["autoDiscovery"] == {"clusterName": "prod-train"}
    assert values["image"] == {"tag": "v1.35.2"}
    assert values["extraArgs"]["expander"] == "priority,least-waste"
    assert values["extraArgs"]["scale-down-unneeded-time"] == "5m"
    assert values["expanderPriorities"] == {"10": [".*"]}
    assert values["rbac"]["serviceAccount"]["name"] == "cluster-autoscaler"


def test_device_plugin_tolerates_the_gpu_taint_and_runs_only_on_gpu_nodes():
    values = device_plugin_values()
    assert values["tolerations"] == [GPU_TOLERATION]
    [term] = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert term == {"matchExpressions": [{"key": "mlinfra.io/accelerator", "operator": "Exists"}]}


def _program(**overrides):
    def program():
        provider = k8s.Provider("k8s", kubeconfig="{}")
        args = dict(cluster_name="prod-train", cluster_name_output="prod-train", cluster_arn=CLUSTER_ARN,
                    account_id="123456789012", region="us-east-1", provider=provider,
                    autoscaler_image_tag="v1.35.2", pool_capacity={"train-l4": "SPOT"}, **CHARTS)
        EksClusterAddons("train-k8s", EksClusterAddonsArgs(**{**args, **overrides}))
    return program


def test_releases_are_pinned_and_run_on_the_cluster_provider(register):
    reg = register(_program())
    releases = {r.inputs["chart"]: r for r in reg.of_type("kubernetes:helm.sh/v3:Release")}
    provider = reg.one("pulumi:providers:kubernetes", "k8s")
    for pinned in CHARTS.values():
        inputs = releases[pinned.chart].inputs
        assert (inputs["version"], inputs["repositoryOpts"], inputs["namespace"]) == (
            pinned.version, {"repo": pinned.repository}, "kube-system")
        assert releases[pinned.chart].provider.startswith(provider.urn)
    assert releases["nvidia-device-plugin"].inputs["values"] == device_plugin_values()
    assert releases["dcgm-exporter"].inputs["values"]["serviceMonitor"] == {"enabled": False}
    autoscaler = releases["cluster-autoscaler"].inputs["values"]
    assert autoscaler["expanderPriorities"] == {"10": [".*"], "50": [".*train-l4-ng-.*"]}
    assert autoscaler["image"] == {"tag": "v1.35.2"}
    association = reg.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "train-k8s-autoscaler")
    assert association.inputs["serviceAccount"] == "cluster-autoscaler"
    assert association.urn in releases["cluster-autoscaler"].options()["dependencies"]
    role = json.loads(reg.one("aws:iam/role:Role", "train-k8s-autoscaler").inputs["assumeRolePolicy"])
    assert role["Statement"][0]["Condition"]["ArnEquals"] == {"aws:SourceArn": CLUSTER_ARN}
    policy = reg.one("aws:iam/rolePolicy:RolePolicy", "train-k8s-autoscaler").inputs["policy"]
    assert json.loads(policy) == json.loads(autoscaler_policy("prod-train", "us-east-1", "123456789012"))


def test_autoscaler_and_gpu_addons_can_be_turned_off(register):
    reg = register(_program(cluster_autoscaler=False, gpu_addons=False))
    assert reg.of_type("kubernetes:helm.sh/v3:Release") == []
    assert reg.of_type("aws:iam/role:Role") == []
