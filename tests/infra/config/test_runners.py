"""Runner scale set config: defaults, and one exact, path-named message per kind of mistake."""

import copy
from decimal import Decimal

import pytest

from infra.catalog.accelerators import Accelerator
from infra.config.load import parse_stack_config
from infra.config.runners import (
    DEFAULT_RUNNER_IMAGE,
    ContainerMode,
    RunnerKind,
    github_url_ok,
    image_pin_problem,
    parse_quantity,
)
from tests.helpers import DELETE, changed, config_problems

RESOURCES = {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}}
VALID = {
    "environment": "dev",
    "tags": {"owner": "ml-platform", "cost-center": "cc-1"},
    "aws": {"region": "us-east-1"},
    "github_app": {"app_id": "123456", "installation_id": "7890123",
                   "platform_repository": "acme/ml-platform"},
    "clusters": {
        "train": {
            "cloud": "aws",
            "gpu_pools": {"l4": {"accelerator": "nvidia-l4", "gpus_per_node": 1, "max_nodes": 4}},
            "runners": {
                "cpu": {"github_config_url": "https://github.com/acme", "runner_group": "ci", "max_runners": 4,
                        "resources": copy.deepcopy(RESOURCES)},
                "gpu": {"github_config_url": "https://github.com/acme/ml", "max_runners": 4, "kind": "gpu",
                        "gpu": {"pool": "l4", "accelerator": "nvidia-l4", "count": 1},
                        "resources": copy.deepcopy(RESOURCES)},
            },
        }
    },
}
SET = "clusters.train.runners"



def with_change(path: str, value) -> dict:
    """A deep copy of VALID with one value replaced (or removed when value is ...)."""
    return changed(VALID, path, DELETE if value is ... else value)


def problems(values: dict, secret_keys=()) -> list[str]:
    return config_problems(values, "dev", secret_keys)


def test_valid_runner_config_parses_with_defaults():
    config = parse_stack_config(VALID, "dev", set())
    cpu = config.clusters["train"].runners["cpu"]
    gpu = config.clusters["train"].runners["gpu"]
    assert cpu.min_runners == 0 and cpu.max_runners == 4
    assert cpu.kind is RunnerKind.CPU and cpu.gpu is None
    assert cpu.container_mode is ContainerMode.KUBERNETES and cpu.allow_privileged_dind is False
    assert cpu.image == DEFAULT_RUNNER_IMAGE and cpu.runner_group == "ci" and cpu.labels == []
    assert gpu.runner_group == "default" and cpu.repositories == []
    assert gpu.gpu.accelerator is Accelerator.L4 and gpu.gpu.count == 1
    assert (config.github_app.app_id, config.github_app.installation_id) == ("123456", "7890123")


@pytest.mark.parametrize("url", ["http://github.com/acme", "https://github.com", "https://github.com/a/b/c",
                                 "github.com/acme", "https://github.com/acme?x=1", "https://github.com/-x"])
def test_github_url_must_be_an_org_or_repo(url):
    assert not github_url_ok(url)
    assert problems(with_change(f"{SET}.cpu.github_config_url", url)) == [
        f"{SET}.cpu.github_config_url: must be the https URL of a GitHub organisation or repository, e.g. "
        f"https://github.com/acme or https://github.com/acme/ml (got {url!r})"]


@pytest.mark.parametrize("url", ["https://github.com/acme", "https://github.com/acme/ml.repo",
                                 "https://ghe.acme.internal/platform/", "https://github.com/enterprises/acme"])
def test_github_urls_accepted(url):
    assert github_url_ok(url)


def test_min_above_max():
    assert problems(with_change(f"{SET}.cpu.min_runners", 5)) == [
        f"{SET}.cpu.max_runners: must be >= min_runners (got 4 < 5)"]


def test_resources_are_required_and_limits_must_cover_requests():
    assert problems(with_change(f"{SET}.cpu.resources", ...)) == [f"{SET}.cpu.resources: required; add this key"]
    assert problems(with_change(f"{SET}.cpu.resources.limits", ...)) == [
        f"{SET}.cpu.resources.limits: required; add this key"]
    low = {"requests": {"cpu": "1500m", "memory": "2Gi"}, "limits": {"cpu": "1", "memory": "1024Mi"}}
    assert problems(with_change(f"{SET}.cpu.resources", low)) == [
        f"{SET}.cpu.resources.limits.cpu: must be >= resources.requests.cpu (got 1 < 1500m)",
        f"{SET}.cpu.resources.limits.memory: must be >= resources.requests.memory (got 1024Mi < 2Gi)"]


def test_quantities_compare_by_value():
    assert parse_quantity("500m") == Decimal("0.5")
    assert parse_quantity("2Gi") == 2 * 2**30 and parse_quantity("1G") == 10**9
    assert parse_quantity("2048Mi") == parse_quantity("2Gi")
    with pytest.raises(ValueError):
        parse_quantity("2Xi")


