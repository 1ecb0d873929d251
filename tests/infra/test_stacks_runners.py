"""CI runners on the real staging stack, planned once through `mlinfra plan`: the recorded Helm
values and Kubernetes objects, and the GitHub App key nowhere in the plan (issue #26)."""

from __future__ import annotations

import io
import json

import pytest
import yaml
from click.testing import CliRunner
from rich.console import Console

from infra.cli.main import main
from infra.cli.views.plan import markdown_view, table_view
from infra.offline.engine import STACKS_DIR

STACK_FILE = STACKS_DIR / "Pulumi.staging.yaml"
RELEASE = "kubernetes:helm.sh/v3:Release"
CHART_REPO = "oci://ghcr.io/actions/actions-runner-controller-charts"


@pytest.fixture(scope="module")
def planned():
    result = CliRunner().invoke(main, ["plan", "staging", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return result, json.loads(result.stdout)


@pytest.fixture(scope="module")
def staging(planned):
    return planned[1]


def named(document, type_, name=None):
    return [r for r in document["resources"] if r["type"] == type_ and name in (None, r["name"])]


def one(document, type_, name):
    [found] = named(document, type_, name)
    return found


def test_the_key_is_nowhere_in_config_or_plan_only_synced_by_the_operator(planned):
    result, document = planned
    # Not in the stack file: the key is in the cloud secret the stack creates empty.
    assert "private_key" not in yaml.safe_load(STACK_FILE.read_text())["config"]["mlinfra:github_app"]
    assert [s for s in named(document, "kubernetes:core/v1:Secret")
            if s["inputs"]["metadata"]["name"] == "github-app"] == []
    synced = named(document, "kubernetes:external-secrets.io/v1:ExternalSecret")
    assert sorted(s["inputs"]["metadata"]["namespace"] for s in synced) == [
        "arc-staging-cpu", "arc-staging-deploy", "arc-staging-gpu-l4"]
    assert {s["inputs"]["spec"]["data"][0]["remoteRef"]["key"] for s in synced} == {"acme-ml-staging-github-app"}
    [secret] = named(document, "aws:secretsmanager/secret:Secret")
    assert secret["inputs"]["name"] == "acme-ml-staging-github-app" and secret["protect"] is True
    console = Console(record=True, width=240, file=io.StringIO())
    console.print(table_view(document))
    views = {"document": result.stdout, "log": result.stderr, "markdown": markdown_view(document),
             "table": console.export_text(), "outputs": json.dumps(document["outputs"])}
    for view, text in views.items():
        assert "BEGIN RSA" not in text and "[secret]" not in json.dumps(synced), view
    # The release values only name the synced secret; its data never reaches Helm.
    for release in named(document, RELEASE):
        assert "github_app_private_key" not in json.dumps(release["inputs"])


def test_scale_set_releases_are_pinned_and_scale_from_zero(staging):
    controller = one(staging, RELEASE, "train-runners-controller")["inputs"]
    assert (controller["chart"], controller["version"], controller["namespace"]) == (
        f"{CHART_REPO}/gha-runner-scale-set-controller", "0.14.2", "arc-systems")
    sets = {r["inputs"]["name"]: r["inputs"] for r in named(staging, RELEASE)
            if r["inputs"]["chart"] == f"{CHART_REPO}/gha-runner-scale-set"}
    assert sorted(sets) == ["staging-cpu", "staging-deploy", "staging-gpu-l4"]
    for name, inputs in sets.items():
        values = inputs["values"]
        assert (inputs["version"], inputs["namespace"]) == ("0.14.2", f"arc-{name}")
        assert (values["minRunners"], values["maxRunners"]) == (0, 2 if name == "staging-deploy" else 4)
        # Org-level sets register in groups limited to the platform repository, never `default`.
        assert values["runnerGroup"] == ("staging-deploy" if name == "staging-deploy" else "staging-ci")
        assert values["githubConfigSecret"] == "github-app"
        [runner] = values["template"]["spec"]["containers"]
        assert runner["securityContext"]["privileged"] is False
    # Only the CPU set keeps kubernetes mode (container jobs); EKS has no default StorageClass, so its claim
    # names the platform's encrypted gp3 class. Deployer and GPU sets use the chart's default mode (#26): no
    # kube-mode Role that reads the namespace's Secrets, and the deployer's pod gets no API token at all.
    assert sets["staging-cpu"]["values"]["containerMode"] == {"type": "kubernetes", "kubernetesModeWorkVolumeClaim": {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}},
        "storageClassName": "gp3-encrypted"}}
    assert "containerMode" not in sets["staging-deploy"]["values"]
    assert "containerMode" not in sets["staging-gpu-l4"]["values"]
    assert sets["staging-deploy"]["values"]["template"]["spec"]["automountServiceAccountToken"] is False
    cpu = sets["staging-cpu"]["values"]["template"]["spec"]
    assert "tolerations" not in cpu and "nodeSelector" not in cpu
    assert cpu["containers"][0]["resources"] == {"requests": {"cpu": "2", "memory": "4Gi"},
                                                 "limits": {"cpu": "4", "memory": "8Gi"}}


