"""The GKE observability rules through the real pack process: a monitored GKE cluster as the engine records it
is clean, and each single broken field gives exactly the expected finding."""

from __future__ import annotations

import pytest

from tests.policies.conftest import UNKNOWN, triples
from tests.policies.test_contract_rules import provider_ref, res

M = "mandatory"
GRAFANA_RULE = "grafana-not-exposed"
MP_RULE, PUBLIC_RULE, HOOK_RULE = "gke-managed-prometheus", "observability-no-public-endpoint", \
    "alertmanager-webhook-secret"
OURS = {MP_RULE, PUBLIC_RULE, HOOK_RULE, GRAFANA_RULE}
HOOK = "https://hooks.example.com/services/T000/B000/token"
CONFIG = f"route:\n  receiver: webhook\nreceivers:\n- name: webhook\n  webhook_configs:\n  - url: {HOOK}\n"
MONITORING = {"enableComponents": ["SYSTEM_COMPONENTS", "DCGM"], "managedPrometheus": {"enabled": True}}


OWN_DCGM = {"enableComponents": ["SYSTEM_COMPONENTS"], "managedPrometheus": {"enabled": True}}


def gke(env="dev", monitoring=MONITORING, gmp_objects=True, service_type="ClusterIP", grafana_values=None,
        leak_into=None, config_map=False, dcgm_release=False):
    """A GKE cluster with a GPU pool, and on its provider the GMP objects, frontend Service and Grafana."""
    labels = {"environment": env}
    comp = res("mlinfra:gcp:GkeCluster", "infer", {})
    props = {"name": f"{env}-infer", "resourceLabels": labels}
    if monitoring is not None:
        props["monitoringConfig"] = monitoring
    cluster = res("gcp:container/cluster:Cluster", "infer-cluster", props, parent=comp.urn,
                  parent_type="mlinfra:gcp:GkeCluster")
    k8s = res("pulumi:providers:kubernetes", "infer-k8s", {"kubeconfig": UNKNOWN}, parent=comp.urn,
              parent_type="mlinfra:gcp:GkeCluster", deps=[cluster.urn], prop_deps={"kubeconfig": [cluster.urn]})
    on = provider_ref(k8s)
    pool = res("gcp:container/nodePool:NodePool", "infer-l4-pool", {
        "cluster": UNKNOWN, "nodeConfig": {"machineType": "g2-standard-4", "resourceLabels": labels,
                                           "guestAccelerators": [{"type": "nvidia-l4", "count": 1}]}},
        prop_deps={"cluster": [cluster.urn]})
    parts = [comp, cluster, k8s, pool]
    meta = {"labels": {"app.kubernetes.io/managed-by": "mlinfra"}}
    if gmp_objects:
        parts += [
            res("kubernetes:monitoring.googleapis.com/v1:ClusterRules", "infer-gmp-rules",
                {"metadata": {"name": "mlinfra-platform", **meta}, "spec": {"groups": []}}, provider=on),
            res("kubernetes:core/v1:Secret", "infer-gmp-alertmanager",
                {"metadata": {"name": "alertmanager", "namespace": "gmp-public", **meta},
                 "stringData": {"alertmanager.yaml": CONFIG}}, provider=on)]
    parts.append(res("kubernetes:core/v1:Service", "infer-query-service", {
        "metadata": {"name": "gmp-frontend", "namespace": "gmp-frontend", **meta},
        "spec": {"type": service_type, "selector": {"app.kubernetes.io/name": "gmp-frontend"}}}, provider=on))
    parts.append(res("kubernetes:helm.sh/v3:Release", "infer-grafana", {
        "chart": "grafana", "values": grafana_values or {"service": {"type": "ClusterIP"}}}, provider=on))
    if leak_into:
        parts.append(res("kubernetes:core/v1:ConfigMap", "infer-notes",
                         {"metadata": {"name": "notes", **meta}, "data": {"hook": HOOK}}, provider=on))
    if dcgm_release:
        # The platform's dcgm-exporter as MetricsExporters records it on GKE (components/gcp/dcgm_exporter.py).
        parts.append(res("kubernetes:helm.sh/v3:Release", "infer-exporters-dcgm-exporter", {
            "name": "dcgm-exporter", "chart": "dcgm-exporter", "version": "4.8.2", "namespace": "kube-system",
            "values": {"securityContext": {"privileged": True}}}, provider=on))
    if config_map:
        parts.append(res("kubernetes:core/v1:ConfigMap", "infer-am", {
            "metadata": {"name": "alertmanager", "namespace": "gmp-public", **meta},
            "data": {"alertmanager.yaml": CONFIG}}, provider=on))
    return parts


