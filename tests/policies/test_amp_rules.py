"""The AMP workspace-key rule through the real pack process: a scraped workspace keeps the AWS owned key, an
unscraped one has a customer-managed key, and a scraper writes to its own account without roleConfiguration.
Each case breaks one field of the shape AmpWorkspace and AmpScraper record (tests/components/aws/test_amp.py)."""

from __future__ import annotations

import pytest

from tests.policies.conftest import TAGS, UNKNOWN, triples
from tests.policies.test_contract_rules import res

M = "mandatory"
RULE = "amp-workspace-key"
SOURCE = {"eks": {"clusterArn": UNKNOWN, "subnetIds": [UNKNOWN, UNKNOWN], "securityGroupIds": [UNKNOWN]}}


def stack(*, workspace_key=False, scraper=True, role_configuration=False, linked=True):
    """The stack's workspace and, when `scraper`, one cluster's managed scraper writing to it."""
    props = {"alias": "dev-metrics", "tags": TAGS}
    if workspace_key:
        props["kmsKeyArn"] = UNKNOWN
    workspace = res("aws:amp/workspace:Workspace", "metrics-workspace", props)
    if not scraper:
        return [workspace]
    scraper_props = {"alias": "dev-train-metrics", "source": SOURCE, "destination": {"amp": {"workspaceArn": UNKNOWN}},
                     "scrapeConfiguration": "scrape_configs: []\n", "tags": TAGS}
    if role_configuration:
        scraper_props["roleConfiguration"] = {"sourceRoleArn": UNKNOWN, "targetRoleArn": UNKNOWN}
    return [workspace, res("aws:amp/scraper:Scraper", "train-metrics-scraper", scraper_props,
                           deps=[workspace.urn] if linked else [],
                           prop_deps={"destination": [workspace.urn]} if linked else {})]


CASES = [
    ("scraped workspace with the AWS owned key", stack(), []),
    ("unscraped workspace with a customer-managed key", stack(workspace_key=True, scraper=False), []),
    ("scraped workspace with a customer-managed key", stack(workspace_key=True),
     [(RULE, M, "AMP workspace 'metrics-workspace' is encrypted with a customer-managed KMS key (kmsKeyArn) but the "
       "AWS managed scrapers train-metrics-scraper write to it, which AWS does not support for such workspaces; "
       "leave kmsKeyArn out (AWS owned key)")]),
    ("unscraped workspace without a key", stack(scraper=False),
     [(RULE, M, "AMP workspace 'metrics-workspace' is not encrypted with a customer-managed KMS key (kmsKeyArn) and "
       "no AWS managed scraper writes to it")]),
    ("scraper writing to this stack's workspace through roleConfiguration", stack(role_configuration=True),
     [(RULE, M, "AMP scraper 'train-metrics-scraper' writes to a workspace of this stack through "
       "roleConfiguration, which AWS documents for cross-account writes only; leave it out (the scraper's "
       "service-linked role writes in its own account)")]),
    # A scraper whose destination is not this stack's workspace leaves it unscraped: it needs its own key.
    ("scraper writing elsewhere", stack(linked=False),
     [(RULE, M, "AMP workspace 'metrics-workspace' is not encrypted with a customer-managed KMS key (kmsKeyArn) and "
       "no AWS managed scraper writes to it")]),
]


@pytest.mark.parametrize("resources, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_amp_workspace_key(pack, resources, expected):
    findings = [*pack.analyze_stack(resources), *(f for r in resources for f in pack.analyze(r))]
    assert sorted(t for t in triples(findings) if t[0] == RULE) == sorted(expected)


@pytest.mark.parametrize("env", ["dev", "sandbox", "staging", "prod"])
def test_the_rule_is_mandatory_in_every_environment(pack, env):
    from infra.offline.policy_check import PACK_DIR
    from infra.offline.policy_config import load_policy_config, reconcile

    config = reconcile(pack.info, load_policy_config(PACK_DIR / "config" / f"{env}.json"))
    assert config[RULE].enforcementLevel == 1