@pytest.mark.parametrize(("image", "expected"), [
    ("ghcr.io/actions/actions-runner", "needs a pinned tag or digest, e.g. "
     f"{DEFAULT_RUNNER_IMAGE} (got 'ghcr.io/actions/actions-runner')"),
    ("registry:5000/runner", f"needs a pinned tag or digest, e.g. {DEFAULT_RUNNER_IMAGE} (got 'registry:5000/runner')"),
    ("ghcr.io/actions/actions-runner:latest", "`latest` is not a pin; use a version tag or digest, e.g. "
     f"{DEFAULT_RUNNER_IMAGE} (got 'ghcr.io/actions/actions-runner:latest')"),
    ("registry:5000/runner:2.338.1", None),
    ("ghcr.io/actions/actions-runner@sha256:" + "a" * 64, None),
])
def test_image_must_be_pinned(image, expected):
    assert image_pin_problem(image) == expected
    if expected:
        assert problems(with_change(f"{SET}.cpu.image", image)) == [f"{SET}.cpu.image: {expected}"]


def test_dind_needs_an_explicit_opt_in():
    values = with_change(f"{SET}.cpu.container_mode", "dind")
    assert problems(values) == [
        f"{SET}.cpu.container_mode: dind runs a privileged Docker daemon next to every runner; use "
        "`kubernetes`, or set `allow_privileged_dind: true` to accept that risk explicitly"]
    values["clusters"]["train"]["runners"]["cpu"]["allow_privileged_dind"] = True
    assert parse_stack_config(values, "dev", set()).clusters["train"].runners["cpu"].container_mode \
        is ContainerMode.DIND


def test_gpu_set_must_name_a_pool_of_the_cluster_with_that_accelerator():
    assert problems(with_change(f"{SET}.gpu.gpu.pool", "h100")) == [
        f"{SET}.gpu.gpu.pool: not a GPU pool of this cluster; pools: l4 (got 'h100')"]
    assert problems(with_change(f"{SET}.gpu.gpu.accelerator", "nvidia-h100-80gb")) == [
        f"{SET}.gpu.gpu.accelerator: GPU pool 'l4' has nvidia-l4, so runners there cannot get "
        "nvidia-h100-80gb; use nvidia-l4 or another pool"]
    assert problems(with_change(f"{SET}.gpu.gpu.count", 2)) == [
        f"{SET}.gpu.gpu.count: GPU pool 'l4' nodes have 1 GPU(s), so a runner cannot get 2 (got 2)"]
    assert problems(with_change(f"{SET}.gpu.gpu.accelerator", "nvidia-b200"))[0].startswith(
        f"{SET}.gpu.gpu.accelerator: must be 'nvidia-t4', ")


def test_gpu_block_matches_kind():
    assert problems(with_change(f"{SET}.gpu.gpu", ...)) == [
        f"{SET}.gpu.gpu: required with `kind: gpu`; add `gpu: {{pool: ..., accelerator: ..., count: ...}}`"]
    assert problems(with_change(f"{SET}.gpu.kind", "cpu")) == [
        f"{SET}.gpu.gpu: only allowed with `kind: gpu`; remove it or set kind to gpu"]


def test_runners_need_a_github_app():
    assert problems(with_change("github_app", ...)) == [
        "github_app: required because clusters.train.runners has scale sets; add `mlinfra:github_app: "
        "{app_id, installation_id, platform_repository}` (the private key goes into the stack's cloud secret, "
        "docs/concepts/ci-runners.md)"]


PRIVATE_KEY_MOVED = (
    "github_app.private_key: the App's private key is no longer config: previews decrypt a previewed stack's "
    "secrets, so a key here is readable by every pull request. Remove it (`pulumi config rm --path "
    "'mlinfra:github_app.private_key'`); after `pulumi up` the stack's cloud secret "
    "`<name_prefix>-<stack>-github-app` exists empty, and an administrator puts the key once: `aws secretsmanager "
    "put-secret-value --secret-id <name_prefix>-<stack>-github-app --secret-string file://key.pem` (EKS) or "
    "`gcloud secrets versions add <name_prefix>-<stack>-github-app --project <gcp.project> --data-file=key.pem` "
    "(GKE)")


@pytest.mark.parametrize("secret_keys", [(), ("github_app",)], ids=["plain", "secure"])
def test_a_private_key_in_config_is_refused_with_where_it_goes_now(secret_keys):
    values = with_change("github_app.private_key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecret")
    assert problems(values, secret_keys) == [PRIVATE_KEY_MOVED]


def test_a_secret_value_of_the_wrong_shape_is_never_echoed():
    values = with_change("github_app", "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecret")
    [problem] = problems(values, secret_keys=("github_app",))
    assert problem.startswith("github_app: must be a valid dictionary")
    assert "MIIEsecret" not in problem and "BEGIN" not in problem


