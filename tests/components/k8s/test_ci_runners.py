"""CiRunners under the offline engine: the recorded Helm values and Kubernetes objects."""


import pulumi_kubernetes as k8s
import pytest

from components.k8s.ci_runners import CiRunners, CiRunnersArgs, GithubAppSecret
from components.k8s.helm_chart import HelmChart
from components.k8s.runner_values import (
    GpuRequest,
    RunnerSet,
    job_service_accounts,
    runner_service_account,
    scale_set_values,
)

RELEASE = "kubernetes:helm.sh/v3:Release"
OCI = "oci://ghcr.io/actions/actions-runner-controller-charts"
ARC_CHARTS = dict(controller_chart=HelmChart(f"{OCI}/gha-runner-scale-set-controller", "0.14.2"),
                  scale_set_chart=HelmChart(f"{OCI}/gha-runner-scale-set", "0.14.2"))
NAMESPACE = "kubernetes:core/v1:Namespace"
POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
SECRET = "kubernetes:core/v1:Secret"
EXTERNAL_SECRET = "kubernetes:external-secrets.io/v1:ExternalSecret"
APP = GithubAppSecret("123456", "7890123", remote_key="acme-dev-github-app", store_name="github-app")
REQUESTS = {"cpu": "1", "memory": "2Gi"}
LIMITS = {"cpu": "2", "memory": "4Gi"}
CPU = RunnerSet("https://github.com/acme", max_runners=6, requests=REQUESTS, limits=LIMITS,
                image="ghcr.io/actions/actions-runner:2.338.1", labels=("linux", "x64"))
GPU = RunnerSet("https://github.com/acme/ml", max_runners=4, requests=REQUESTS, limits=LIMITS,
                image="ghcr.io/actions/actions-runner:2.338.1", runner_group="ml",
                gpu=GpuRequest(count=1, pool_label="dev-l4", accelerator="nvidia-l4"), storage_class="gp3")


def ci_runners(sets=None, **kwargs):
    def program():
        provider = k8s.Provider("test", kubeconfig="{}")
        CiRunners("ci", CiRunnersArgs(provider=provider, github_app=APP,
                                      runner_sets={"cpu": CPU, "gpu": GPU} if sets is None else sets,
                                      **{**ARC_CHARTS, **kwargs}))
    return program


@pytest.fixture(scope="module")
def recorded():
    from infra.offline.engine import run_program
    from tests.conftest import Registered

    return Registered(run_program(ci_runners()))


def values(recorded, name):
    return recorded.one(RELEASE, name).inputs["values"]


def test_controller_and_one_release_per_set_from_pinned_oci_charts(recorded):
    controller = recorded.one(RELEASE, "ci-controller").inputs
    assert controller["chart"] == "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set-controller"
    assert controller["version"] == "0.14.2" and controller["namespace"] == "arc-systems"
    assert "repositoryOpts" not in controller
    assert controller["values"]["serviceAccount"] == {"create": True, "name": "arc-controller"}
    for name in ("cpu", "gpu"):
        release = recorded.one(RELEASE, f"ci-{name}").inputs
        assert release["chart"] == "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set"
        assert release["version"] == "0.14.2"
        assert release["name"] == name and release["namespace"] == f"arc-{name}"
        assert release["values"]["controllerServiceAccount"] == {"namespace": "arc-systems", "name": "arc-controller"}
    assert len(recorded.of_type(RELEASE)) == 3
    provider = recorded.one("pulumi:providers:kubernetes", "test")
    assert {r.provider.split("::")[-2] for r in recorded.resources if r.custom and r is not provider} == {"test"}


def test_scale_sets_scale_to_zero_with_their_bounds_group_and_labels(recorded):
    cpu, gpu = values(recorded, "ci-cpu"), values(recorded, "ci-gpu")
    assert (cpu["minRunners"], cpu["maxRunners"], gpu["minRunners"], gpu["maxRunners"]) == (0, 6, 0, 4)
    assert cpu["githubConfigUrl"] == "https://github.com/acme" and gpu["githubConfigUrl"] == "https://github.com/acme/ml"
    assert (cpu["runnerGroup"], gpu["runnerGroup"]) == ("default", "ml")
    assert cpu["runnerScaleSetName"] == "cpu" and cpu["scaleSetLabels"] == ["linux", "x64"]
    assert "scaleSetLabels" not in gpu


