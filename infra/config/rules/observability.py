"""Observability rules: the alert webhook is a secret https URL; staging and prod alerts reach someone."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from infra.catalog.accelerators import Cloud
from infra.config.observability import WEBHOOK_SECRET_HINT, observability_enabled
from infra.config.stack import Environment, StackConfig

# Where an alert that reaches no one is a silent outage: shared environments people rely on.
DESTINATION_REQUIRED = (Environment.STAGING, Environment.PROD)

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
        elif url != _UNDECRYPTED:
            problem = _webhook_shape_problem(url)
            if problem:
                yield "observability.notify.webhook_url", f"{problem}; the value is not shown because it is a secret"
    yield from destination_problems(config)


def _webhook_shape_problem(url: str) -> str | None:
    """What makes an https URL one no HTTP client posts to (whitespace, control or non-ASCII characters, no host,
    a port outside 1-65535), said without echoing the URL (RFC 3986 section 2: a URI is ASCII; ports are 16-bit,
    RFC 6335 section 6)."""
    from urllib.parse import urlsplit

    bad = next((i for i, char in enumerate(url) if not "!" <= char <= "~"), None)
    if bad is not None:
        return (f"character {bad + 1} is a space, a control character or not ASCII; a URL has none (percent-encode "
                "it, or remove a pasted newline)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a URL: its host or port cannot be read"
    if not parts.hostname:
        return "names no host after https://"
    if port == 0:
        return "the port must be 1 to 65535"
    return None


def destination_problems(config: StackConfig) -> Iterator[tuple[str, str]]:
    """Staging and prod with observability on must name where alerts go, for every cloud they run on.

    EKS alerts leave the AMP alert manager through SNS, which delivers to email addresses and HTTPS
    endpoints; GKE alerts leave GMP's managed Alertmanager, which posts to the webhook itself and sends
    mail only through an SMTP relay (`gcp.alert_smtp`; it has none of its own: components/gcp/gmp_manifests.py).
    """
    if config.environment not in DESTINATION_REQUIRED or not observability_enabled(config):
        return
    notify = config.observability.notify
    clouds = {cluster.cloud for cluster in config.clusters.values()}
    hint = f"or a webhook (`{WEBHOOK_SECRET_HINT}`)"
    if Cloud.AWS in clouds and not (notify.emails or notify.webhook_url):
        yield ("observability.notify",
               f"{config.environment.value} alerts must reach someone: list `emails` (SNS mails them; each "
               f"address confirms once) {hint}")
    # Emails without a relay are refused by the GKE rules already (gcp.alert_smtp), so only "nothing" is here.
    if Cloud.GCP in clouds and not (notify.webhook_url or notify.emails):
        yield ("observability.notify",
               f"{config.environment.value} GKE alerts must reach someone: list `emails` (GMP's Alertmanager "
               f"sends them through an SMTP relay, `gcp.alert_smtp`) {hint}")


def observability_secret_problems(config: StackConfig, secret_keys: Collection[str]) -> Iterator[tuple[str, str]]:
    """The webhook URL given in plain text: it must arrive as a Pulumi secret (keys without `mlinfra:`)."""
    if config.observability.notify.webhook_url is not None and "observability" not in secret_keys:
        yield ("observability.notify.webhook_url",
               f"must be a Pulumi secret, never plain text in the stack file; set it with `{WEBHOOK_SECRET_HINT}`")