def test_gpu_runners_go_only_to_the_ci_l4_pool_which_scales_from_zero(staging):
    spec = one(staging, RELEASE, "train-runners-staging-gpu-l4")["inputs"]["values"]["template"]["spec"]
    pool = one(staging, "aws:eks/nodeGroup:NodeGroup", "train-ci-l4-ng")["inputs"]
    assert pool["scalingConfig"]["minSize"] == 0 and pool["scalingConfig"]["maxSize"] == 4
    assert pool["capacityType"] == "ON_DEMAND" and pool["instanceTypes"] == ["g6.xlarge"]
    assert spec["nodeSelector"] == {"mlinfra.io/pool": "train-ci-l4", "mlinfra.io/accelerator": "nvidia-l4"}
    assert {k: pool["labels"][k] for k in spec["nodeSelector"]} == spec["nodeSelector"]
    assert spec["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert [(t["key"], t["effect"]) for t in pool["taints"]] == [("nvidia.com/gpu", "NO_SCHEDULE")]
    assert spec["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"


def test_every_runner_namespace_is_default_deny_with_dns_and_https_egress(staging):
    policies = {}
    for policy in named(staging, "kubernetes:networking.k8s.io/v1:NetworkPolicy"):
        policies.setdefault(policy["inputs"]["metadata"]["namespace"], {})[
            policy["inputs"]["metadata"]["name"]] = policy["inputs"]["spec"]
    assert sorted(policies) == ["arc-staging-cpu", "arc-staging-deploy", "arc-staging-gpu-l4", "arc-systems"]
    for spec in policies.values():
        assert spec["deny-all"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
        # DNS, HTTPS, and the node-local EKS Pod Identity agent (vpc-cni enforces the default deny).
        assert [rule["ports"] for rule in spec["allow-egress"]["egress"]] == [
            [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}], [{"protocol": "TCP", "port": 443}],
            [{"protocol": "TCP", "port": 80}]]
        assert spec["allow-egress"]["egress"][2]["to"] == [{"ipBlock": {"cidr": "169.254.170.23/32"}}]
    levels = {n["inputs"]["metadata"]["name"]: n["inputs"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
              for n in named(staging, "kubernetes:core/v1:Namespace")}
    # Restricted where only the runner pod runs (default mode); baseline where kubernetes mode's job pods run.
    assert levels == {"arc-systems": "baseline", "arc-staging-cpu": "baseline", "arc-staging-deploy": "restricted",
                      "arc-staging-gpu-l4": "restricted",
                      # The secret-sync operator (#26): controller, webhook and cert controller all run restricted.
                      "external-secrets": "restricted",
                      # Not a runner namespace: the in-cluster Grafana's (#20), which runs restricted.
                      "grafana": "restricted"}


def test_jobs_get_push_and_bucket_access_through_pod_identity(staging):
    associations = sorted((r["inputs"]["namespace"], r["inputs"]["serviceAccount"])
                          for r in named(staging, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
                          if r["inputs"]["namespace"].startswith("arc-"))
    # The GPU set's steps run in its runner pod (default mode), so that pod's account is the one granted; the
    # deployer's pods hold staging's deploy role, which trusts only them (#26).
    assert associations == [("arc-staging-cpu", "default"),
                            ("arc-staging-deploy", "staging-deploy-gha-rs-no-permission"),
                            ("arc-staging-gpu-l4", "staging-gpu-l4-gha-rs-no-permission")]
    [repo] = named(staging, "aws:ecr/repository:Repository")
    assert repo["inputs"]["name"] == "ci-images-staging" and repo["protect"] is True
    assert [r["name"] for r in named(staging, "aws:iam/rolePolicy:RolePolicy") if r["name"].endswith("-registry")] == [
        "train-staging-cpu-jobs-registry"]
    runners = staging["outputs"]["cluster_train"]["runners"]
    assert runners["job_service_accounts"] == {"staging-cpu": ["arc-staging-cpu/default"], "staging-gpu-l4": [
        "arc-staging-gpu-l4/staging-gpu-l4-gha-rs-no-permission"], "staging-deploy": [
        "arc-staging-deploy/staging-deploy-gha-rs-no-permission"]}
    assert runners["runner_groups"] == {
        "staging-deploy": {"repositories": ["acme-ml/ml-platform"], "sets": ["staging-deploy"]},
        "staging-ci": {"repositories": ["acme-ml/ml-platform"], "sets": ["staging-cpu", "staging-gpu-l4"]}}


def test_runner_rules_ran_on_the_stack_and_passed(staging):
    policy = staging["policy"]
    assert policy["violations"] == []
    assert not [f for f in policy["notChecked"] if f["policy"].startswith("arc-")]


def test_an_explicit_dind_opt_in_is_refused_in_staging_where_every_rule_is_mandatory(tmp_path):
    # The config accepts it (explicit opt-in); the pack flags it: advisory by default (tests/policies),
    # mandatory in staging and prod, so the plan fails.
    text = STACK_FILE.read_text()
    anchor = "        cpu:\n"
    assert anchor in text
    (tmp_path / STACK_FILE.name).write_text(
        text.replace(anchor, anchor + "          container_mode: dind\n          allow_privileged_dind: true\n"))
    result = CliRunner().invoke(main, ["plan", "staging", "--stacks-dir", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1, result.stderr
    assert "mandatory policy violations: arc-runner-no-dind" in result.stderr
    [finding] = json.loads(result.stdout)["policy"]["violations"]
    assert (finding["policy"], finding["enforcementLevel"], finding["message"]) == (
        "arc-runner-no-dind", "mandatory", "runner scale set 'train-runners-staging-cpu' uses dind container mode: "
        "a privileged Docker daemon runs next to every runner")
