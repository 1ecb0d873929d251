"""`mlinfra prices refresh`: rebuild the price snapshot's API-backed rows (infra/catalog/prices.json)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from infra.cli.files import write_file
from infra.cli.path_param import SafePath

# The snapshot is about 120 KB; anything near this is not a price snapshot (and /dev/zero never ends).
MAX_SNAPSHOT_BYTES = 16 * 1024 * 1024


@click.group()
def prices() -> None:
    """The price snapshot the cost estimate reads (infra/catalog/prices.json)."""


@prices.command()
@click.option("--snapshot", "path", type=SafePath(dir_okay=False, exists=True, path_type=Path), default=None,
              help="The snapshot file to rewrite (default: the package's infra/catalog/prices.json).")
@click.option("--check", is_flag=True,
              help="Change nothing: exit 1 when the APIs' prices differ from the file (for CI).")
def refresh(path: Path | None, check: bool) -> None:
    """Re-read every row that has a refresh recipe from its API, where credentials exist.

    AWS rows read the Price List Query API (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN);
    Google Cloud rows read the Cloud Billing Catalog API (MLINFRA_GCP_BILLING_API_KEY). Rows read by hand
    keep their source. Exit codes: 0 done (or, with --check, nothing moved), 1 an API answered with an
    error or something its recipe does not match (the file is left as it was), or --check found a change,
    2 no credentials for any API, a snapshot file that is not one (not a regular file, too large, not a
    snapshot's JSON), or a snapshot that cannot be written.
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
    snapshot = _read_snapshot(target)
    try:
        fresh, report = rebuild(snapshot, aws, gcp, datetime.now(UTC).date())
    except (PriceApiError, price_snapshot.SnapshotError) as exc:
        click.echo(f"Error: {exc}; {target} left as it was", err=True)
        raise SystemExit(1) from None
    for line in report.lines():
        click.echo(line)
    if check:
        raise SystemExit(1 if report.changed else 0)
    # Through the one writer: a temporary file renamed into place, so a full disk leaves the old snapshot.
    write_file(target, price_snapshot.dumps(fresh))
    click.echo(f"wrote {target}")


def _read_snapshot(path: Path):  # noqa: ANN202 - price_snapshot is imported late, like the command's imports
    """The snapshot at `path`, or exit 2 naming the file and why it is not one (never a hang on a FIFO)."""
    from infra.catalog import price_snapshot
    from infra.config.input_files import InputFileError, read_regular_file

    try:
        data = read_regular_file(path, MAX_SNAPSHOT_BYTES, "price snapshot")
        return price_snapshot.parse(json.loads(data.decode("utf-8")))
    except InputFileError as exc:
        raise click.UsageError(str(exc)) from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        cause = "it is not UTF-8" if isinstance(exc, UnicodeDecodeError) else (
            "its JSON nests too deeply" if isinstance(exc, RecursionError) else f"it is not JSON ({exc})")
        raise click.UsageError(f"cannot read {path} as a price snapshot: {cause}") from None
    except price_snapshot.SnapshotError as exc:
        raise click.UsageError(f"cannot read {path} as a price snapshot: {exc}") from None
