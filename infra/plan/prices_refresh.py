"""Rebuild the price snapshot's API-backed rows from the providers' price APIs (`mlinfra prices refresh`).

A row with a `refresh` recipe is re-read from its API; every other row (read by hand, with its source) is
kept as it is. An API that has no credentials here is skipped and said so; an answer that does not match
its recipe (no product, two prices, another unit) fails the whole refresh, so nothing half-updated is
written. Recipes:

- `{"api": "aws-pricelist", "instanceType": "p5.48xlarge"}`: EC2 on-demand, Linux, shared tenancy, no
  pre-installed software, capacitystatus Used, in the row's region (`regionCode`).
- `{"api": "gcp-billing-catalog", "service": "Compute Engine", "parts": [{"description": "...",
  "usageUnit": "h", "quantity": 4}, ...]}`: the sum of each part's SKU price (the SKU whose description
  matches exactly and whose serviceRegions include the row's region) times its quantity.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from infra.catalog.price_snapshot import PriceRow, Snapshot
from infra.plan.price_apis import AwsPriceList, GcpBillingCatalog, PriceApiError, aws_on_demand_hourly, gcp_unit_price

AWS_SOURCE = "AWS Price List Query API, GetProducts AmazonEC2"
GCP_SOURCE = "Cloud Billing Catalog API"
# The product attributes that single out one EC2 on-demand Linux price (the attribute names of the AWS CLI's
# get-products example and of the price list files' product definitions).
EC2_FILTERS = {"operatingSystem": "Linux", "tenancy": "Shared", "preInstalledSw": "NA", "capacitystatus": "Used"}


@dataclass
class RefreshReport:
    """What a refresh changed, kept and skipped, in words for the command's output."""

    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line per change and per skipped API, then the counts."""
        return [*self.changed, *self.skipped,
                f"{len(self.changed)} price(s) changed, {self.unchanged} unchanged, {len(self.skipped)} API(s) skipped"]


def refresh(snapshot: Snapshot, aws: AwsPriceList | None, gcp: GcpBillingCatalog | None,
            today: date) -> tuple[Snapshot, RefreshReport]:
    """The snapshot with every recipe row re-read from its API; raises PriceApiError on any mismatch."""
    report = RefreshReport()
    recipes = {"aws-pricelist": aws, "gcp-billing-catalog": gcp}
    for api, client in recipes.items():
        wanted = sum(1 for r in snapshot.rows if (r.refresh or {}).get("api") == api)
        if client is None and wanted:
            needs = ("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" if api == "aws-pricelist"
                     else "MLINFRA_GCP_BILLING_API_KEY")
            report.skipped.append(f"skipped {api}: {wanted} row(s) kept as they are (no credentials: set {needs})")
    gcp_skus: dict[str, list[dict[str, Any]]] = {}
    rows = []
    for row in snapshot.rows:
        recipe = row.refresh or {}
        client = recipes.get(recipe.get("api", ""))
        if client is None:
            rows.append(row)
            continue
        if isinstance(client, AwsPriceList):
            usd, as_of, source = _aws_price(client, row, recipe)
        else:
            usd, as_of, source = _gcp_price(client, row, recipe, gcp_skus)
        new = dataclasses.replace(row, usd=round(usd, 8), as_of=as_of or today.isoformat(), source=source,
                                  basis="list", reason=None)
        if (new.usd, new.as_of) == (row.usd, row.as_of) and new.source == row.source:
            report.unchanged += 1
        else:
            report.changed.append(f"{row.family} {row.region} {row.capacity}: {row.usd} -> {new.usd} USD/{row.unit} "
                                  f"(as of {new.as_of})")
        rows.append(new)
    return Snapshot(tuple(rows)), report


def _aws_price(client: AwsPriceList, row: PriceRow, recipe: dict[str, Any]) -> tuple[float, str, str]:
    instance = recipe.get("instanceType")
    if not instance or row.region == "*":
        raise PriceApiError(f"{row.family} {row.region}: an aws-pricelist recipe needs instanceType and a region")
    filters = {"instanceType": instance, "regionCode": row.region, **EC2_FILTERS}
    products = client.get_products("AmazonEC2", filters)
    if not products:
        raise PriceApiError(f"{row.family} {row.region}: GetProducts found no product for {filters}")
    prices = {aws_on_demand_hourly(p) for p in products}
    if len({usd for usd, _ in prices}) != 1:
        raise PriceApiError(f"{row.family} {row.region}: GetProducts found different prices {sorted(prices)}")
    usd, published = max(prices, key=lambda p: p[1])
    source = (f"{AWS_SOURCE} (instanceType={instance}, regionCode={row.region}, Linux, Shared, "
              f"capacitystatus Used; publicationDate {published})")
    return usd, published, source


def _gcp_price(client: GcpBillingCatalog, row: PriceRow, recipe: dict[str, Any],
               cache: dict[str, list[dict[str, Any]]]) -> tuple[float, str, str]:
    service = recipe.get("service")
    parts = recipe.get("parts") or []
    if not service or not parts:
        raise PriceApiError(f"{row.family} {row.region}: a gcp-billing-catalog recipe needs service and parts")
    if service not in cache:
        cache[service] = client.skus(client.service_name(service))
    total, dates, named = 0.0, [], []
    for part in parts:
        matches = [s for s in cache[service] if s.get("description") == part["description"]
                   and row.region in (s.get("serviceRegions") or [])]
        if len(matches) != 1:
            raise PriceApiError(f"{row.family} {row.region}: {len(matches)} SKUs named {part['description']!r} "
                                f"serve {row.region} (expected exactly one)")
        usd, effective = gcp_unit_price(matches[0], part["usageUnit"])
        total += usd * float(part["quantity"])
        dates.append(effective)
        named.append(f"{part['quantity']} x {matches[0].get('skuId')} {part['description']}")
    as_of = max(dates)
    return total, as_of, f"{GCP_SOURCE}, {service}: {'; '.join(named)} (effective {as_of})"
