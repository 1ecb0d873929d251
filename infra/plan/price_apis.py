"""Plain-HTTPS clients for the two price APIs `mlinfra prices refresh` reads, and their answers parsed.

- AWS Price List Query API, `GetProducts` (POST, JSON 1.1, `X-Amz-Target: AWSPriceListService.GetProducts`,
  SigV4-signed for service `pricing` in us-east-1). Its answer is `{"FormatVersion": "aws_v1",
  "NextToken": ..., "PriceList": ["<JSON of one product>", ...]}`; each product has `product.attributes`,
  `publicationDate` and `terms.OnDemand.<sku.offerTermCode>.priceDimensions.<rateCode>.pricePerUnit.USD`
  (the AWS CLI's `pricing get-products` example, aws/aws-cli:awscli/examples/pricing/get-products.rst, and
  the term definitions of docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/
  reading-service-price-list-file-for-services.html, read 2026-12-07). Endpoint:
  https://api.pricing.us-east-1.amazonaws.com (the SDKs' service endpoint, docs.rs aws-sdk-pricing).
- Cloud Billing Catalog API: `GET /v1/services` and `GET /v1/services/{id}/skus` with an API key; answers
  `{"services": [...], "nextPageToken"}` and `{"skus": [{"description", "serviceRegions", "pricingInfo":
  [{"effectiveTime", "pricingExpression": {"usageUnit", "tieredRates": [{"startUsageAmount",
  "unitPrice": {"currencyCode", "units", "nanos"}}]}}]}], "nextPageToken"}`; pages end when no token comes
  back (cloud.google.com/billing/v1/how-tos/catalog-api, read 2026-12-07).

Credentials come from the environment only; nothing here is called by a plan. Tests point both clients at
a loopback server with MLINFRA_AWS_PRICING_ENDPOINT / MLINFRA_GCP_BILLING_ENDPOINT.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

AWS_ENDPOINT = "https://api.pricing.us-east-1.amazonaws.com/"
GCP_ENDPOINT = "https://cloudbilling.googleapis.com"
TIMEOUT_SECONDS = 60


class PriceApiError(RuntimeError):
    """A price API answered with an error or with something not shaped as documented."""


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sigv4_authorization(method: str, url: str, headers: dict[str, str], body: bytes, access_key: str,
                        secret_key: str, region: str, service: str, amz_date: str) -> str:
    """The SigV4 `Authorization` header of one request (docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_sigv-create-signed-request.html: canonical request, string to sign, derived signing key).

    `headers` are the headers to sign (host and x-amz-date at least), as sent.
    """
    parsed = urllib.parse.urlsplit(url)
    query = "&".join(f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
                     for k, v in sorted(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)))
    signed = {k.lower(): " ".join(v.split()) for k, v in headers.items()}
    names = ";".join(sorted(signed))
    canonical = "\n".join([method, urllib.parse.quote(parsed.path or "/", safe="/-_.~"), query,
                           "".join(f"{k}:{signed[k]}\n" for k in sorted(signed)), names,
                           hashlib.sha256(body).hexdigest()])
    day = amz_date[:8]
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), day), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={names}, Signature={signature}"


def _send(request: urllib.request.Request, what: str) -> Any:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 (https or loopback)
            return json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode(errors="replace")
        raise PriceApiError(f"{what}: HTTP {exc.code}: {detail}") from None
    except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as exc:
        raise PriceApiError(f"{what}: {exc}") from None


@dataclass(frozen=True)
class AwsPriceList:
    """GetProducts over HTTPS with SigV4; credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY."""

    access_key: str
    secret_key: str
    session_token: str | None = None
    endpoint: str = AWS_ENDPOINT

    @classmethod
    def from_env(cls) -> AwsPriceList | None:
        """A client when the environment holds AWS credentials (as a CI role session sets them), else None."""
        key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
        if not key or not secret:
            return None
        return cls(key, secret, os.environ.get("AWS_SESSION_TOKEN") or None,
                   os.environ.get("MLINFRA_AWS_PRICING_ENDPOINT", AWS_ENDPOINT))

    def get_products(self, service_code: str, filters: dict[str, str]) -> list[dict[str, Any]]:
        """Every product matching all `filters` (TERM_MATCH), each parsed from its PriceList string."""
        products: list[dict[str, Any]] = []
        token = None
        while True:
            payload: dict[str, Any] = {"ServiceCode": service_code, "FormatVersion": "aws_v1", "MaxResults": 100,
                                       "Filters": [{"Type": "TERM_MATCH", "Field": k, "Value": v}
                                                   for k, v in filters.items()]}
            if token:
                payload["NextToken"] = token
            answer = self._call(json.dumps(payload).encode())
            if not isinstance(answer, dict) or not isinstance(answer.get("PriceList"), list):
                raise PriceApiError(f"GetProducts {filters}: no PriceList in the answer")
            products += [json.loads(item) for item in answer["PriceList"]]
            token = answer.get("NextToken")
            if not token:
                return products

    def _call(self, body: bytes) -> Any:
        host = urllib.parse.urlsplit(self.endpoint).netloc
        amz_date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        headers = {"Content-Type": "application/x-amz-json-1.1", "Host": host, "X-Amz-Date": amz_date,
                   "X-Amz-Target": "AWSPriceListService.GetProducts"}
        if self.session_token:
            headers["X-Amz-Security-Token"] = self.session_token
        headers["Authorization"] = sigv4_authorization("POST", self.endpoint, headers, body, self.access_key,
                                                       self.secret_key, "us-east-1", "pricing", amz_date)
        return _send(urllib.request.Request(self.endpoint, data=body, headers=headers, method="POST"), "GetProducts")


def aws_on_demand_hourly(product: dict[str, Any]) -> tuple[float, str]:
    """The on-demand USD price per hour of one GetProducts product, and its publication date."""
    terms = ((product.get("terms") or {}).get("OnDemand") or {})
    prices = {float(dim["pricePerUnit"]["USD"]) for term in terms.values()
              for dim in (term.get("priceDimensions") or {}).values()
              if dim.get("unit") == "Hrs" and "USD" in (dim.get("pricePerUnit") or {})}
    if len(prices) != 1:
        sku = (product.get("product") or {}).get("sku")
        raise PriceApiError(f"product {sku}: expected one hourly on-demand USD price, found {sorted(prices)}")
    return prices.pop(), str(product.get("publicationDate", ""))[:10]


@dataclass(frozen=True)
class GcpBillingCatalog:
    """The public Cloud Billing Catalog over HTTPS; API key from MLINFRA_GCP_BILLING_API_KEY."""

    api_key: str
    endpoint: str = GCP_ENDPOINT

    @classmethod
    def from_env(cls) -> GcpBillingCatalog | None:
        """A client when the environment holds an API key, else None."""
        key = os.environ.get("MLINFRA_GCP_BILLING_API_KEY")
        if not key:
            return None
        return cls(key, os.environ.get("MLINFRA_GCP_BILLING_ENDPOINT", GCP_ENDPOINT))

    def service_name(self, display_name: str) -> str:
        """`services/<id>` of the service called `display_name` (e.g. "Compute Engine")."""
        for service in self._pages("/v1/services", "services"):
            if service.get("displayName") == display_name:
                return str(service["name"])
        raise PriceApiError(f"no Cloud Billing service named {display_name!r}")

    def skus(self, service: str) -> list[dict[str, Any]]:
        """Every public SKU of `service` (`services/<id>`), priced in USD."""
        return self._pages(f"/v1/{service}/skus", "skus", currencyCode="USD")

    def _pages(self, path: str, field: str, **params: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        token = None
        while True:
            query = {**params, "key": self.api_key, **({"pageToken": token} if token else {})}
            url = f"{self.endpoint.rstrip('/')}{path}?{urllib.parse.urlencode(query)}"
            answer = _send(urllib.request.Request(url, method="GET"), f"GET {path}")
            if not isinstance(answer, dict) or not isinstance(answer.get(field, []), list):
                raise PriceApiError(f"GET {path}: no {field} list in the answer")
            found += answer.get(field, [])
            token = answer.get("nextPageToken")
            if not token:
                return found


def gcp_unit_price(sku: dict[str, Any], usage_unit: str) -> tuple[float, str]:
    """USD per `usage_unit` of a SKU's latest pricing (first tier), and its effective date.

    Refuses a SKU billed in another unit: a changed unit must be read by a person, not multiplied blindly.
    """
    infos = sku.get("pricingInfo") or []
    if not infos:
        raise PriceApiError(f"SKU {sku.get('skuId')}: no pricingInfo")
    info = max(infos, key=lambda i: str(i.get("effectiveTime", "")))
    expression = info.get("pricingExpression") or {}
    if expression.get("usageUnit") != usage_unit:
        raise PriceApiError(f"SKU {sku.get('skuId')} ({sku.get('description')}): billed per "
                            f"{expression.get('usageUnit')!r}, the recipe expects {usage_unit!r}")
    rates = sorted(expression.get("tieredRates") or [], key=lambda r: float(r.get("startUsageAmount", 0)))
    if not rates:
        raise PriceApiError(f"SKU {sku.get('skuId')}: no tieredRates")
    price = rates[0]["unitPrice"]
    if price.get("currencyCode", "USD") != "USD":
        raise PriceApiError(f"SKU {sku.get('skuId')}: priced in {price.get('currencyCode')}, not USD")
    usd = int(price.get("units") or 0) + int(price.get("nanos") or 0) / 1e9
    return usd, str(info.get("effectiveTime", ""))[:10]
