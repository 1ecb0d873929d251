"""`mlinfra prices refresh` over a loopback server answering with recorded responses shaped as the AWS Price
List Query API and the Cloud Billing Catalog API document them. Nothing here reaches a real API."""

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from infra.catalog import price_snapshot
from infra.plan.price_apis import sigv4_authorization
from tests.helpers import mlinfra

FIXTURES = Path(__file__).parent / "fixtures" / "prices"
AWS_PAGES = json.loads((FIXTURES / "aws_get_products.json").read_text())
GCP = json.loads((FIXTURES / "gcp_billing_catalog.json").read_text())
ROWS = [("aws:ec2:p5.48xlarge", "us-west-2"), ("aws:ec2:g6.xlarge", "us-east-1"),
        ("gcp:compute:g2-standard-4", "us-central1"), ("aws:ec2/natGateway:NatGateway", "us-east-1")]


class _Recorded(BaseHTTPRequestHandler):
    """Answers each request from the fixtures and records it, so the test sees exactly what was sent."""

    requests: list = []
    aws_pages: dict = {}

    def log_message(self, *args):  # quiet
        pass

    def _answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append(("POST", self.path, dict(self.headers), body))
        filters = {f["Field"]: f["Value"] for f in body["Filters"]}
        pages = self.aws_pages[f"{filters['instanceType']} {filters['regionCode']}"]
        index = 0 if "NextToken" not in body else 1
        self._answer(pages[index])

    def do_GET(self):  # noqa: N802
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        self.requests.append(("GET", url.path, dict(self.headers), query))
        pages = GCP["services"] if url.path == "/v1/services" else GCP["skus"]
        self._answer(pages[1 if "pageToken" in query else 0])


@pytest.fixture
def server():
    _Recorded.requests = []
    _Recorded.aws_pages = AWS_PAGES
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorded)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Recorded
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def small_snapshot(tmp_path):
    snapshot = price_snapshot.load()
    rows = tuple(snapshot.find(family, region) for family, region in ROWS)
    path = tmp_path / "prices.json"
    price_snapshot.write(price_snapshot.Snapshot(rows), path)
    return path


