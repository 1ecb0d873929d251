"""The inference gateways of the prod and dev stacks, as recorded by the engine: both clouds."""

import io
import json

import pytest
from rich.console import Console

from infra.cli.views.gateways import gateway_rows
from infra.cli.views.plan import markdown_view, table_view
from infra.offline.document import build_document
from tests.helpers import stack_run

HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
AWS = "urn:pulumi:prod::mlinfra::mlinfra:aws:"


@pytest.fixture(scope="module")
def prod():
    return build_document(stack_run("prod"))


@pytest.fixture(scope="module")
def dev():
    return build_document(stack_run("dev"))


def one(document, resource_type, name=None):
    [found] = [r for r in document["resources"] if r["type"] == resource_type and name in (None, r["name"])]
    return found


def test_prod_alb_is_public_protected_logged_and_drops_bad_headers(prod):
    lb = one(prod, "aws:lb/loadBalancer:LoadBalancer", "train-infer-lb")
    assert lb["protect"] is True
    inputs = lb["inputs"]
    assert (inputs["internal"], inputs["loadBalancerType"]) == (False, "application")
    assert inputs["enableDeletionProtection"] is True
    assert inputs["dropInvalidHeaderFields"] is True
    assert inputs["accessLogs"] == {"enabled": True, "bucket": "acme-ml-prod-logs", "prefix": "prod-train/infer"}
    # Internet-facing: the three public subnets of the cluster's network, not the private ones.
    assert sorted(lb["propertyDependencies"]["subnets"]) == [
        f"{AWS}Network$aws:ec2/subnet:Subnet::train-net-public-us-east-1{zone}" for zone in "abc"]


def test_prod_alb_listeners_enforce_tls_and_redirect_http(prod):
    https = one(prod, "aws:lb/listener:Listener", "train-infer-https")["inputs"]
    assert (https["protocol"], https["port"], https["sslPolicy"]) == (
        "HTTPS", 443, "ELBSecurityPolicy-TLS13-1-2-2021-06")
    http = one(prod, "aws:lb/listener:Listener", "train-infer-http")["inputs"]
    assert (http["protocol"], http["port"]) == ("HTTP", 80)
    assert http["defaultActions"] == [{"type": "redirect", "redirect": {
        "protocol": "HTTPS", "statusCode": "HTTP_301", "port": "443"}}]


def test_prod_alb_splits_90_10_between_the_two_model_servers(prod):
    rule = one(prod, "aws:lb/listenerRule:ListenerRule", "train-infer-chat")["inputs"]
    assert rule["conditions"][0]["pathPattern"]["values"] == ["/v1", "/v1/*"]
    weights = [g["weight"] for g in rule["actions"][0]["forward"]["targetGroups"]]
    assert sorted(weights) == [10, 90]
    bindings = {r["inputs"]["spec"]["serviceRef"]["name"]: r for r in prod["resources"]
                if r["type"] == "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"}
    assert sorted(bindings) == ["llm-v1", "llm-v2"]
    assert {b["inputs"]["metadata"]["namespace"] for b in bindings.values()} == {"serving"}


def test_prod_log_bucket_lets_only_elb_of_this_account_write_sse_s3(prod):
    policy = json.loads(one(prod, "aws:s3/bucketPolicy:BucketPolicy", "logs-tls-only")["inputs"]["policy"])
    [elb] = [s for s in policy["Statement"] if s["Sid"] == "ElbAccessLogs"]
    assert elb == {"Sid": "ElbAccessLogs", "Effect": "Allow",
                   "Principal": {"AWS": "arn:aws:iam::127311923021:root"}, "Action": "s3:PutObject",
                   "Resource": "arn:aws:s3:::acme-ml-prod-logs/*/AWSLogs/123456789012/*"}
    sse = one(prod, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
              "logs-sse")["inputs"]["rules"][0]["applyServerSideEncryptionByDefault"]
    assert sse == {"sseAlgorithm": "AES256"}  # ALB delivers logs only to SSE-S3 buckets
    # Buckets nobody's balancer logs to grant ELB nothing.
    other = one(prod, "aws:s3/bucketPolicy:BucketPolicy", "datasets-tls-only")["inputs"]["policy"]
    assert "ElbAccessLogs" not in other


def test_prod_lb_controller_waits_for_pod_identity_agent_and_is_the_only_one(prod):
    releases = [r for r in prod["resources"] if r["type"] == "kubernetes:helm.sh/v3:Release"]
    assert [r["inputs"]["chart"] for r in releases].count("aws-load-balancer-controller") == 1
    release = one(prod, "kubernetes:helm.sh/v3:Release", "train-lbc-release")
    assert release["inputs"]["version"] == "3.5.0"
    assert f"{AWS}EksManagedAddons$aws:eks/addon:Addon::train-addons-eks-pod-identity-agent" in release["dependencies"]
    assert f"{AWS}LbController$aws:eks/podIdentityAssociation:PodIdentityAssociation::train-lbc-identity" in (
        release["dependencies"])


