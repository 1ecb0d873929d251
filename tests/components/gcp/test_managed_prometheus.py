import pulumi
import pulumi_kubernetes as k8s
import pytest
import yaml

from components.gcp.gmp_frontend import (
    GmpQueryFrontend,
    GmpQueryFrontendArgs,
    reader_resource_name,
    workload_identity_member,
)
from components.gcp.gmp_manifests import (
    ScrapeTarget,
    SmtpRelay,
    alertmanager_config,
    monitoring_kind,
    monitoring_spec,
    rules_spec,
)
from components.gcp.managed_prometheus import GmpMonitoring, GmpMonitoringArgs

KSM = ScrapeTarget({"app.kubernetes.io/name": "kube-state-metrics"}, "http")
ARC = ScrapeTarget({"app.kubernetes.io/name": "gha-rs-controller"}, "metrics", namespace="arc-systems")
RULES = {"groups": [{"name": "mlinfra-gpu", "interval": "30s",
                     "rules": [{"alert": "GpuIdle", "expr": "vector(1)", "for": "30m"}]}]}
HOOK = "https://hooks.example.com/T000/B000/secret-token"
RELAY = SmtpRelay(smarthost="smtp.example.com:587", sender="alerts@example.com", username="alerts")


def test_a_target_in_one_namespace_is_a_pod_monitoring_and_any_namespace_a_cluster_pod_monitoring():
    assert monitoring_kind(ARC) == "PodMonitoring"
    assert monitoring_kind(KSM) == "ClusterPodMonitoring"
    assert monitoring_spec(KSM, 30) == {
        "selector": {"matchLabels": {"app.kubernetes.io/name": "kube-state-metrics"}},
        "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s"}]}


def test_a_target_without_labels_or_interval_is_refused():
    node = ScrapeTarget({"app.kubernetes.io/name": "prometheus-node-exporter"}, 9100, target_labels=("node",))
    assert monitoring_spec(node, 30)["targetLabels"] == {"metadata": ["node"]}
    assert monitoring_spec(node, 30)["endpoints"][0]["port"] == 9100
    with pytest.raises(ValueError, match="at least one label"):
        monitoring_spec(ScrapeTarget({}, "http"), 30)
    with pytest.raises(ValueError, match="must be positive"):
        monitoring_spec(KSM, 0)


def test_rules_spec_keeps_the_groups_and_refuses_an_empty_file():
    assert rules_spec(RULES) == RULES
    with pytest.raises(ValueError, match="at least one group"):
        rules_spec({"groups": []})
    with pytest.raises(ValueError, match="needs a name and rules"):
        rules_spec({"groups": [{"name": "x", "rules": []}]})


def test_alertmanager_config_routes_every_alert_to_the_webhook_and_the_mail():
    config = yaml.safe_load(alertmanager_config(["oncall@example.com", "ml@example.com"], HOOK, RELAY, "pw"))
    assert config["receivers"] == [
        {"name": "webhook", "webhook_configs": [{"url": HOOK, "send_resolved": True}]},
        {"name": "email", "email_configs": [{
            "to": "oncall@example.com, ml@example.com", "from": "alerts@example.com",
            "smarthost": "smtp.example.com:587", "require_tls": True, "send_resolved": True,
            "auth_username": "alerts", "auth_password": "pw"}]}]
    route = config["route"]
    assert route["receiver"] == "webhook" and "continue" not in route
    assert route["routes"] == [{"receiver": "webhook", "continue": True}, {"receiver": "email", "continue": True}]


def test_alertmanager_config_without_destinations_still_has_a_receiver_and_email_needs_a_relay():
    assert yaml.safe_load(alertmanager_config([], None))["route"]["receiver"] == "none"
    with pytest.raises(ValueError, match="need an SMTP relay"):
        alertmanager_config(["oncall@example.com"], None)


def _monitoring():
    provider = k8s.Provider("k8s", kubeconfig="{}")
    GmpMonitoring("dev-gke-gmp", GmpMonitoringArgs(
        k8s_provider=provider, targets={"kube-state-metrics": KSM, "arc-controller": ARC},
        scrape_interval_seconds=60, rule_file=RULES,
        alertmanager_config=pulumi.Output.secret(alertmanager_config([], HOOK)),
        labels={"app.kubernetes.io/managed-by": "mlinfra"}))


