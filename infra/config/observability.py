"""Config for observability (issue #20): managed Prometheus, alerts, where they go, and the in-cluster Grafana.

Hooked into the shared models with one field (`StackConfig.observability`, stack key
`mlinfra:observability`) so this area merges cleanly. Every threshold left unset takes the
environment's default from `ALERT_DEFAULTS`; `effective_alerts` fills them in. Cross-field rules
(the webhook URL being a Pulumi secret and an https URL) are in `infra.config.rules.observability`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Protocol

from pydantic import Field, SecretStr, StringConstraints

from infra.config.base import Model

WEBHOOK_SECRET_HINT = "pulumi config set --secret --path 'mlinfra:observability.notify.webhook_url' https://..."

# A deliberately plain address check (one @, a dotted domain, no spaces): SNS and Alertmanager take any
# address and a typo would only show as mail that never arrives.
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$", max_length=254)]

# Whether observability is on when `enabled` is not set: shared environments are watched, a dev stack
# and short-lived sandboxes pay for nothing they do not ask for.
ENABLED_BY_DEFAULT: dict[str, bool] = {"dev": False, "staging": True, "prod": True, "sandbox": False}


class AlertsConfig(Model):
    """Alert thresholds; an unset one takes the environment's default (see ALERT_DEFAULTS)."""

    # A GPU node with no GPU pod, or with utilisation under the percentage, for this long is idle.
    gpu_idle_minutes: int | None = Field(default=None, ge=5, le=1440)
    gpu_idle_utilisation_percent: int | None = Field(default=None, ge=1, le=100)
    gpu_pod_pending_minutes: int | None = Field(default=None, ge=1, le=1440)
    node_not_ready_minutes: int | None = Field(default=None, ge=1, le=1440)
    volume_claim_pending_minutes: int | None = Field(default=None, ge=1, le=1440)
    autoscaler_failing_minutes: int | None = Field(default=None, ge=1, le=1440)
    runner_saturated_minutes: int | None = Field(default=None, ge=1, le=1440)


# Shorter in prod, where a stuck node or queue costs users; longer in dev and sandboxes, where a person is
# usually watching and a page for a 10-minute blip is noise. Idle GPUs are the exception: a forgotten
# sandbox or dev GPU is the money the alert exists for, so those environments are told sooner.
ALERT_DEFAULTS: dict[str, AlertsConfig] = {
    "dev": AlertsConfig(gpu_idle_minutes=30, gpu_idle_utilisation_percent=5, gpu_pod_pending_minutes=30,
                        node_not_ready_minutes=15, volume_claim_pending_minutes=15,
                        autoscaler_failing_minutes=15, runner_saturated_minutes=30),
    "sandbox": AlertsConfig(gpu_idle_minutes=30, gpu_idle_utilisation_percent=5, gpu_pod_pending_minutes=30,
                            node_not_ready_minutes=15, volume_claim_pending_minutes=15,
                            autoscaler_failing_minutes=15, runner_saturated_minutes=30),
    "staging": AlertsConfig(gpu_idle_minutes=60, gpu_idle_utilisation_percent=5, gpu_pod_pending_minutes=20,
                            node_not_ready_minutes=10, volume_claim_pending_minutes=10,
                            autoscaler_failing_minutes=10, runner_saturated_minutes=20),
    "prod": AlertsConfig(gpu_idle_minutes=60, gpu_idle_utilisation_percent=5, gpu_pod_pending_minutes=10,
                         node_not_ready_minutes=5, volume_claim_pending_minutes=5,
                         autoscaler_failing_minutes=10, runner_saturated_minutes=15),
}


class NotifyConfig(Model):
    """Where alerts go: email addresses and/or one webhook (its URL held as a Pulumi secret)."""

    emails: list[Email] = Field(default_factory=list)
    # SecretStr keeps the URL (often a token-bearing chat hook) out of reprs; compose makes it a secret Output.
    webhook_url: SecretStr | None = None


class ObservabilityConfig(Model):
    """Metrics, alerts and dashboards for a stack's clusters."""

    # None: the environment's default (ENABLED_BY_DEFAULT).
    enabled: bool | None = None
    scrape_interval_seconds: int = Field(default=30, ge=10, le=300)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    notify: NotifyConfig = Field(default_factory=NotifyConfig)
    # The in-cluster Grafana with the platform dashboards (reached with kubectl port-forward).
    grafana: bool = True


class StackConfig(Protocol):
    """What these helpers read of `infra.config.stack.StackConfig` (which imports this module)."""

    environment: StrEnum
    observability: ObservabilityConfig


def observability_enabled(config: StackConfig) -> bool:
    """Whether the stack gets observability: its own `enabled`, else its environment's default."""
    own = config.observability.enabled
    return ENABLED_BY_DEFAULT[config.environment.value] if own is None else own


def scrape_interval(config: StackConfig) -> int | None:
    """The metrics scrape interval in seconds when observability is on, else None (nothing is scraped)."""
    return config.observability.scrape_interval_seconds if observability_enabled(config) else None


def effective_alerts(config: StackConfig) -> AlertsConfig:
    """The stack's thresholds with every unset one filled from its environment's defaults."""
    defaults = ALERT_DEFAULTS[config.environment.value]
    own = config.observability.alerts.model_dump(exclude_none=True)
    return defaults.model_copy(update=own)
