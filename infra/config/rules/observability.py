"""Observability rules: the alert webhook URL is a Pulumi secret and an https URL."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from infra.config.observability import WEBHOOK_SECRET_HINT
from infra.config.stack import StackConfig

# What the offline engine reads for a `secure:` value it cannot decrypt (infra.offline.stackfile, which
# config may not import): its shape is unknowable there, so only a real deployment checks it.
_UNDECRYPTED = "[secret]"


def observability_problems(config: StackConfig) -> Iterator[tuple[str, str]]:
    """Problems with the observability section that pydantic's shapes cannot see, with their paths."""
    webhook = config.observability.notify.webhook_url
    if webhook is not None:
        url = webhook.get_secret_value()
        # The URL is never echoed: it usually carries a token.
        if url != _UNDECRYPTED and not (url.startswith("https://") and len(url) > len("https://")):
            yield ("observability.notify.webhook_url",
                   "must be an https:// URL (Alertmanager and SNS post alerts to it); the value is not shown "
                   "because it is a secret")


def observability_secret_problems(config: StackConfig, secret_keys: Collection[str]) -> Iterator[tuple[str, str]]:
    """The webhook URL given in plain text: it must arrive as a Pulumi secret (keys without `mlinfra:`)."""
    if config.observability.notify.webhook_url is not None and "observability" not in secret_keys:
        yield ("observability.notify.webhook_url",
               f"must be a Pulumi secret, never plain text in the stack file; set it with `{WEBHOOK_SECRET_HINT}`")