def test_gmp_monitoring_declares_scrapes_rules_and_the_alertmanager_secret(register):
    reg = register(_monitoring)
    ksm = reg.one("kubernetes:monitoring.googleapis.com/v1:ClusterPodMonitoring",
                  "dev-gke-gmp-scrape-kube-state-metrics")
    assert ksm.inputs["metadata"]["name"] == "mlinfra-kube-state-metrics"
    assert ksm.inputs["spec"]["endpoints"][0]["interval"] == "60s"
    arc = reg.one("kubernetes:monitoring.googleapis.com/v1:PodMonitoring", "dev-gke-gmp-scrape-arc-controller")
    assert arc.inputs["metadata"]["namespace"] == "arc-systems"
    # The runner namespaces deny ingress by default: the collectors are let in to the metrics port only.
    ingress = reg.one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs["spec"]
    assert ingress["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "gha-rs-controller"}}
    assert ingress["ingress"] == [{"from": [{"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": "gmp-system"}}}], "ports": [{"protocol": "TCP", "port": "metrics"}]}]
    rules = reg.one("kubernetes:monitoring.googleapis.com/v1:ClusterRules")
    assert rules.inputs["spec"] == RULES
    secret = reg.one("kubernetes:core/v1:Secret", "dev-gke-gmp-alertmanager")
    assert secret.inputs["metadata"]["namespace"] == "gmp-public"
    assert secret.inputs["metadata"]["name"] == "alertmanager"


def test_the_webhook_url_never_reaches_the_recorded_inputs(register):
    reg = register(_monitoring)
    secret = reg.one("kubernetes:core/v1:Secret", "dev-gke-gmp-alertmanager")
    assert HOOK not in repr(secret.inputs)


def test_reader_names_are_checked():
    assert workload_identity_member("acme-ml-dev", "gmp-frontend", "gmp-frontend") == \
        "serviceAccount:acme-ml-dev.svc.id.goog[gmp-frontend/gmp-frontend]"
    email = "r@p.iam.gserviceaccount.com"
    assert reader_resource_name("p", email) == f"projects/p/serviceAccounts/{email}"
    with pytest.raises(ValueError, match="service account email"):
        reader_resource_name("p", "reader")


def _frontend(reader):
    def program():
        provider = k8s.Provider("k8s", kubeconfig="{}")
        GmpQueryFrontend("dev-gke-query", GmpQueryFrontendArgs(
            k8s_provider=provider, project="acme-ml-dev", account_base="mlinfra-dev",
            reader_service_account=reader, image="gke.gcr.io/prometheus-engine/frontend:v0.15.3-gke.0",
            node_selector={"mlinfra.io/pool": "system"}))
    return program


def test_the_frontend_binds_its_kubernetes_account_to_the_given_reader_and_grants_nothing_else(register):
    reader = "acme-ml-dev-metrics@acme-ml-dev.iam.gserviceaccount.com"
    reg = register(_frontend(reader))
    ksa = reg.one("kubernetes:core/v1:ServiceAccount")
    assert ksa.inputs["metadata"]["annotations"] == {"iam.gke.io/gcp-service-account": reader}
    binding = reg.one("gcp:serviceaccount/iAMMember:IAMMember")
    assert binding.inputs["role"] == "roles/iam.workloadIdentityUser"
    assert binding.inputs["member"] == "serviceAccount:acme-ml-dev.svc.id.goog[gmp-frontend/gmp-frontend]"
    assert binding.inputs["serviceAccountId"] == f"projects/acme-ml-dev/serviceAccounts/{reader}"
    assert reg.of_type("gcp:projects/iAMMember:IAMMember") == []
    assert reg.of_type("gcp:serviceaccount/account:Account") == []
    service = reg.one("kubernetes:core/v1:Service")
    assert service.inputs["spec"]["type"] == "ClusterIP"
    pod = reg.one("kubernetes:apps/v1:Deployment").inputs["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"mlinfra.io/pool": "system"}
    container = pod["containers"][0]
    assert container["args"] == ["--web.listen-address=:9090", "--query.project-id=acme-ml-dev"]
    assert container["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_without_a_reader_the_frontend_makes_one_with_the_read_role_only(register):
    reg = register(_frontend(None))
    account = reg.one("gcp:serviceaccount/account:Account")
    assert account.inputs["accountId"] == "mlinfra-dev-metrics"
    grant = reg.one("gcp:projects/iAMMember:IAMMember")
    assert grant.inputs["role"] == "roles/monitoring.viewer"
    assert grant.inputs["member"] == "serviceAccount:mlinfra-dev-metrics@acme-ml-dev.iam.gserviceaccount.com"
