"""The attack-path matrix on the real plans (bootstrap, dev, staging, prod): every actor against every prod
asset must be "no path". A cell that is not fails naming the actor, the asset and the path found.

Cells still open are marked xfail(strict=True) with the path and why it is open, so the mark must go the
moment the path is closed (an unexpected pass fails). docs/security.md prints this matrix and says what closes
each open cell.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

import pytest

from infra.offline.document import build_document
from infra.security.attack_paths import ASSETS, NO_PATH, Search, actors, matrix, own_deployers, render
from infra.security.plan_model import READ_ONLY_ACCESS, Platform, add_stack, load_bootstrap
from tests.helpers import bootstrap_run, stack_run

ROOT = Path(__file__).resolve().parents[3]
WORKFLOWS = sorted(f".github/workflows/{f.name}" for f in (ROOT / ".github" / "workflows").glob("*.yml"))
STACKS = ("dev", "staging", "prod")

# No cell is open: a test of a cell that finds a path fails with it. (A cell found open again is marked
# xfail(strict=True) with the path and why, in a dict here, so the mark must go the moment it closes.)
OPEN: dict[tuple[str, str], str] = {}


@cache
def platform() -> Platform:
    model = load_bootstrap(build_document(bootstrap_run()))
    for stack in STACKS:
        add_stack(model, stack, build_document(stack_run(stack)))
    return model


@cache
def cells():
    return matrix(platform(), WORKFLOWS)


def cases():
    for actor in ["fork PR", "same-repo PR", "push to another branch", "main push in dev",
                  "engineer with the sandbox identity",
                  *(f"job on {s}-{k}" for s, keys in (("dev", ("deploy", "preview", "cpu")),
                                                       ("staging", ("deploy", "cpu", "gpu-l4")),
                                                       ("prod", ("cpu", "gpu-l4"))) for k in keys)]:
        for asset in ASSETS:
            reason = OPEN.get((actor, asset))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(actor, asset, marks=marks, id=f"{actor} -> {asset}")


@pytest.mark.parametrize("actor, asset", list(cases()))
def test_no_actor_reaches_a_prod_asset(actor, asset):
    cell = cells()[actor][asset]
    assert cell.text == NO_PATH, f"{actor} -> {asset}: {cell.text}"


def test_every_actor_and_every_runner_set_is_in_the_matrix():
    names = set(cells())
    # Every runner set but prod's own deployers (the reviewed prod deploy itself: see below).
    assert {f"job on {r.name}" for r in platform().runner_sets} - names == {"job on prod-deploy"}
    assert {"fork PR", "same-repo PR", "push to another branch", "main push in dev",
            "engineer with the sandbox identity"} <= names
    assert len(list(cases())) == len(names) * len(ASSETS)


def test_the_search_finds_a_path_that_is_there():
    # Give previews ReadOnlyAccess again (the review's finding): the matrix must name the path it opens.
    model = copy.deepcopy(platform())
    preview = next(r for r in model.roles.values() if r.name == "acme-ml-github-preview")
    preview.policies.append(READ_ONLY_ACCESS)
    opened = matrix(model, WORKFLOWS)
    assert opened["push to another branch"]["prod datasets"].path is None  # no pull-request token on a branch
    cell = opened["same-repo PR"]["prod datasets"]
    assert cell.path is not None and cell.path[1:] == (
        "assume acme-ml-github-preview", "acme-ml-github-preview s3:GetObject acme-ml-prod-datasets")


def test_a_main_push_runs_as_every_unreviewed_environment():
    # Whoever lands code on main runs drift.yml (or a new file) in the drift environment, which has no reviewers.
    footholds = actors(platform(), WORKFLOWS)
    environments = {t.split(":environment:")[1].split(":")[0] for t in footholds["main push in dev"]["tokens"]}
    assert environments == {"dev", "drift", "sandbox"}
    # ...and on every runner set whose group admits main's workflows: every set but the protected deployers,
    # whose groups run only the deploy repository's workflow.
    assert {name for _, name in footholds["main push in dev"]["runners"]} == {
        "dev-preview", "dev-cpu", "staging-cpu", "staging-gpu-l4", "prod-cpu", "prod-gpu-l4", "dev-deploy"}


def test_no_actor_can_place_a_job_on_prods_deployers_which_are_the_reviewed_deploy_itself():
    model = platform()
    assert own_deployers(model, "prod") == [("prod", "prod-deploy")]
    assert model.runner_groups["prod-deploy"]["selectedWorkflows"] == [
        "acme-ml/ml-platform-deploy/.github/workflows/pulumi-up.yml@refs/heads/main"]
    footholds = actors(model, WORKFLOWS)
    assert "job on prod-deploy" not in footholds
    assert not any(("prod", "prod-deploy") in actor["runners"] for actor in footholds.values())
    # Its pods hold prod's deploy role, through Pod Identity of their service account in prod's cluster only.
    key = ("prod", "arc-prod-deploy", "prod-deploy-gha-rs-no-permission")
    deploy = model.roles[model.pod_roles[key]]
    assert deploy.name == "acme-ml-github-deploy-prod"
    search = Search(model)
    assert search.pod_trust_admits(deploy, key)
    assert not search.pod_trust_admits(deploy, ("staging", "arc-prod-deploy", "prod-deploy-gha-rs-no-permission"))
    # ...and no job's token assumes it, the prod deploy job's included: a runner that takes it elsewhere gets nothing.
    [token] = search.deploy_job_tokens("prod-deploy")
    assert ":environment:prod:" in token and search.roles_for_token(token) == []


def test_a_deploy_role_trusting_the_job_token_again_is_a_path_from_any_app_key():
    # Give prod's deploy role its OIDC trust back: dev's App key (another App, org-wide runner admin) registers a
    # runner in prod-deploy, takes the deploy job and its token, and assumes the role.
    model = copy.deepcopy(platform())
    deploy = next(r for r in model.roles.values() if r.name == "acme-ml-github-deploy-prod")
    [token] = Search(model).deploy_job_tokens("prod-deploy")
    deploy.trust = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                                   "Principal": {"Federated": f"arn:aws:iam::{model.account}:oidc-provider/"
                                                              "token.actions.githubusercontent.com"},
                                   "Condition": {"StringEquals": {
                                       "token.actions.githubusercontent.com:sub": token}}}]}
    # No pull request reaches any App key any more (#26: not in config or state); dev's deploy, dev's cluster
    # admin, reads dev's synced key.
    assert matrix(model, WORKFLOWS)["same-repo PR"]["prod deploy identity"].path is None
    cell = matrix(model, WORKFLOWS)["main push in dev"]["prod deploy identity"]
    assert cell.path is not None and cell.path[1:] == (
        "assume acme-ml-github-deploy-dev",
        "acme-ml-github-deploy-dev is a dev cluster admin (access entry), which reads the synced github-app Secret "
        "(App 1234567)",
        f"register a runner in prod-deploy, take the prod deploy job's OIDC token {token}",
        "assume acme-ml-github-deploy-prod")



def test_the_app_key_asset_is_the_key_of_prods_app_and_dev_sharing_it_is_a_path():
    model = copy.deepcopy(platform())
    assert model.app_ids == {"dev": "1234567", "staging": "1234568", "prod": "1234569"}
    assert cells()["same-repo PR"]["GitHub App key(s)"].text == NO_PATH
    assert cells()["main push in dev"]["GitHub App key(s)"].text == NO_PATH
    # One App for every environment (as before #26): dev's synced copy of the key is prod's App's key.
    model.app_ids["dev"] = model.app_ids["prod"]
    cell = matrix(model, WORKFLOWS)["main push in dev"]["GitHub App key(s)"]
    assert cell.path is not None and cell.path[-1] == (
        "acme-ml-github-deploy-dev is a dev cluster admin (access entry), which reads the synced github-app Secret "
        "(App 1234569)")


def test_a_drift_identity_reading_prod_is_a_path_from_main():
    # Give drift back prod's state (before the split): the unreviewed drift token must reach it.
    model = copy.deepcopy(platform())
    drift = next(r for r in model.roles.values() if r.name == "acme-ml-github-drift")
    drift.policies = [READ_ONLY_ACCESS]
    cell = matrix(model, WORKFLOWS)["main push in dev"]["prod datasets"]
    assert cell.path is not None and ":environment:drift:" in cell.path[0] and cell.path[1:] == (
        "assume acme-ml-github-drift", "acme-ml-github-drift s3:GetObject acme-ml-prod-datasets")


def test_forks_get_no_token_and_branches_no_environment():
    footholds = actors(platform(), WORKFLOWS)
    assert footholds["fork PR"]["tokens"] == []
    assert footholds["push to another branch"]["tokens"] and not any(
        ":environment:" in t for t in footholds["push to another branch"]["tokens"])
    # Pull requests and branches reach only runner sets whose group is not restricted to main's workflows.
    assert {name for _, name in footholds["same-repo PR"]["runners"]} == {
        "dev-preview", "dev-cpu", "staging-cpu", "staging-gpu-l4", "prod-cpu", "prod-gpu-l4"}


def test_the_app_key_is_read_only_by_the_operator_and_dev_cluster_admins():
    model = platform()
    # Each stack's App secret is planned, and its key reaches exactly the runner namespaces of its clusters.
    assert sorted(model.app_secrets) == sorted(STACKS)
    assert model.stacks_with_app_key == set()
    assert model.app_key_namespaces["prod"] == {"arc-prod-deploy", "arc-prod-cpu", "arc-prod-gpu-l4"}
    search = Search(model)
    readers = {stack: sorted(role.name for role in model.roles.values() for asset, allowed, step in
                             search.role_assets(role)
                             if asset.startswith("app-key:") and allowed and (f"{stack}'s GitHub App key" in step
                                                                    or f"a {stack} cluster admin" in step))
               for stack in STACKS}
    # By IAM, only the stack's secret-sync operator role; by Kubernetes, the stack's cluster admin (its deploy role).
    expected = {stack: sorted([f"acme-ml-github-deploy-{stack}", f"{cluster}-github-app-role-[{stack}, generated]"])
                for stack, cluster in (("dev", "dev"), ("staging", "train"), ("prod", "train"))}
    assert readers == expected


def test_a_preview_that_could_read_an_app_secret_opens_the_same_repo_pr_cells():
    # Take the deny off the preview role and give it GetSecretValue: the matrix must find the path through it.
    model = copy.deepcopy(platform())
    preview = next(r for r in model.roles.values() if r.name == "acme-ml-github-preview")
    preview.policies = [{"Statement": [s for s in d["Statement"] if s.get("Sid") != "NeverAGithubAppKey"]}
                        for d in preview.policies if d is not None]
    preview.policies.append({"Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                                            "Resource": "*"}]})
    cell = matrix(model, WORKFLOWS)["same-repo PR"]["GitHub App key(s)"]
    assert cell.path is not None and cell.path[1] == "assume acme-ml-github-preview"
    assert cell.path[-1].startswith("acme-ml-github-preview secretsmanager:GetSecretValue arn:aws:secretsmanager:")
    assert cell.path[-1].endswith(":secret:acme-ml-prod-github-app-AbCdEf (prod's GitHub App key 1234569)")


def test_docs_print_this_matrix():
    text = (ROOT / "docs" / "security.md").read_text()
    assert render(cells()) in text, "docs/security.md is out of date: paste `python -m infra.security` output"
