"""Observability wiring shared by both clouds, over the recorded stack plans."""

import dataclasses
import json

from infra.offline.engine import STACKS_DIR, run_stack_file
from infra.offline.stackfile import load_stack_file
from tests.helpers import stack_run

POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
RELEASE = "kubernetes:helm.sh/v3:Release"


def resources(stack):
    return stack_run(stack).resources


def test_runner_listeners_serve_metrics_to_the_amp_scraper_where_observability_is_on():
    dev = resources("dev")
    policy = next(r for r in dev if r.type == POLICY and r.name == "dev-runners-controller-allow-metrics")
    # The dev EKS cluster's network: the AMP scraper's ENIs sit in its subnets.
    assert policy.inputs["spec"]["ingress"][0]["from"] == [{"ipBlock": {"cidr": "10.10.0.0/16"}}]
    controller = next(r for r in dev if r.type == RELEASE and r.name == "dev-runners-controller")
    assert controller.inputs["values"]["metrics"]["listenerAddr"] == ":8080"


def test_the_same_stack_with_observability_off_opens_no_metrics_port():
    dev = load_stack_file(STACKS_DIR, "dev")
    off = dataclasses.replace(dev, config={**dev.config, "mlinfra:observability": json.dumps({"enabled": False})})
    run = run_stack_file(off)
    assert [r.name for r in run.resources if r.type == POLICY and r.name.endswith("allow-metrics")] == []
    controller = next(r for r in run.resources if r.type == RELEASE and r.name == "dev-runners-controller")
    assert "metrics" not in controller.inputs["values"]