def test_prod_gke_gateway_is_external_tls12_redirecting_and_split_90_10(prod):
    gateway = one(prod, "kubernetes:gateway.networking.k8s.io/v1:Gateway", "infer-gcp-infer-gateway")["inputs"]
    assert gateway["spec"]["gatewayClassName"] == "gke-l7-global-external-managed"
    ssl = one(prod, "gcp:compute/sSLPolicy:SSLPolicy", "infer-gcp-infer-ssl")["inputs"]
    assert (ssl["minTlsVersion"], ssl["profile"]) == ("TLS_1_2", "MODERN")
    tls = one(prod, "kubernetes:networking.gke.io/v1:GCPGatewayPolicy", "infer-gcp-infer-tls")["inputs"]["spec"]
    assert tls["targetRef"] == {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "infer"}
    route = one(prod, HTTP_ROUTE, "infer-gcp-infer-route-chat")["inputs"]["spec"]
    assert [(b["name"], b["namespace"], b["weight"]) for b in route["rules"][0]["backendRefs"]] == [
        ("llm-v1", "serving", 90), ("llm-v2", "serving", 10)]
    redirect = one(prod, HTTP_ROUTE, "infer-gcp-infer-redirect")["inputs"]["spec"]
    assert redirect["rules"][0]["filters"][0]["requestRedirect"]["scheme"] == "https"
    assert redirect["parentRefs"][0]["sectionName"] == "http"
    address = one(prod, "gcp:compute/globalAddress:GlobalAddress", "infer-gcp-infer-ip")["inputs"]
    assert address["addressType"] == "EXTERNAL"


def test_gateway_api_is_on_for_every_gke_cluster_with_gateways(prod, dev):
    for document in (prod, dev):
        cluster = one(document, "gcp:container/cluster:Cluster")["inputs"]
        assert cluster["gatewayApiConfig"] == {"channel": "CHANNEL_STANDARD"}


def test_dev_serves_one_internal_endpoint_through_a_proxy_only_subnet(dev):
    gateways = [r for r in dev["resources"] if r["type"] == "kubernetes:gateway.networking.k8s.io/v1:Gateway"]
    assert [g["inputs"]["spec"]["gatewayClassName"] for g in gateways] == ["gke-l7-rilb"]
    assert [r for r in dev["resources"] if r["type"] == "aws:lb/loadBalancer:LoadBalancer"] == []
    proxy = one(dev, "gcp:compute/subnetwork:Subnetwork", "dev-gke-net-proxy-only")["inputs"]
    assert (proxy["purpose"], proxy["role"], proxy["ipCidrRange"], proxy["region"]) == (
        "REGIONAL_MANAGED_PROXY", "ACTIVE", "10.21.0.0/23", "us-central1")
    address = one(dev, "gcp:compute/address:Address", "dev-gke-llm-ip")
    assert address["inputs"]["addressType"] == "INTERNAL"
    # The address and the Gateway come after the proxy-only subnet their proxies live in.
    proxy_urn = "urn:pulumi:dev::mlinfra::mlinfra:gcp:Network$gcp:compute/subnetwork:Subnetwork::dev-gke-net-proxy-only"
    assert proxy_urn in address["dependencies"]
    assert proxy_urn in one(dev, "kubernetes:gateway.networking.k8s.io/v1:Gateway")["dependencies"]
    ssl = one(dev, "gcp:compute/regionSslPolicy:RegionSslPolicy", "dev-gke-llm-ssl")["inputs"]
    assert ssl["minTlsVersion"] == "TLS_1_2"


def test_gateway_outputs_name_address_certificate_and_routes(prod, dev):
    aws = prod["outputs"]["cluster_train"]["gateways"]["infer"]
    assert sorted(aws) == ["certificate_status", "dns_name", "routes"]
    assert aws["routes"]["chat"]["backends"]["canary"] == {
        "namespace": "serving", "service": "llm-v2", "port": 8000, "weight": 10}
    gcp = prod["outputs"]["cluster_infer-gcp"]["gateways"]["infer"]
    assert sorted(gcp) == ["certificate_status", "ip_address", "routes"]
    assert gcp["routes"]["chat"]["backends"]["stable"]["weight"] == 90
    assert sorted(dev["outputs"]["cluster_dev-gke"]["gateways"]) == ["llm"]
    assert "gateways" not in dev["outputs"]["cluster_dev"]


def test_plan_views_list_each_gateway_with_address_certificate_and_routes(prod):
    rows = gateway_rows(prod)
    routes = "chat /v1 → serving/llm-v1:8000 90%, serving/llm-v2:8000 10%"
    assert rows == [("infer-gcp", "infer", "known after apply", "known after apply", routes),
                    ("train", "infer", "known after apply", "known after apply", routes)]
    console = Console(record=True, width=240, file=io.StringIO())
    console.print(table_view(prod))
    table = console.export_text()
    assert "Gateways" in table
    assert f"│ train     │ infer   │ known after apply │ known after apply │ {routes} │" in table
    assert f"| train | infer | known after apply | known after apply | {routes} |" in markdown_view(prod)


def test_prod_lb_controller_role_trusts_only_its_service_account_in_this_cluster(prod):
    trust = json.loads(one(prod, "aws:iam/role:Role", "train-lbc-role")["inputs"]["assumeRolePolicy"])
    [statement] = trust["Statement"]
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012",
                         "aws:RequestTag/kubernetes-namespace": "kube-system",
                         "aws:RequestTag/kubernetes-service-account": "aws-load-balancer-controller"},
        "ArnEquals": {"aws:SourceArn": "arn:aws:eks:us-east-1:123456789012:cluster/prod-train"}}
