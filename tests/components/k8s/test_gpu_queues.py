"""GpuQueues under the offline engine: Kueue, a flavor per pool, each team's namespace, quota and queues."""

import pulumi_kubernetes as k8s
import pytest

from components.k8s.gpu_queues import GpuQueues, GpuQueuesArgs
from components.k8s.helm_chart import HelmChart
from components.k8s.kueue_specs import Flavor, FlavorQuota, TeamQueue, node_shares

KUEUE = "kueue.x-k8s.io/v1beta2"
TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}
H100 = Flavor("h100", {"mlinfra.io/pool": "train-h100"}, [TAINT], 8, 192, 2048)
L4 = Flavor("l4", {"mlinfra.io/pool": "train-l4"}, [TAINT], 1, 4, 16)
TEAMS = {
    "research": TeamQueue("research", "gpu", [FlavorQuota("h100", 16)], gpu_ceiling=32),
    "applied": TeamQueue("applied-ns", "gpu", [FlavorQuota("h100", 11, 8), FlavorQuota("l4", 4, 0)],
                         reclaim_within_cohort="LowerPriority", derivations={"h100": "$60,000/month ..."},
                         gpu_ceiling=23),
}


def program(teams=TEAMS, replicas=2):
    def run():
        provider = k8s.Provider("test", kubeconfig="{}")
        GpuQueues("train-queues", GpuQueuesArgs(
            provider=provider, chart=HelmChart("oci://registry.k8s.io/kueue/charts/kueue", "0.19.2"),
            api_version=KUEUE, flavors={"h100": H100, "l4": L4}, teams=teams, replicas=replicas))
    return run


@pytest.fixture(scope="module")
def recorded():
    from infra.offline.engine import run_program
    from tests.conftest import Registered

    return Registered(run_program(program()))


def test_kueue_is_the_pinned_chart_with_two_controllers_and_a_disruption_budget(recorded):
    release = recorded.one("kubernetes:helm.sh/v3:Release", "train-queues-kueue").inputs
    assert (release["chart"], release["version"], release["namespace"]) == (
        "oci://registry.k8s.io/kueue/charts/kueue", "0.19.2", "kueue-system")
    assert release["values"] == {"controllerManager": {"replicas": 2,
                                                       "podDisruptionBudget": {"enabled": True, "minAvailable": 1}}}


def test_a_flavor_per_pool_selects_its_nodes_and_tolerates_its_taint(recorded):
    flavor = recorded.one(f"kubernetes:{KUEUE}:ResourceFlavor", "train-queues-flavor-h100").inputs
    assert flavor["spec"] == {"nodeLabels": {"mlinfra.io/pool": "train-h100"}, "tolerations": [
        {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"}]}


def test_cluster_queue_covers_cpu_memory_and_gpus_with_borrowing_and_preemption(recorded):
    queue = recorded.one(f"kubernetes:{KUEUE}:ClusterQueue", "train-queues-applied-cq").inputs
    spec = queue["spec"]
    assert spec["cohortName"] == "gpu"
    assert spec["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "applied-ns"}}
    assert spec["preemption"] == {"reclaimWithinCohort": "LowerPriority", "withinClusterQueue": "LowerPriority"}
    assert spec["resourceGroups"] == [{"coveredResources": ["cpu", "memory", "nvidia.com/gpu"], "flavors": [
        # 11 H100s occupy 2 nodes of 8: 384 cores, 4096Gi; borrowing 8 more is one node.
        {"name": "h100", "resources": [
            {"name": "cpu", "nominalQuota": "384", "borrowingLimit": "192"},
            {"name": "memory", "nominalQuota": "4096Gi", "borrowingLimit": "2048Gi"},
            {"name": "nvidia.com/gpu", "nominalQuota": "11", "borrowingLimit": "8"}]},
        {"name": "l4", "resources": [
            {"name": "cpu", "nominalQuota": "16", "borrowingLimit": "0"},
            {"name": "memory", "nominalQuota": "64Gi", "borrowingLimit": "0Gi"},
            {"name": "nvidia.com/gpu", "nominalQuota": "4", "borrowingLimit": "0"}]}]}]
    assert queue["metadata"]["annotations"] == {"mlinfra.io/quota-derivation": "h100: $60,000/month ..."}
    research = recorded.one(f"kubernetes:{KUEUE}:ClusterQueue", "train-queues-research-cq").inputs
    assert "annotations" not in research["metadata"]
    assert "borrowingLimit" not in str(research["spec"])  # no limit: borrow whatever the cohort has idle


def test_each_team_gets_a_namespace_local_queue_quota_and_defaults(recorded):
    namespace = recorded.one("kubernetes:core/v1:Namespace", "train-queues-applied-ns").inputs
    assert namespace["metadata"]["name"] == "applied-ns"
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"
    local = recorded.one(f"kubernetes:{KUEUE}:LocalQueue", "train-queues-applied-lq").inputs
    assert (local["metadata"]["name"], local["metadata"]["namespace"], local["spec"]) == (
        "applied", "applied-ns", {"clusterQueue": "applied"})
    quota = recorded.one("kubernetes:core/v1:ResourceQuota", "train-queues-applied-quota").inputs
    # The ceiling is quota plus borrowing: (11 + 8) H100s on 3 nodes and 4 L4s on 4 nodes.
    assert quota["spec"] == {"hard": {"requests.cpu": str(3 * 192 + 4 * 4), "requests.memory": f"{3 * 2048 + 4 * 16}Gi",
                                      "requests.nvidia.com/gpu": "23"}}
    limits = recorded.one("kubernetes:core/v1:LimitRange", "train-queues-applied-limits").inputs
    # Requests only: a default limit below a big job's request would make Kubernetes refuse its pods.
    assert limits["spec"] == {"limits": [{"type": "Container", "defaultRequest": {"cpu": "500m", "memory": "1Gi"}}]}


def test_custom_resources_wait_for_the_chart_that_installs_their_crds(recorded):
    release = recorded.one("kubernetes:helm.sh/v3:Release", "train-queues-kueue")
    for kind in ("ResourceFlavor", "ClusterQueue", "LocalQueue"):
        for resource in recorded.of_type(f"kubernetes:{KUEUE}:{kind}"):
            assert release.urn in resource.request.dependencies, resource.name


def test_node_shares_are_whole_nodes():
    assert node_shares(H100, 1) == (192, 2048) and node_shares(H100, 9) == (384, 4096) and node_shares(L4, 0) == (0, 0)


def test_a_quota_on_an_unknown_flavor_is_refused(register):
    with pytest.raises(Exception, match=r"team x has quota on unknown flavors \['a100'\]"):
        register(program({"x": TeamQueue("x", "gpu", [FlavorQuota("a100", 1)])}))