def test_kubernetes_container_mode_with_an_ephemeral_work_volume(recorded):
    assert values(recorded, "ci-cpu")["containerMode"] == {"type": "kubernetes", "kubernetesModeWorkVolumeClaim": {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}}}
    assert values(recorded, "ci-gpu")["containerMode"]["kubernetesModeWorkVolumeClaim"]["storageClassName"] == "gp3"


def test_gpu_runners_tolerate_the_taint_select_their_pool_and_request_gpus(recorded):
    spec = values(recorded, "ci-gpu")["template"]["spec"]
    assert spec["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert spec["nodeSelector"] == {"mlinfra.io/pool": "dev-l4", "mlinfra.io/accelerator": "nvidia-l4"}
    [runner] = spec["containers"]
    assert runner["resources"] == {"requests": {"cpu": "1", "memory": "2Gi", "nvidia.com/gpu": "1"},
                                   "limits": {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"}}
    assert runner["env"] == [{"name": "ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER", "value": "false"}]


def test_cpu_runners_stay_off_gpu_nodes_and_have_limits(recorded):
    spec = values(recorded, "ci-cpu")["template"]["spec"]
    assert "tolerations" not in spec and "nodeSelector" not in spec
    [runner] = spec["containers"]
    assert runner["resources"] == {"requests": REQUESTS, "limits": LIMITS}
    assert "env" not in runner


def test_runner_containers_are_not_privileged(recorded):
    for name in ("ci-cpu", "ci-gpu"):
        spec = values(recorded, name)["template"]["spec"]
        assert spec["securityContext"] == {"fsGroup": 123}
        [runner] = spec["containers"]
        assert runner["name"] == "runner" and runner["command"] == ["/home/runner/run.sh"]
        assert runner["image"] == "ghcr.io/actions/actions-runner:2.338.1"
        assert runner["securityContext"] == {
            "runAsNonRoot": True, "runAsUser": 1001, "allowPrivilegeEscalation": False, "privileged": False,
            "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}


def test_each_set_has_its_own_namespace_closed_by_default_deny(recorded):
    names = {r.inputs["metadata"]["name"]: r.inputs["metadata"]["labels"] for r in recorded.of_type(NAMESPACE)}
    assert set(names) == {"arc-systems", "arc-cpu", "arc-gpu"}
    assert names["arc-cpu"]["pod-security.kubernetes.io/enforce"] == "baseline"
    policies = {(r.inputs["metadata"]["namespace"], r.inputs["metadata"]["name"]): r.inputs["spec"]
                for r in recorded.of_type(POLICY)}
    assert len(policies) == 6
    for ns in names:
        assert policies[(ns, "deny-all")] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
        egress = policies[(ns, "allow-egress")]
        assert egress["policyTypes"] == ["Egress"] and "ingress" not in egress
        assert egress["egress"] == [
            {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                     "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
             "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
            {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]}]


def test_the_app_secret_is_an_external_secret_without_key_material_that_helm_names(recorded):
    # No Kubernetes Secret at all: the operator writes `github-app` from the cloud secret.
    assert recorded.of_type(SECRET) == []
    synced = {r.inputs["metadata"]["namespace"]: r for r in recorded.of_type(EXTERNAL_SECRET)}
    assert set(synced) == {"arc-cpu", "arc-gpu"}
    for ns, external in synced.items():
        assert external.inputs["apiVersion"] == "external-secrets.io/v1"
        assert external.inputs["metadata"]["name"] == "github-app"
        assert external.inputs["spec"] == {
            "refreshInterval": "1h",
            "secretStoreRef": {"name": "github-app", "kind": "ClusterSecretStore"},
            "target": {"name": "github-app", "creationPolicy": "Owner", "template": {
                "engineVersion": "v2", "mergePolicy": "Replace", "type": "Opaque", "data": {
                    "github_app_id": "123456", "github_app_installation_id": "7890123",
                    "github_app_private_key": "{{ .private_key }}"}}},
            "data": [{"secretKey": "private_key", "remoteRef": {"key": "acme-dev-github-app"}}]}
        assert values(recorded, f"ci-{ns[4:]}")["githubConfigSecret"] == "github-app"
        release = recorded.one(RELEASE, f"ci-{ns[4:]}")
        assert external.urn in release.options()["dependencies"]


def test_external_secrets_wait_for_the_store(register):
    def program():
        store = k8s.core.v1.Namespace("store-ready")
        app = GithubAppSecret("1", "2", remote_key="k", store_name="github-app", store=store)
        CiRunners("ci", CiRunnersArgs(provider=k8s.Provider("k8s", kubeconfig="{}"), github_app=app,
                                      runner_sets={"cpu": CPU}, **ARC_CHARTS))

    reg = register(program)
    store = reg.one("kubernetes:core/v1:Namespace", "store-ready")
    assert store.urn in reg.one(EXTERNAL_SECRET).request.dependencies


def test_dind_sets_get_a_privileged_namespace_but_a_non_privileged_runner(register):
    dind = RunnerSet("https://github.com/acme", 2, REQUESTS, LIMITS, "runner:2.338.1", container_mode="dind")
    reg = register(ci_runners(sets={"docker": dind}))
    release = reg.one(RELEASE, "ci-docker").inputs["values"]
    assert release["containerMode"] == {"type": "dind"}
    assert release["template"]["spec"]["containers"][0]["securityContext"]["privileged"] is False
    ns = {r.inputs["metadata"]["name"]: r.inputs["metadata"]["labels"] for r in reg.of_type(NAMESPACE)}
    assert ns["arc-docker"]["pod-security.kubernetes.io/enforce"] == "privileged"
    assert ns["arc-systems"]["pod-security.kubernetes.io/enforce"] == "baseline"


def test_service_account_annotations_reach_the_kube_mode_account(register):
    annotated = RunnerSet("https://github.com/acme", 2, REQUESTS, LIMITS, "runner:2.338.1",
                          service_account_annotations={
                              "iam.gke.io/gcp-service-account": "ci@p.iam.gserviceaccount.com"},
                          )
    reg = register(ci_runners(sets={"cpu": annotated}))
    values = reg.one(RELEASE, "ci-cpu").inputs["values"]
    # Where gha-runner-scale-set reads them since 0.11.0; not under containerMode, which it ignores.
    assert values["resourceMeta"] == {"kubernetesModeServiceAccount": {
        "annotations": {"iam.gke.io/gcp-service-account": "ci@p.iam.gserviceaccount.com"}}}
    assert "kubernetesModeServiceAccount" not in values["containerMode"]


def test_dind_runner_annotations_go_to_the_no_permission_account_it_runs_as():
    annotated = RunnerSet("https://github.com/acme", 2, REQUESTS, LIMITS, "runner:2.338.1", container_mode="dind",
                          service_account_annotations={"a.example/b": "c"})
    values = scale_set_values("docker", annotated)
    assert values["resourceMeta"] == {"noPermissionServiceAccount": {"annotations": {"a.example/b": "c"}}}
    assert "resourceMeta" not in scale_set_values("cpu", CPU)


def test_arc_charts_must_share_one_version(register):
    charts = {**ARC_CHARTS, "scale_set_chart": HelmChart(f"{OCI}/gha-runner-scale-set", "0.14.1")}
    with pytest.raises(Exception, match=r"ARC charts must share one version \(controller 0.14.2, scale set 0.14.1\)"):
        register(ci_runners(**charts))


def test_runner_identity_is_the_chart_named_service_account():
    assert runner_service_account("gpu", "kubernetes") == ("arc-gpu", "gpu-gha-rs-kube-mode")
    assert runner_service_account("docker", "dind") == ("arc-docker", "docker-gha-rs-no-permission")


def test_jobs_run_as_the_namespace_default_account_and_gpu_steps_also_as_the_runners():
    # Kubernetes mode: job pods from the container hooks have no serviceAccountName.
    assert job_service_accounts("cpu", "kubernetes", gpu=False) == (("arc-cpu", "default"),)
    # GPU sets run steps in the runner pod (ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER=false).
    assert job_service_accounts("gpu", "kubernetes", gpu=True) == (
        ("arc-gpu", "default"), ("arc-gpu", "gpu-gha-rs-kube-mode"))
    # dind: every step runs in the runner pod.
    assert job_service_accounts("docker", "dind", gpu=False) == (("arc-docker", "docker-gha-rs-no-permission"),)


def test_releases_wait_for_what_the_caller_names(register):
    def program():
        nodes = k8s.core.v1.Namespace("nodes-ready")
        CiRunners("ci", CiRunnersArgs(provider=k8s.Provider("k8s", kubeconfig="{}"), github_app=APP,
                                      runner_sets={"cpu": CPU}, depends_on=[nodes], **ARC_CHARTS))

    reg = register(program)
    nodes = reg.one("kubernetes:core/v1:Namespace", "nodes-ready")
    for name in ("ci-controller", "ci-cpu"):
        assert nodes.urn in reg.one(RELEASE, name).request.dependencies
    assert nodes.urn not in reg.one("kubernetes:core/v1:Namespace", "ci-cpu-ns").request.dependencies


def test_an_empty_set_list_is_refused(register):
    from infra.offline.engine import ProgramError

    with pytest.raises(ProgramError, match="CiRunners needs at least one runner set"):
        register(ci_runners(sets={}))


def test_extra_egress_reaches_every_namespace_policy(register):
    # On EKS the caller adds the Pod Identity agent, without which jobs lose AWS credentials once
    # the CNI enforces the default deny.
    agent = {"to": [{"ipBlock": {"cidr": "169.254.170.23/32"}}], "ports": [{"protocol": "TCP", "port": 80}]}
    reg = register(ci_runners(extra_egress=[agent]))
    egress = {r.inputs["metadata"]["namespace"]: r.inputs["spec"]["egress"] for r in reg.of_type(POLICY)
              if r.inputs["metadata"]["name"] == "allow-egress"}
    assert sorted(egress) == ["arc-cpu", "arc-gpu", "arc-systems"]
    assert all(rules[-1] == agent and len(rules) == 3 for rules in egress.values())


def test_work_volumes_without_a_class_get_the_callers_default_class(register):
    reg = register(ci_runners(default_storage_class="gp3-encrypted"))
    claims = {name: reg.one(RELEASE, f"ci-{name}").inputs["values"]["containerMode"]["kubernetesModeWorkVolumeClaim"]
              for name in ("cpu", "gpu")}
    assert claims["cpu"]["storageClassName"] == "gp3-encrypted"
    # A set that names its own class keeps it.
    assert claims["gpu"]["storageClassName"] == "gp3"


def test_deployer_sets_run_steps_in_the_runner_pod_in_their_runner_group(register):
    deployer = RunnerSet("https://github.com/acme", max_runners=2, requests=REQUESTS, limits=LIMITS,
                         image="ghcr.io/actions/actions-runner:2.338.1", runner_group="mlinfra-deploy-dev",
                         steps_in_runner=True)
    reg = register(ci_runners({"dev-deploy": deployer}))
    chart = reg.one(RELEASE, "ci-dev-deploy").inputs["values"]
    assert (chart["runnerScaleSetName"], chart["runnerGroup"]) == ("dev-deploy", "mlinfra-deploy-dev")
    [runner] = chart["template"]["spec"]["containers"]
    assert runner["env"] == [{"name": "ACTIONS_RUNNER_REQUIRE_JOB_CONTAINER", "value": "false"}]
    assert "tolerations" not in chart["template"]["spec"]


def test_listener_metrics_stay_off_without_a_collector(recorded):
    assert "metrics" not in values(recorded, "ci-controller")
    assert [p.name for p in recorded.of_type(POLICY) if p.name.endswith("allow-metrics")] == []


def test_a_collector_turns_listener_metrics_on_and_only_it_may_scrape_them(register):
    scraper = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "gmp-system"}}}
    recorded = register(ci_runners(metrics_scrapers=[scraper]))
    assert values(recorded, "ci-controller")["metrics"] == {
        "controllerManagerAddr": ":8080", "listenerAddr": ":8080", "listenerEndpoint": "/metrics"}
    policy = recorded.one(POLICY, "ci-controller-allow-metrics").inputs
    assert policy["metadata"]["namespace"] == "arc-systems"
    assert policy["spec"] == {
        "podSelector": {"matchLabels": {"app.kubernetes.io/component": "runner-scale-set-listener"}},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [scraper], "ports": [{"protocol": "TCP", "port": 8080}]}]}