CASES = [
    ("monitored dev cluster", gke(), []),
    ("prod cluster with managed collection and no GMP objects yet", gke(env="prod", gmp_objects=False), []),
    ("dev cluster without GMP objects needs no managed collection", gke(monitoring=None, gmp_objects=False), []),
    ("GMP objects on a cluster without managed collection",
     gke(monitoring={"enableComponents": ["DCGM"], "managedPrometheus": {"enabled": False}}),
     [(MP_RULE, M, "cluster 'dev-infer' does not run managed collection (monitoringConfig.managedPrometheus.enabled)"
       " although it has GMP objects infer-gmp-rules: nothing would scrape, evaluate or alert")]),
    ("prod cluster without managed collection", gke(env="prod", monitoring=None, gmp_objects=False),
     [(MP_RULE, M, "cluster 'prod-infer' does not run managed collection (monitoringConfig.managedPrometheus.enabled)"
       " although observability is on in prod: nothing would scrape, evaluate or alert")]),
    ("GPU pool with neither GKE's DCGM package nor the platform's exporter", gke(monitoring=OWN_DCGM),
     [(MP_RULE, M, "cluster 'dev-infer' has GPU pools infer-l4-pool but neither GKE's DCGM metrics package "
       "(monitoringConfig.enableComponents) nor a dcgm-exporter release: no GPU metrics would be collected")]),
    # With observability on the platform runs its own dcgm-exporter in place of GKE's package (#28).
    ("GPU pool with the platform's dcgm-exporter", gke(monitoring=OWN_DCGM, dcgm_release=True), []),
    ("GKE's DCGM package and the platform's exporter at once", gke(dcgm_release=True),
     [(MP_RULE, M, "cluster 'dev-infer' runs GKE's DCGM metrics package and the dcgm-exporter release "
       "infer-exporters-dcgm-exporter: two DCGM exporters on each GPU node; leave DCGM out of "
       "monitoringConfig.enableComponents")]),
    ("frontend as a LoadBalancer", gke(service_type="LoadBalancer"),
     [(PUBLIC_RULE, M, "Service 'infer-query-service' exposes gmp-frontend as LoadBalancer; only ClusterIP is "
       "allowed")]),
    # Grafana is grafana-not-exposed's on both clouds (policies/grafana_exposure.py): checked here on GKE's.
    ("Grafana as a NodePort", gke(grafana_values={"service": {"type": "NodePort"}}),
     [(GRAFANA_RULE, M, "Grafana release 'infer-grafana' sets service.type 'NodePort'; it must be 'ClusterIP' "
       "(reach it with kubectl port-forward)")]),
    ("Grafana with an Ingress", gke(grafana_values={"service": {"type": "ClusterIP"}, "ingress": {"enabled": True}}),
     [(GRAFANA_RULE, M, "Grafana release 'infer-grafana' enables an ingress; reach it with kubectl port-forward "
       "instead")]),
    ("webhook copied into a ConfigMap", gke(leak_into=True),
     [(HOOK_RULE, M, "the Alertmanager webhook of Secret 'infer-gmp-alertmanager' also appears in plain text in "
       "ConfigMap 'infer-notes'")]),
    ("Alertmanager config in a ConfigMap", gke(config_map=True),
     [(HOOK_RULE, M, "ConfigMap 'infer-am' holds an Alertmanager config with webhook receivers in plain text; "
       "put it in the Secret 'alertmanager' of gmp-public"),
      (HOOK_RULE, M, "the Alertmanager webhook of Secret 'infer-gmp-alertmanager' also appears in plain text in "
       "ConfigMap 'infer-am'")]),
]


def _analyze(pack, stack):
    findings = [*pack.analyze_stack(stack), *(f for r in stack for f in pack.analyze(r))]
    return sorted(t for t in triples(findings) if t[0] in OURS)


@pytest.mark.parametrize("stack, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_gke_observability_rule(pack, stack, expected):
    assert _analyze(pack, stack) == sorted(expected)


@pytest.mark.parametrize("env", ["dev", "sandbox", "staging", "prod"])
def test_the_rules_are_mandatory_in_every_environment(pack, env):
    from infra.offline.policy_check import PACK_DIR
    from infra.offline.policy_config import load_policy_config, reconcile

    config = reconcile(pack.info, load_policy_config(PACK_DIR / "config" / f"{env}.json"))
    assert {name: config[name].enforcementLevel for name in OURS} == dict.fromkeys(OURS, 1)
