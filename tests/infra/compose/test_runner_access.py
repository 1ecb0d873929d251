"""Runners wired into each cloud's cluster: what the releases wait for, the GPU pool labels they
select, and the cloud identity their jobs get (EKS Pod Identity, GKE Workload Identity)."""

import copy
import json

import pytest

from components.aws.ecr_repository import ECR_PUSH_ACTIONS
from infra.compose.platform import build_platform
from infra.config.load import ConfigError, parse_stack_config
from infra.offline.engine import run_program

RESOURCES = {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}}
# Keys `cpu` and `gpu` in the stack `ci`: the scale sets are `ci-cpu` and `ci-gpu` (`<stack>-<key>`).
RUNNERS = {
    "cpu": {"github_config_url": "https://github.com/acme", "runner_group": "ci", "max_runners": 2,
            "resources": RESOURCES,
            "cloud_access": {"registry": {"repository": "ci-images"}, "buckets": {"data": "read-write"}}},
    "gpu": {"github_config_url": "https://github.com/acme", "runner_group": "ci", "max_runners": 4,
            "resources": RESOURCES,
            "kind": "gpu", "gpu": {"pool": "l4", "accelerator": "nvidia-l4"},
            "cloud_access": {"registry": {"repository": "ci-images", "create": False}, "buckets": {"data": "read"}}},
}
APP = {"app_id": "1", "installation_id": "2", "platform_repository": "acme/ml-platform"}
L4 = {"accelerator": "nvidia-l4", "max_nodes": 4}
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def values(cloud):
    region = {"aws": {"region": "us-east-1"}, "gcp": {"project": "acme-ml-x", "region": "us-central1"}}[cloud]
    return {"environment": "dev", "tags": {"owner": "ml", "cost-center": "cc-1"}, cloud: region, "github_app": APP,
            "clusters": {"ci": {"cloud": cloud, "gpu_pools": {"l4": L4}, "runners": copy.deepcopy(RUNNERS)}},
            # An existing key on AWS, so the bucket policy is known in a plan and can be read here.
            "buckets": {"data": {"cloud": cloud, **({"aws": {"kms_key_arn": KEY}} if cloud == "aws" else {})}}}


@pytest.fixture(scope="module")
def gke():
    config = parse_stack_config(values("gcp"), "ci")
    return run_program(lambda: build_platform(config), stack="ci")


@pytest.fixture(scope="module")
def eks():
    config = parse_stack_config(values("aws"), "ci")
    return run_program(lambda: build_platform(config), stack="ci")


def named(run, type_, name=None):
    return [r for r in run.resources if r.type == type_ and name in (None, r.name)]


def one(run, type_, name):
    [found] = named(run, type_, name)
    return found


