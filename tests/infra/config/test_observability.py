"""Observability config: per-environment defaults, and one exact, path-named message per mistake."""

import dataclasses
import json

import pytest
import yaml

from infra.config.load import ConfigError, parse_stack_config
from infra.config.observability import (
    ALERT_DEFAULTS,
    ENABLED_BY_DEFAULT,
    effective_alerts,
    observability_enabled,
)
from infra.config.rules.observability import destination_problems
from infra.config.stack import Environment
from infra.offline.engine import REPO_ROOT, STACKS_DIR, ProgramError, run_stack_file
from infra.offline.stackfile import load_stack_file
from tests.helpers import mlinfra

BASE = {"environment": "staging", "tags": {"owner": "ml-platform", "cost-center": "cc-1"}}
SANDBOX_TEMPLATE = {key.removeprefix("mlinfra:"): value for key, value in yaml.safe_load(
    (REPO_ROOT / "stacks" / "Pulumi.sandbox.yaml").read_text())["config"].items() if key.startswith("mlinfra:")}
HOOK = "https://hooks.example.com/services/T000/B000/XXXX"


def config(environment="staging", secret_keys=("observability",), **observability):
    values = {**BASE, "environment": environment}
    if environment == "sandbox":  # a sandbox stack must carry its limits and cluster: take the template's
        values = {**SANDBOX_TEMPLATE, **values}
    if observability:
        values["observability"] = observability
    return parse_stack_config(values, "s", secret_keys)


def problems(secret_keys=("observability",), **observability) -> list[str]:
    with pytest.raises(ConfigError) as err:
        config(secret_keys=secret_keys, **observability)
    return [f"{path}: {message}" for path, message in err.value.problems]


@pytest.mark.parametrize(("environment", "on"), [("dev", False), ("sandbox", False), ("staging", True),
                                                 ("prod", True)])
def test_on_by_default_in_staging_and_prod_only(environment, on):
    assert observability_enabled(config(environment)) is on
    assert observability_enabled(config(environment, enabled=not on)) is (not on)


def test_every_environment_has_defaults_for_every_threshold():
    assert set(ENABLED_BY_DEFAULT) == set(ALERT_DEFAULTS) == {e.value for e in Environment}
    for defaults in ALERT_DEFAULTS.values():
        assert None not in defaults.model_dump().values()


def test_unset_thresholds_take_the_environment_default_and_set_ones_win():
    prod = effective_alerts(config("prod", alerts={"gpu_idle_minutes": 90}))
    assert prod.gpu_idle_minutes == 90
    assert prod.node_not_ready_minutes == ALERT_DEFAULTS["prod"].node_not_ready_minutes == 5
    assert effective_alerts(config("dev")).gpu_pod_pending_minutes == 30
    parsed = config()
    assert parsed.observability.scrape_interval_seconds == 30 and parsed.observability.grafana is True


def test_unknown_keys_are_refused_with_their_path_and_the_allowed_ones():
    assert problems(alerts={"gpu_idle_minute": 5}) == [
        "observability.alerts.gpu_idle_minute: unknown key; did you mean 'gpu_idle_minutes'? allowed keys: "
        "gpu_idle_minutes, gpu_idle_utilisation_percent, gpu_pod_pending_minutes, node_not_ready_minutes, "
        "volume_claim_pending_minutes, autoscaler_failing_minutes, runner_saturated_minutes"]
    assert problems(dashboards=True) == [
        "observability.dashboards: unknown key; allowed keys: enabled, scrape_interval_seconds, alerts, notify, "
        "grafana"]


def test_emails_and_thresholds_are_checked():
    assert problems(notify={"emails": ["oncall@example.com", "not-an-address"]}) == [
        "observability.notify.emails.1: not a valid value; string should match pattern "
        "'^[^@\\s]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$'"]
    assert problems(alerts={"gpu_idle_utilisation_percent": 0}) == [
        "observability.alerts.gpu_idle_utilisation_percent: must be greater than or equal to 1"]
    assert problems(scrape_interval_seconds=5) == [
        "observability.scrape_interval_seconds: must be greater than or equal to 10"]