def _env(url, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MLINFRA_GCP"))}
    return {**env, "AWS_ACCESS_KEY_ID": "AKIDTESTONLY", "AWS_SECRET_ACCESS_KEY": "test-secret",
            "AWS_SESSION_TOKEN": "test-session", "MLINFRA_AWS_PRICING_ENDPOINT": f"{url}/",
            "MLINFRA_GCP_BILLING_API_KEY": "test-key", "MLINFRA_GCP_BILLING_ENDPOINT": url, **extra}


def test_refresh_rewrites_the_api_rows_from_the_recorded_answers_and_keeps_the_rest(server, small_snapshot):
    url, recorded = server
    before = price_snapshot.read(small_snapshot)
    result = mlinfra("prices", "refresh", "--snapshot", str(small_snapshot), env=_env(url))
    assert result.returncode == 0, result.stderr
    after = price_snapshot.read(small_snapshot)
    p5 = after.find("aws:ec2:p5.48xlarge", "us-west-2")
    assert (p5.usd, p5.as_of, p5.basis, p5.reason) == (51.2345, "2026-12-01", "list", None)
    assert p5.source == ("AWS Price List Query API, GetProducts AmazonEC2 (instanceType=p5.48xlarge, "
                         "regionCode=us-west-2, Linux, Shared, capacitystatus Used; publicationDate 2026-12-01)")
    g2 = after.find("gcp:compute:g2-standard-4", "us-central1")
    # 4 cores x 0.025 + 16 GiB x 0.003 + 1 L4 x 0.56, the SKUs serving us-central1 (the spot core SKU is not
    # matched: its description differs), effective at the newest part's date.
    assert g2.usd == pytest.approx(4 * 0.025 + 16 * 0.003 + 0.56) and g2.as_of == "2026-11-25"
    assert "TEST-0000-L4G0 Nvidia L4 GPU running in Americas" in g2.source
    # A row read by hand keeps its source and figure.
    nat = ("aws:ec2/natGateway:NatGateway", "us-east-1")
    assert after.find(*nat) == before.find(*nat)
    assert result.stdout.splitlines()[-2:] == ["3 price(s) changed, 0 unchanged, 0 API(s) skipped",
                                               f"wrote {small_snapshot}"]
    assert "aws:ec2:p5.48xlarge us-west-2 on-demand: 55.04 -> 51.2345 USD/hour (as of 2026-12-01)" in result.stdout


def test_refresh_sends_signed_getproducts_requests_and_follows_every_page(server, small_snapshot):
    url, recorded = server
    assert mlinfra("prices", "refresh", "--snapshot", str(small_snapshot), env=_env(url)).returncode == 0
    posts = [r for r in recorded.requests if r[0] == "POST"]
    wanted = {"Type": "TERM_MATCH", "Field": "instanceType", "Value": "p5.48xlarge"}
    p5 = [r for r in posts if wanted in r[3]["Filters"]]
    assert len(p5) == 2 and p5[1][3]["NextToken"] == "page-2-token"  # the empty first page is not the answer
    method, path, headers, body = p5[0]
    assert headers["X-Amz-Target"] == "AWSPriceListService.GetProducts"
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert headers["X-Amz-Security-Token"] == "test-session"
    assert headers["Authorization"].startswith(
        f"AWS4-HMAC-SHA256 Credential=AKIDTESTONLY/{headers['X-Amz-Date'][:8]}/us-east-1/pricing/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=")
    assert {f["Field"]: f["Value"] for f in body["Filters"]} == {
        "instanceType": "p5.48xlarge", "regionCode": "us-west-2", "operatingSystem": "Linux", "tenancy": "Shared",
        "preInstalledSw": "NA", "capacitystatus": "Used"}
    assert (body["ServiceCode"], body["FormatVersion"]) == ("AmazonEC2", "aws_v1")
    gets = [(r[1], r[3]) for r in recorded.requests if r[0] == "GET"]
    assert [path for path, _ in gets] == ["/v1/services", "/v1/services", "/v1/services/TEST-CE00-0001/skus",
                                          "/v1/services/TEST-CE00-0001/skus"]
    assert all(q["key"] == ["test-key"] for _, q in gets)
    assert gets[3][1]["pageToken"] == ["skus-2"] and gets[2][1]["currencyCode"] == ["USD"]


def test_an_answer_the_recipe_does_not_match_fails_and_leaves_the_file_as_it_was(server, small_snapshot):
    url, recorded = server
    recorded.aws_pages = {**AWS_PAGES, "g6.xlarge us-east-1": [{"FormatVersion": "aws_v1", "PriceList": []}]}
    before = small_snapshot.read_text()
    result = mlinfra("prices", "refresh", "--snapshot", str(small_snapshot), env=_env(url))
    assert result.returncode == 1
    assert result.stderr.startswith("Error: aws:ec2:g6.xlarge us-east-1: GetProducts found no product for ")
    assert small_snapshot.read_text() == before


def test_check_mode_changes_nothing_and_exits_1_when_prices_moved(server, small_snapshot):
    url, _ = server
    before = small_snapshot.read_text()
    result = mlinfra("prices", "refresh", "--snapshot", str(small_snapshot), "--check", env=_env(url))
    assert result.returncode == 1 and "3 price(s) changed" in result.stdout
    assert small_snapshot.read_text() == before


def test_an_api_without_credentials_is_skipped_and_said_so(server, small_snapshot):
    url, _ = server
    env = _env(url)
    del env["MLINFRA_GCP_BILLING_API_KEY"]
    result = mlinfra("prices", "refresh", "--snapshot", str(small_snapshot), env=env)
    assert result.returncode == 0, result.stderr
    assert ("skipped gcp-billing-catalog: 1 row(s) kept as they are (no credentials: set "
            "MLINFRA_GCP_BILLING_API_KEY)") in result.stdout
    assert price_snapshot.read(small_snapshot).find("gcp:compute:g2-standard-4", "us-central1").usd == 0.706832


def test_no_credentials_at_all_is_a_usage_error(small_snapshot):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MLINFRA_GCP"))}
    result = mlinfra("prices", "refresh", "--snapshot", str(small_snapshot), env=env)
    assert result.returncode == 2
    assert "no price API credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in result.stderr


def test_sigv4_matches_the_aws_test_suite_post_vanilla_vector():
    # aws-sig-v4-test-suite "post-vanilla" (mirrored in boto/botocore tests/unit/auth/aws4_testsuite):
    # POST / to example.amazonaws.com at 20150830T123600Z, service "service", us-east-1, empty body.
    headers = {"Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z"}
    authorization = sigv4_authorization("POST", "https://example.amazonaws.com/", headers, b"", "AKIDEXAMPLE",
                                        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service",
                                        "20150830T123600Z")
    assert authorization == ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                             "SignedHeaders=host;x-amz-date, "
                             "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