DEPLOYER = RunnerSet("https://github.com/acme", max_runners=2, requests=REQUESTS,
                     limits={"cpu": "1.5", "memory": "4Gi"}, image="ghcr.io/actions/actions-runner:2.338.1",
                     runner_group="prod-deploy",
                     container_mode="none", steps_in_runner=True)
GPU_DEFAULT_MODE = RunnerSet("https://github.com/acme", max_runners=4, requests=REQUESTS, limits=LIMITS,
                             image="ghcr.io/actions/actions-runner:2.338.1", container_mode="none",
                             gpu=GpuRequest(count=2, pool_label="dev-l4", accelerator="nvidia-l4"))


def test_a_deployer_runs_in_the_charts_default_mode_with_no_api_token_and_no_role():
    values = scale_set_values("prod-deploy", DEPLOYER)
    # No containerMode: the chart binds no Role (kube_mode_role.yaml renders for kubernetes modes only).
    assert "containerMode" not in values
    assert values["template"]["spec"]["automountServiceAccountToken"] is False
    assert "env" not in values["template"]["spec"]["containers"][0]  # no job container to require
    assert runner_service_account("prod-deploy", "none") == ("arc-prod-deploy", "prod-deploy-gha-rs-no-permission")
    assert job_service_accounts("prod-deploy", "none", gpu=False) == (
        ("arc-prod-deploy", "prod-deploy-gha-rs-no-permission"),)


