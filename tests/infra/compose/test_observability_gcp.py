import asyncio

import pytest
import yaml

from components.gcp.gmp_manifests import monitoring_spec
from infra.compose.observability_gcp import gpu_hourly_prices, receivers_config, scrape_targets
from infra.config.load import parse_stack_config

BASE = {
    "environment": "prod",
    "tags": {"owner": "ml-platform", "cost-center": "cc-1"},
    "gcp": {"project": "acme-ml-prod", "region": "us-central1"},
    "clusters": {"infer": {"cloud": "gcp", "gpu_pools": {
        "l4": {"accelerator": "nvidia-l4", "max_nodes": 2},
        "h100": {"accelerator": "nvidia-h100-80gb", "gpus_per_node": 8, "max_nodes": 1}}}},
}
RUNNERS = {"github_app": {"app_id": "1", "installation_id": "2"},
           "runners": {"cpu": {"github_config_url": "https://github.com/acme", "max_runners": 2,
                               "runner_group": "ml-platform", "repositories": ["acme/ml-platform"], "resources": {
               "requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}}}}}


def config(**extra):
    # A prod stack must route its alerts somewhere (infra/config/rules/observability.py).
    values = {**BASE, "observability": {"notify": {"webhook_url": "https://hooks.example.com/x"}},
              **{k: v for k, v in extra.items() if k != "runners"}}
    if "runners" in extra:
        values = {**values, "github_app": RUNNERS["github_app"],
                  "clusters": {"infer": {**BASE["clusters"]["infer"], "runners": RUNNERS["runners"]}}}
    return parse_stack_config(values, "prod", ("observability",))


def test_the_dcgm_exporter_is_scraped_with_its_own_labels_only_where_there_are_gpus():
    dcgm = scrape_targets(config().clusters["infer"])["dcgm-exporter"]
    assert dcgm.match_labels == {"app.kubernetes.io/name": "dcgm-exporter"} and dcgm.port == "metrics"
    # Cluster-wide, no GMP target labels: the series keep the GPU's workload namespace and pod.
    assert dcgm.namespace is None and dcgm.target_labels == ()
    cpu_only = parse_stack_config({**BASE, "environment": "dev", "clusters": {"infer": {"cloud": "gcp"}}}, "dev")
    assert "dcgm-exporter" not in scrape_targets(cpu_only.clusters["infer"])


def test_gpu_prices_are_the_catalog_machines_of_the_pools():
    prices = gpu_hourly_prices(config().clusters["infer"])
    assert set(prices) == {"g2-standard-4", "a3-highgpu-8g"}
    assert all(p > 0 for p in prices.values())


def test_the_arc_listeners_are_scraped_only_with_runners_keeping_the_scale_set_labels():
    # dcgm-exporter: the platform's own on a cluster with GPU pools (#28; BASE's cluster has two).
    assert set(scrape_targets(config().clusters["infer"])) == {"kube-state-metrics", "node-exporter", "dcgm-exporter"}
    targets = scrape_targets(config(runners=True).clusters["infer"])
    assert set(targets) == {"kube-state-metrics", "node-exporter", "dcgm-exporter", "arc-listeners"}
    listeners = targets["arc-listeners"]
    assert listeners.match_labels == {"app.kubernetes.io/component": "runner-scale-set-listener"}
    # Cluster-wide with no GMP target labels: the scale set's own `name`/`namespace` labels survive; the
    # controller namespace's allow-metrics policy (CiRunners) admits the collectors.
    assert listeners.port == 8080 and listeners.namespace is None and listeners.target_labels == ()
    assert listeners.ingress_namespace is None


@pytest.mark.parametrize("relay, emails", [(None, []), ({"smarthost": "smtp-relay.gmail.com:587",
                                                         "sender": "alerts@acme-ml.example.com"},
                                                        ["oncall@acme-ml.example.com"])])
def test_receivers_are_a_secret_output_with_mail_only_through_a_relay(relay, emails):
    gcp = {**BASE["gcp"], **({"alert_smtp": relay} if relay else {})}
    notify = {"webhook_url": "https://hooks.example.com/x", "emails": emails}
    cfg = config(gcp=gcp, observability={"notify": notify})
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        out = receivers_config(cfg)
        value, secret = loop.run_until_complete(asyncio.gather(out.future(), out.is_secret()))
    finally:
        loop.close()
        # Later tests (and Pulumi's SDK) ask for the current loop: leave a fresh one, as a new thread has.
        asyncio.set_event_loop(asyncio.new_event_loop())
    assert secret is True
    receivers = yaml.safe_load(value)["receivers"]
    assert receivers[0] == {"name": "webhook", "webhook_configs": [
        {"url": "https://hooks.example.com/x", "send_resolved": True}]}
    assert [r["name"] for r in receivers] == ["webhook", *(["email"] if emails else [])]


def test_a_cluster_that_mounts_datasets_scrapes_the_gcs_fuse_driver_node_pods():
    # gcs-fuse-csi-driver@v1.24.4: node pods `k8s-app=gcs-fuse-csi-driver` serve gcsfuse's metrics on :9920.
    target = scrape_targets(config().clusters["infer"], mounts_datasets=True)["gcs-fuse-csi-driver"]
    assert (dict(target.match_labels), target.port, target.path, target.namespace, target.target_labels) == (
        {"k8s-app": "gcs-fuse-csi-driver"}, 9920, "/metrics", None, ("node",))
    spec = monitoring_spec(target, 30)
    assert spec["endpoints"] == [{"port": 9920, "path": "/metrics", "interval": "30s", "metricRelabeling": [
        {"action": "keep", "sourceLabels": ["__name__"],
         "regex": "file_cache_read_bytes_count|file_cache_read_count|fs_ops_error_count|gcs_read_bytes_count"}]}]
    assert "gcs-fuse-csi-driver" not in scrape_targets(config().clusters["infer"])
