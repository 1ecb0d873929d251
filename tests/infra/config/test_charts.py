"""A cluster whose Kubernetes version a chart it would install does not support is refused up front."""

from __future__ import annotations

from infra.config.load import parse_stack_config
from infra.config.rules.charts import charts_installed
from tests.helpers import ROOT, changed, config_problems, mlinfra
from tests.infra.config.test_load import VALID

FIX = "set a Kubernetes version every chart of the cluster supports, or move the pin in the chart catalog"
RUNNERS = {"ci": {"github_config_url": "https://github.com/acme", "max_runners": 2}}


problems = config_problems


def test_autoscaler_refuses_a_minor_it_has_no_release_for():
    assert problems(changed(VALID, "clusters.train.kubernetes_version", "1.33")) == [
        "clusters.train.kubernetes_version: cluster-autoscaler@9.59.0 does not support Kubernetes 1.33 "
        f"(it supports 1.34, 1.35); {FIX} (got '1.33')",
        "clusters.train.kubernetes_version: cluster-autoscaler has no pinned image for Kubernetes 1.33 "
        f"(pinned: 1.34, 1.35); its minor must match the cluster's; {FIX} (got '1.33')",
    ]


def test_only_the_charts_the_cluster_installs_are_checked():
    no_autoscaler = changed(changed(VALID, "clusters.train.kubernetes_version", "1.33"),
                            "clusters.train.aws", {"cluster_autoscaler": False})
    assert parse_stack_config(no_autoscaler, "dev").clusters["train"].kubernetes_version == "1.33"
    config = parse_stack_config(VALID, "dev")
    assert charts_installed(config.clusters["train"]) == [
        "cluster-autoscaler", "nvidia-device-plugin", "dcgm-exporter"]


def test_a_version_no_chart_has_reached_names_each_chart():
    assert [p.split(": ")[1].split(" does")[0] for p in problems(
        changed(VALID, "clusters.train.kubernetes_version", "1.37"))] == [
        "aws", "cluster-autoscaler@9.59.0", "nvidia-device-plugin@0.20.0", "dcgm-exporter@4.8.2",
        "cluster-autoscaler has no pinned image for Kubernetes 1.37 (pinned"]


def test_plan_exits_2_naming_the_field_and_the_chart(tmp_path):
    stack = (ROOT / "stacks" / "Pulumi.dev.yaml").read_text()
    assert 'kubernetes_version: "1.35"' in stack
    (tmp_path / "Pulumi.dev.yaml").write_text(stack.replace('kubernetes_version: "1.35"', 'kubernetes_version: "1.34"'))
    result = mlinfra("plan", "dev", "--stacks-dir", str(tmp_path))
    assert result.returncode == 2, result.stderr
    # The dev cluster runs ARC, whose charts are built for 1.35 only; the autoscaler has a 1.34 release.
    assert (f"  - clusters.dev.kubernetes_version: gha-runner-scale-set-controller@0.14.2 does not support "
            f"Kubernetes 1.34 (it supports 1.35); {FIX} (got '1.34')") in result.stderr
    assert "gha-runner-scale-set@0.14.2 does not support Kubernetes 1.34" in result.stderr
    assert "cluster-autoscaler" not in result.stderr
    assert "Traceback" not in result.stderr


def test_observability_charts_are_checked_only_where_observability_is_on():
    on = changed(changed(VALID, "clusters.train.kubernetes_version", "1.34"), "observability", {"enabled": True})
    assert problems(on) == [
        "clusters.train.kubernetes_version: kube-state-metrics@8.3.1 does not support Kubernetes 1.34 (it "
        f"supports 1.35); {FIX} (got '1.34')"]
    off = changed(on, "observability", {"enabled": False})
    assert parse_stack_config(off, "dev").clusters["train"].kubernetes_version == "1.34"