def test_gke_gpu_runners_select_the_labels_and_tolerate_the_taint_gke_puts_on_the_pool(gke):
    pool = one(gke, "gcp:container/nodePool:NodePool", "ci-l4-pool")
    labels = pool.inputs["nodeConfig"]["labels"]
    spec = one(gke, "kubernetes:helm.sh/v3:Release", "ci-runners-ci-gpu").inputs["values"]["template"]["spec"]
    assert spec["nodeSelector"] == {"mlinfra.io/pool": "ci-l4", "mlinfra.io/accelerator": "nvidia-l4"}
    assert {k: labels[k] for k in spec["nodeSelector"]} == spec["nodeSelector"]
    # GKE taints GPU nodes nvidia.com/gpu=present:NoSchedule itself (the pool records that it does).
    assert labels["mlinfra.io/gpu-taint"] == "added-by-gke"
    assert spec["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]


def test_gke_releases_wait_for_the_system_pool_on_the_clusters_own_provider(gke):
    system = one(gke, "gcp:container/nodePool:NodePool", "ci-system")
    provider = one(gke, "pulumi:providers:kubernetes", "ci-k8s")
    for name in ("ci-runners-controller", "ci-runners-ci-cpu", "ci-runners-ci-gpu"):
        release = one(gke, "kubernetes:helm.sh/v3:Release", name)
        assert system.urn in release.request.dependencies
        assert release.request.provider.startswith(provider.urn + "::")


PRINCIPAL = ("principal://iam.googleapis.com/projects/100000000001/locations/global/workloadIdentityPools/"
             "acme-ml-x.svc.id.goog/subject/ns/{}/sa/{}")


def test_gke_jobs_get_push_on_one_repository_and_their_buckets_through_workload_identity(gke):
    [repo] = named(gke, "gcp:artifactregistry/repository:Repository")
    assert (repo.name, repo.inputs["repositoryId"], repo.inputs["format"]) == (
        "ci-ci-cpu-registry-repo", "ci-images-ci", "DOCKER")
    writers = {(r.inputs["repository"], r.inputs["role"], r.inputs["member"])
               for r in named(gke, "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember")}
    cpu_jobs = PRINCIPAL.format("arc-ci-cpu", "default")
    # The GPU set runs its steps in the runner pod (the chart's default mode): its one account is granted.
    gpu_runner = PRINCIPAL.format("arc-ci-gpu", "ci-gpu-gha-rs-no-permission")
    # ci-cpu creates the repository (`<repository>-<stack>`) with its writer; ci-gpu shares it (`create: false`).
    assert writers == {("ci-images-ci", "roles/artifactregistry.writer", m) for m in (cpu_jobs, gpu_runner)}
    assert {r.parent.rsplit("::", 1)[1]
            for r in named(gke, "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember")} == {
        "ci-ci-cpu-registry", "ci-ci-gpu-access"}
    bucket = one(gke, "gcp:storage/bucket:Bucket", "data-bucket")
    grants = {r.inputs["member"]: r.inputs["role"] for r in named(gke, "gcp:storage/bucketIAMMember:BucketIAMMember")}
    assert grants == {cpu_jobs: "roles/storage.objectUser", gpu_runner: "roles/storage.objectViewer"}
    for member in named(gke, "gcp:storage/bucketIAMMember:BucketIAMMember"):
        assert member.inputs["bucket"] == "mlinfra-ci-data"
        assert bucket.urn in member.request.dependencies  # the binding waits for its bucket
    # Nothing on the project: each grant is on one bucket or the one repository.
    assert all("/subject/ns/arc-" not in r.inputs["member"] for r in named(gke, "gcp:projects/iAMMember:IAMMember"))


def test_eks_jobs_get_pod_identity_roles_with_push_to_one_repository_and_their_buckets(eks):
    associations = {(r.inputs["namespace"], r.inputs["serviceAccount"])
                    for r in named(eks, "aws:eks/podIdentityAssociation:PodIdentityAssociation")}
    assert associations >= {("arc-ci-cpu", "default"), ("arc-ci-gpu", "ci-gpu-gha-rs-no-permission")}
    assert ("arc-ci-gpu", "default") not in associations  # no job pods in the GPU set's default mode
    assert ("arc-ci-cpu", "ci-cpu-gha-rs-kube-mode") not in associations  # CPU steps never run in the runner pod
    [repo] = named(eks, "aws:ecr/repository:Repository")
    assert (repo.inputs["name"], repo.inputs["imageTagMutability"]) == ("ci-images-ci", "IMMUTABLE")
    arn = "arn:aws:ecr:us-east-1:123456789012:repository/ci-images-ci"
    for role in ("ci-ci-cpu-jobs", "ci-ci-gpu-runner"):
        registry = json.loads(one(eks, "aws:iam/rolePolicy:RolePolicy", f"{role}-registry").inputs["policy"])
        assert registry["Statement"][0] == {"Sid": "PushToOneRepository", "Effect": "Allow",
                                            "Action": list(ECR_PUSH_ACTIONS), "Resource": arn}
        # GetAuthorizationToken is the one action AWS accepts only on "*"; it grants nothing by itself.
        assert registry["Statement"][1]["Action"] == ["ecr:GetAuthorizationToken"]
        buckets = json.loads(one(eks, "aws:iam/rolePolicy:RolePolicy", f"{role}-buckets").inputs["policy"])
        actions = [a for s in buckets["Statement"] for a in s["Action"]]
        assert all("*" not in a for a in actions)
        assert {s["Resource"] for s in buckets["Statement"]} == {
            "arn:aws:s3:::mlinfra-ci-data", "arn:aws:s3:::mlinfra-ci-data/*", KEY}
        assert ("s3:PutObject" in actions) == (role == "ci-ci-cpu-jobs")


def test_eks_releases_wait_for_nodes_the_pod_identity_agent_and_the_associations(eks):
    release = one(eks, "kubernetes:helm.sh/v3:Release", "ci-runners-ci-gpu")
    deps = set(release.request.dependencies)
    assert one(eks, "aws:eks/nodeGroup:NodeGroup", "ci-system-ng").urn in deps
    assert one(eks, "aws:eks/addon:Addon", "ci-addons-eks-pod-identity-agent").urn in deps
    for role in ("ci-ci-cpu-jobs", "ci-ci-gpu-runner"):
        # Waiting on a component waits on its children: the association must exist before runner pods.
        assert one(eks, "aws:eks/podIdentityAssociation:PodIdentityAssociation", f"{role}-association").urn in deps
    pool = one(eks, "aws:eks/nodeGroup:NodeGroup", "ci-l4-ng")
    selector = release.inputs["values"]["template"]["spec"]["nodeSelector"]
    assert {k: pool.inputs["labels"][k] for k in selector} == selector
    assert [(t["key"], t["effect"]) for t in pool.inputs["taints"]] == [("nvidia.com/gpu", "NO_SCHEDULE")]


@pytest.mark.parametrize("change, problem", [
    ({"buckets": {"nope": "read"}},
     "clusters.ci.runners.cpu.cloud_access.buckets.nope: not a bucket of this stack; buckets: data"),
    ({"registry": {"repository": "ci-images"}},
     "clusters.ci.runners.gpu.cloud_access.registry.repository: repository 'ci-images' is already created by "
     "clusters.ci.runners.cpu; set `create: false` here to share it"),
])
def test_cloud_access_problems_are_reported_with_their_path(change, problem):
    config = values("aws")
    target = "cpu" if "buckets" in change else "gpu"
    config["clusters"]["ci"]["runners"][target]["cloud_access"] = change
    with pytest.raises(ConfigError) as error:
        parse_stack_config(config, "ci")
    assert problem in str(error.value)


def test_a_bucket_on_the_other_cloud_is_refused():
    config = values("aws")
    config["gcp"] = {"project": "acme-ml-x", "region": "us-central1"}
    config["buckets"]["gcs"] = {"cloud": "gcp"}
    config["clusters"]["ci"]["runners"]["cpu"]["cloud_access"]["buckets"] = {"gcs": "read"}
    with pytest.raises(ConfigError) as error:
        parse_stack_config(config, "ci")
    assert ("clusters.ci.runners.cpu.cloud_access.buckets.gcs: bucket is on gcp but the cluster is on aws; jobs "
            "get access through the cluster's own cloud identity") in str(error.value)