def test_every_runner_namespace_has_a_quota_of_its_sets_size():
    from infra.offline.engine import run_program
    from tests.conftest import Registered

    reg = Registered(run_program(ci_runners({"cpu": CPU, "deploy": DEPLOYER, "gpu": GPU_DEFAULT_MODE})))
    quotas = {r.name: r.inputs for r in reg.of_type("kubernetes:core/v1:ResourceQuota")}
    assert set(quotas) == {"ci-cpu-quota", "ci-deploy-quota", "ci-gpu-quota"}
    # Kubernetes mode: a runner pod and a job pod with its work volume per runner; job pods set no compute.
    assert quotas["ci-cpu-quota"]["spec"] == {"hard": {"pods": "12", "persistentvolumeclaims": "6",
                                                       "requests.storage": "120Gi"}}
    assert quotas["ci-deploy-quota"]["spec"] == {"hard": {
        "pods": "2", "persistentvolumeclaims": "0", "requests.cpu": "2", "requests.memory": "4Gi",
        "limits.cpu": "3000m", "limits.memory": "8Gi"}}
    assert quotas["ci-gpu-quota"]["spec"]["hard"]["requests.nvidia.com/gpu"] == "8"
    assert quotas["ci-gpu-quota"]["metadata"]["namespace"] == "arc-gpu"
    labels = {r.name: r.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
              for r in reg.of_type(NAMESPACE)}
    assert (labels["ci-deploy-ns"], labels["ci-gpu-ns"], labels["ci-cpu-ns"]) == (
        "restricted", "restricted", "baseline")