def test_the_webhook_url_must_be_a_secret_and_https_and_is_never_echoed():
    plain = problems(secret_keys=(), notify={"webhook_url": HOOK})
    assert plain == ["observability.notify.webhook_url: must be a Pulumi secret, never plain text in the stack "
                     "file; set it with `pulumi config set --secret --path "
                     "'mlinfra:observability.notify.webhook_url' https://...`"]
    http = problems(notify={"webhook_url": "http://hooks.example.com/T000"})
    assert http == ["observability.notify.webhook_url: must be an https:// URL (Alertmanager and SNS post alerts "
                    "to it); the value is not shown because it is a secret"]
    assert "T000" not in repr(http)
    secret = config(notify={"webhook_url": HOOK}).observability.notify.webhook_url
    assert secret.get_secret_value() == HOOK and HOOK not in repr(secret)
    # Offline, an undecryptable `secure:` value reads as the placeholder; it is accepted.
    assert config(notify={"webhook_url": "[secret]"}).observability.notify.webhook_url is not None


@pytest.mark.parametrize("url, expected", [
    ("https://hooks.example.com/T000\n", "character 31 is a space, a control character or not ASCII; a URL has none "
                                          "(percent-encode it, or remove a pasted newline)"),
    ("https://hooks.example.com/T 000", "character 28 is a space, a control character or not ASCII; a URL has none "
                                        "(percent-encode it, or remove a pasted newline)"),
    ("https://hooks.exаmple.com/T000", "character 17 is a space, a control character or not ASCII; a URL has none "
                                       "(percent-encode it, or remove a pasted newline)"),  # a Cyrillic а
    ("https:///T000", "names no host after https://"),
    ("https://hooks.example.com:99999/T000", "is not a URL: its host or port cannot be read"),
    ("https://hooks.example.com:0/T000", "the port must be 1 to 65535"),
])
def test_a_webhook_url_no_client_can_post_to_is_refused_without_echoing_it(url, expected):
    found = problems(notify={"webhook_url": url})
    assert found == [f"observability.notify.webhook_url: {expected}; the value is not shown because it is a secret"]
    assert "T000" not in repr(found) and "T 000" not in repr(found)


def test_a_plain_webhook_url_in_a_stack_file_exits_2_without_printing_it(tmp_path):
    stack = {f"mlinfra:{k}": v for k, v in BASE.items()}
    stack["mlinfra:observability"] = {"notify": {"webhook_url": HOOK, "emails": ["oncall"]}}
    (tmp_path / "Pulumi.obs.yaml").write_text(yaml.safe_dump({"config": stack}, sort_keys=False))
    result = mlinfra("plan", "obs", "--stacks-dir", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert ("  - observability.notify.emails.0: not a valid value; string should match pattern "
            "'^[^@\\s]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$'") in result.stderr
    assert "Traceback" not in result.stderr and "T000" not in result.stderr + result.stdout
    stack["mlinfra:observability"]["notify"]["emails"] = ["oncall@example.com"]
    (tmp_path / "Pulumi.obs.yaml").write_text(yaml.safe_dump({"config": stack}, sort_keys=False))
    result = mlinfra("plan", "obs", "--stacks-dir", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert "  - observability.notify.webhook_url: must be a Pulumi secret" in result.stderr
    assert "T000" not in result.stderr + result.stdout


def _stack_without(stack: str, notify: dict):
    """The stack file `stack` with its `observability.notify` replaced: the offline run's config problems."""
    loaded = load_stack_file(STACKS_DIR, stack)
    observability = {"notify": notify}
    changed = dataclasses.replace(loaded, config={**loaded.config, "mlinfra:observability": json.dumps(observability)})
    with pytest.raises(ProgramError) as err:
        run_stack_file(changed)
    return str(err.value)


def test_staging_alerts_must_reach_someone():
    message = _stack_without("staging", {})
    assert ("observability.notify: staging alerts must reach someone: list `emails` (SNS mails them; each address "
            "confirms once) or a webhook (`pulumi config set --secret --path 'mlinfra:observability.notify."
            "webhook_url' https://...`)") in message


def test_prod_gke_alerts_need_a_destination_too():
    message = _stack_without("prod", {})
    assert "observability.notify: prod alerts must reach someone" in message
    assert ("observability.notify: prod GKE alerts must reach someone: list `emails` (GMP's Alertmanager sends "
            "them through an SMTP relay, `gcp.alert_smtp`) or a webhook") in message
    # An email address reaches the EKS cluster's alerts (SNS); for the GKE cluster's, the relay is required.
    mail = _stack_without("prod", {"emails": ["oncall@acme-ml.example.com"]})
    assert "must reach someone" not in mail and "gcp.alert_smtp: required to mail" in mail


def test_dev_may_leave_alerts_unrouted():
    assert list(destination_problems(config("dev", enabled=True))) == []
