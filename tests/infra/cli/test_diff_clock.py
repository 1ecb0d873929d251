"""`mlinfra diff` over real plans of the sandbox template made at different (injected) instants.

Pinned to one instant, the plans do not differ at all; planned at two instants, the expiries that
only moved with the clock fold into one line; a real TTL change still shows, tag by tag.
"""

import json
import re
import shutil

import jsonschema
import pytest

from infra.offline.document import build_document
from infra.offline.engine import STACKS_DIR, run_stack
from infra.plan.cost import add_cost
from infra.plan.diff import load_diff_schema
from tests.helpers import mlinfra

NOON = 1795953600  # 2026-11-29T12:00:00Z
LATER = NOON + 3600 + 17
EIGHT_HOURS = 8 * 3600


def _plan(instant: int, stacks_dir=STACKS_DIR) -> dict:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLINFRA_PLAN_TIME", str(instant))
        document = build_document(run_stack("sandbox", stacks_dir))
    add_cost(document, None)
    return document


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    """The template at noon, at noon again, an hour later, and an hour later with a 9-hour TTL."""
    root = tmp_path_factory.mktemp("clock")
    longer = root / "stacks"
    shutil.copytree(STACKS_DIR, longer)
    template = longer / "Pulumi.sandbox.yaml"
    text = template.read_text()
    assert "    default_ttl_hours: 8\n" in text
    template.write_text(text.replace("    default_ttl_hours: 8\n", "    default_ttl_hours: 9\n"))
    documents = {"noon": _plan(NOON), "noon-again": _plan(NOON), "later": _plan(LATER),
                 "later-9h": _plan(LATER, longer), "noon-9h": _plan(NOON, longer)}
    paths = {}
    for name, document in documents.items():
        paths[name] = root / f"{name}.json"
        paths[name].write_text(json.dumps(document))
    return documents, paths


def _expiries(document: dict) -> list[str]:
    return re.findall(r'"expires-at": "(\d+)"', json.dumps(document))


def _diff(plans, base: str, head: str, fmt: str = "json"):
    result = mlinfra("diff", str(plans[1][base]), str(plans[1][head]), "--format", fmt)
    assert result.returncode == 0, result.stderr
    if fmt != "json":
        return result.stdout
    diff = json.loads(result.stdout)
    jsonschema.validate(diff, load_diff_schema())
    [stack] = diff["stacks"]
    return stack


def test_each_plan_records_its_clock_and_tags_every_resource_from_it(plans):
    documents = plans[0]
    assert documents["noon"]["planClock"] == {"time": NOON, "expiries": [NOON + EIGHT_HOURS]}
    assert documents["later-9h"]["planClock"] == {"time": LATER, "expiries": [LATER + 9 * 3600]}
    assert len(_expiries(documents["noon"])) >= 30
    assert set(_expiries(documents["noon"])) == {str(NOON + EIGHT_HOURS)}


def test_two_plans_at_one_pinned_instant_do_not_differ(plans):
    stack = _diff(plans, "noon", "noon-again")
    assert (stack["status"], stack["resources"], stack["clock"]) == ("unchanged", [], None)


def test_plans_at_two_instants_fold_the_moved_expiries_into_one_line(plans):
    stack = _diff(plans, "noon", "later")
    count = len(_expiries(plans[0]["noon"]))
    assert (stack["status"], stack["resources"]) == ("unchanged", [])
    assert stack["summary"] == {"add": 0, "change": 0, "replace": 0, "remove": 0}
    assert stack["clock"] == {"baseTime": NOON, "headTime": LATER, "ttlSeconds": [EIGHT_HOURS], "folded": count}
    markdown = _diff(plans, "noon", "later", "markdown")
    assert f"- sandbox: no changes, +$0.00/month; {count} expiry values moved only with the plan clock, TTL 8h " \
           "on both sides (base planned at 2026-11-29 12:00:00 UTC, head at 2026-11-29 13:00:17 UTC; set " \
           "MLINFRA_PLAN_TIME to plan both at one instant)" in markdown.splitlines()
    assert "expires-at" not in markdown
    table = _diff(plans, "noon", "later", "table")
    assert "moved only with the plan clock" in table and "expires-at" not in table


def test_without_a_recorded_clock_nothing_is_folded(plans, tmp_path):
    """Documents from before the plan clock: every moved expiry shows, as it always did."""
    bare = {}
    for name in ("noon", "later"):
        document = {k: v for k, v in plans[0][name].items() if k != "planClock"}
        bare[name] = tmp_path / f"{name}.json"
        bare[name].write_text(json.dumps(document))
    stack = _diff((None, bare), "noon", "later")
    changes = [c for r in stack["resources"] for c in r["changes"]]
    assert stack["clock"] is None
    assert len(changes) == len(_expiries(plans[0]["noon"]))
    assert {c["path"].rsplit(".", 1)[-1] for c in changes} == {"expires-at"}


@pytest.mark.parametrize("base, head", [("noon", "later-9h"), ("noon", "noon-9h")])
def test_a_ttl_change_still_shows_every_tag(plans, base, head):
    stack = _diff(plans, base, head)
    changes = [c for r in stack["resources"] for c in r["changes"]]
    after = plans[0][head]["planClock"]["expiries"][0]
    assert stack["status"] == "changed" and stack["clock"] is None
    assert len(changes) == len(_expiries(plans[0][base]))
    assert {(c["path"].rsplit(".", 1)[-1], c["before"], c["after"]) for c in changes} == {
        ("expires-at", str(NOON + EIGHT_HOURS), str(after))}
    text = _diff(plans, base, head, "markdown")
    assert f'expires-at: "{NOON + EIGHT_HOURS}" → "{after}"' in text
