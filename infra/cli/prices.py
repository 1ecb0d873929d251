"""`mlinfra prices refresh`: rebuild the price snapshot's API-backed rows (infra/catalog/prices.json)."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def prices() -> None:
    """The price snapshot the cost estimate reads (infra/catalog/prices.json)."""


@prices.command()
@click.option("--snapshot", "path", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="The snapshot file to rewrite (default: the package's infra/catalog/prices.json).")
@click.option("--check", is_flag=True,
              help="Change nothing: exit 1 when the APIs' prices differ from the file (for CI).")
def refresh(path: Path | None, check: bool) -> None:
    """Re-read every row that has a refresh recipe from its API, where credentials exist.

    AWS rows read the Price List Query API (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN);
    Google Cloud rows read the Cloud Billing Catalog API (MLINFRA_GCP_BILLING_API_KEY). Rows read by hand
    keep their source. Exit codes: 0 done (or, with --check, nothing moved), 1 an API answered with an
    error or something its recipe does not match (the file is left as it was), or --check found a change,
    2 no credentials for any API.
    """
    from datetime import UTC, datetime

    from infra.catalog import price_snapshot
    from infra.plan.price_apis import AwsPriceList, GcpBillingCatalog, PriceApiError
    from infra.plan.prices_refresh import refresh as rebuild

    target = path or price_snapshot.SNAPSHOT_PATH
    aws, gcp = AwsPriceList.from_env(), GcpBillingCatalog.from_env()
    if aws is None and gcp is None:
        raise click.UsageError("no price API credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                               "(AWS Price List) and/or MLINFRA_GCP_BILLING_API_KEY (Cloud Billing Catalog)")
    try:
        snapshot = price_snapshot.read(target)
        fresh, report = rebuild(snapshot, aws, gcp, datetime.now(UTC).date())
    except (PriceApiError, price_snapshot.SnapshotError) as exc:
        click.echo(f"Error: {exc}; {target} left as it was", err=True)
        raise SystemExit(1) from None
    for line in report.lines():
        click.echo(line)
    if check:
        raise SystemExit(1 if report.changed else 0)
    price_snapshot.write(fresh, target)
    click.echo(f"wrote {target}")
