"""What the platform relies on about Google Cloud Managed Service for Prometheus (GMP) on GKE, with sources.

Plain data with no Pulumi import, so the policy pack and the tests can read it. Read on 2026-11-29.
"""

from __future__ import annotations

from infra.catalog.charts import ImagePin

READ_ON = "2026-11-29"
GMP = "GoogleCloudPlatform/prometheus-engine@v0.17.2"

# The managed Alertmanager reads its config from this key of the Secret `alertmanager` in `gmp-public`
# (pkg/operator/operator_config.go: AlertmanagerPublicSecretName / AlertmanagerPublicSecretKey).
ALERTMANAGER_KEY = "alertmanager.yaml"

# The query frontend Grafana's Prometheus data source talks to; the tag is the one the project's own
# example deploys at the pinned release.
FRONTEND_IMAGE = ImagePin("gke.gcr.io/prometheus-engine/frontend", "v0.15.3-gke.0",
                          f"{GMP}:examples/frontend.yaml (flags: cmd/frontend/README.md)")

# GKE's managed metric packages the cluster enables (`monitoring_config.enable_components`).
# DCGM: "When you enable DCGM metrics, GKE installs the DCGM-Exporter tool, installs Google-managed GPU
# drivers, and deploys a ClusterPodMonitoring resource to send metrics to Google Cloud Managed Service for
# Prometheus"; on by default for clusters created at 1.32.1-gke.1357000 or later, and it needs managed
# collection (https://cloud.google.com/kubernetes-engine/docs/how-to/dcgm-metrics). So on GKE the
# platform installs no DCGM exporter of its own: GKE's runs on exactly the GPU nodes, whose drivers GKE
# installs (`gpu_driver_installation_config`, components/gcp/gpu_node_pool.py).
# The value list (SYSTEM_COMPONENTS, APISERVER, ..., KUBELET, CADVISOR, DCGM, JOBSET; KUBELET and CADVISOR
# from 1.29.3-gke.1093000, JOBSET from 1.32.1-gke.1357001) is pulumi-gcp 10.2.0's
# ClusterMonitoringConfigArgs.enable_components docstring (pulumi_gcp/container/_inputs.py).
DCGM_PACKAGE = "DCGM"
# The chart the platform runs instead where it collects metrics (components/gcp/dcgm_exporter.py; the pin is
# infra/catalog/charts.py "dcgm-exporter"): the policy pack recognises its release by this chart name.
DCGM_CHART = "dcgm-exporter"
DCGM_SOURCE = "https://cloud.google.com/kubernetes-engine/docs/how-to/dcgm-metrics"
# GKE's kube-state-metrics packages (POD, DEPLOYMENT, STATEFULSET, DAEMONSET, HPA, STORAGE, JOBSET) are "a
# curated set of metrics exported from the kube state service" (https://cloud.google.com/kubernetes-engine/
# docs/how-to/configure-metrics: "If you need greater flexibility ... deploy your own instance of the open
# source kube state metrics service"). The platform runs the same kube-state-metrics and node-exporter charts
# as on EKS, so both clouds' rules and panels read the same series with the same labels (the metric list in
# exporter_metrics.py is the chart's), and enables none of those packages, so no series is ingested twice.
KSM_PACKAGES_ENABLED = False

# GKE runs the cluster autoscaler in its control plane: there is no autoscaler pod to scrape, so the
# autoscaler rule has no series on GKE (it stays silent rather than wrong). What Prometheus sees instead is
# its effect: GPU pods pending (the pending rule) and nodes per pool over time, from kube-state-metrics.
# Its decisions are GKE events in Cloud Logging; this platform does not read them (not checked here).
AUTOSCALER_SCRAPED = False
