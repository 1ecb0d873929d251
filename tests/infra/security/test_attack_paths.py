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
from infra.security.attack_paths import ASSETS, NO_PATH, actors, matrix, render
from infra.security.plan_model import READ_ONLY_ACCESS, Platform, add_stack, load_bootstrap
from tests.helpers import bootstrap_run, stack_run

ROOT = Path(__file__).resolve().parents[3]
WORKFLOWS = sorted(f".github/workflows/{f.name}" for f in (ROOT / ".github" / "workflows").glob("*.yml"))
STACKS = ("dev", "staging", "prod")

# One GitHub App, installed on the organisation with self-hosted runner administration, registers every
# environment's runners; its key sits in each stack's config (so in the secrets key of dev, which previews
# and dev deploys decrypt). Whoever holds it can register a runner in prod-deploy and take prod's deploy job.
APP_KEY = ("the organisation-wide GitHub App key is in dev's config, which previews and dev's deploy decrypt "
           "(docs/security.md: open findings)")
OPEN = {
    **{("same-repo PR", asset): APP_KEY for asset in ASSETS},
    **{("main push in dev", asset): APP_KEY for asset in ASSETS},
}


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
                                                       ("prod", ("deploy", "cpu", "gpu-l4"))) for k in keys)]:
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
    assert {f"job on {r.name}" for r in platform().runner_sets} <= names
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


def test_forks_get_no_token_and_branches_no_environment():
    footholds = actors(platform(), WORKFLOWS)
    assert footholds["fork PR"]["tokens"] == []
    assert footholds["push to another branch"]["tokens"] and not any(
        ":environment:" in t for t in footholds["push to another branch"]["tokens"])
    # Pull requests and branches reach only runner sets whose group is not restricted to main's workflows.
    assert {name for _, name in footholds["same-repo PR"]["runners"]} == {
        "dev-preview", "dev-cpu", "staging-cpu", "staging-gpu-l4", "prod-cpu", "prod-gpu-l4"}


def test_docs_print_this_matrix():
    text = (ROOT / "docs" / "security.md").read_text()
    assert render(cells()) in text, "docs/security.md is out of date: paste `python -m infra.security` output"