def test_every_runner_problem_is_reported_at_once():
    values = with_change(f"{SET}.cpu.min_runners", 9)
    values["clusters"]["train"]["runners"]["gpu"]["image"] = "runner:latest"
    values["clusters"]["train"]["runners"]["gpu"]["max_runners"] = 0
    assert [p.split(":")[0] for p in problems(values)] == [f"{SET}.gpu.max_runners"]
    values["clusters"]["train"]["runners"]["gpu"]["max_runners"] = 2
    assert [p.split(":")[0] for p in problems(values)] == [f"{SET}.cpu.max_runners", f"{SET}.gpu.image"]


def test_runners_are_refused_on_clouds_that_do_not_deploy_them_yet(monkeypatch):
    monkeypatch.setattr("infra.config.rules.runners.RUNNERS_DEPLOYED_ON", frozenset())
    assert problems(VALID) == [
        "clusters.train.runners: runner scale sets are not deployed on aws clusters yet (they need the "
        "cluster's Kubernetes provider); remove `runners` for now"]


def test_a_scale_set_name_is_unique_per_github_url_and_group_across_clusters():
    values = copy.deepcopy(VALID)
    values["clusters"]["eval"] = {"cloud": "aws", "runners": {
        "cpu": copy.deepcopy(values["clusters"]["train"]["runners"]["cpu"])}}
    values["clusters"]["eval"]["runners"]["cpu"]["github_config_url"] = "https://github.com/ACME/"
    assert problems(values) == [
        "clusters.eval.runners.cpu: scale set name 'cpu' is already used for https://github.com/ACME/ "
        "(runner group ci) by clusters.train.runners.cpu; rename one of them"]
    values["clusters"]["eval"]["runners"]["cpu"]["runner_group"] = "eval"
    assert parse_stack_config(values, "dev", set()).clusters["eval"].runners["cpu"].runner_group == "eval"


def test_org_level_sets_need_a_group_limited_to_named_repositories():
    values = with_change(f"{SET}.cpu.runner_group", ...)
    values = changed(values, "github_app.platform_repository", DELETE)
    assert problems(values) == [
        f"{SET}.cpu.runner_group: the `default` group admits every repository of the organisation; name a runner "
        "group that admits only `repositories` (docs/concepts/ci-runners.md, \"Runner groups\")",
        f"{SET}.cpu.repositories: list the repositories its runner group admits, or set "
        "github_app.platform_repository (the default)"]
    # A repository-level set registers for that repository only, so its group may stay `default`.
    assert parse_stack_config(VALID, "dev", set()).clusters["train"].runners["gpu"].runner_group == "default"


def test_deploy_sets_get_no_cloud_access_and_no_gpu():
    values = with_change(f"{SET}.cpu.kind", "deploy")
    config = parse_stack_config(values, "dev", set())
    assert config.clusters["train"].runners["cpu"].kind is RunnerKind.DEPLOY
    values = changed(values, f"{SET}.cpu.cloud_access", {"buckets": {"x": "read"}})
    values = changed(values, f"{SET}.cpu.gpu", {"pool": "l4", "accelerator": "nvidia-l4"})
    assert problems(values)[:2] == [
        f"{SET}.cpu.cloud_access: a deploy set's jobs get their cloud identity from the workflow's OIDC token "
        "only; remove it",
        f"{SET}.cpu.gpu: only allowed with `kind: gpu`; remove it or set kind to gpu"]


def test_only_a_deploy_set_takes_the_environments_deploy_role_through_pod_identity():
    role = "arn:aws:iam::123456789012:role/acme-ml-github-deploy-prod"
    assert problems(with_change(f"{SET}.cpu.deploy_role_arn", role)) == [
        f"{SET}.cpu.deploy_role_arn: only a deploy set (kind: deploy) on an EKS cluster takes its environment's "
        "deploy role through Pod Identity; remove it"]
    values = changed(with_change(f"{SET}.cpu.kind", "deploy"), f"{SET}.cpu.deploy_role_arn", role)
    assert parse_stack_config(values, "dev", set()).clusters["train"].runners["cpu"].deploy_role_arn == role
    assert problems(changed(values, f"{SET}.cpu.deploy_role_arn", "acme-ml-github-deploy-prod"))[0].startswith(
        f"{SET}.cpu.deploy_role_arn: ")


def test_repositories_must_be_org_slash_repo():
    assert problems(with_change(f"{SET}.cpu.repositories", ["not a repo"]))[0].startswith(
        f"{SET}.cpu.repositories.0: ")


def test_prod_ci_runners_get_no_prod_buckets():
    values = changed(with_change(f"{SET}.gpu.cloud_access", {"buckets": {"datasets": "read"}}), "buckets",
                     {"datasets": {"cloud": "aws"}})
    parse_stack_config(values, "dev", set())  # dev data for dev CI is fine
    found = [p for p in problems(changed(values, "environment", "prod")) if ".cloud_access" in p]
    assert found == [
        f"{SET}.gpu.cloud_access.buckets: prod data is not granted to CI runners: their jobs run any branch's code, "
        "pull requests included; test against staging's or dev's copy, or read prod data from a workload "
        "(workload_access)"]
