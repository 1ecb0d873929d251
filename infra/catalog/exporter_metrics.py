"""The metric names each scraped exporter produces at its pinned version, with sources (read 2026-11-29).

Tests check that every metric an alert rule or dashboard panel reads is in this table for an exporter the
cluster's collector scrapes, so a renamed metric or an exporter nobody scrapes fails the build instead of
leaving a panel empty and an alert silent. Bumping an exporter's pin means re-reading its list here.
Plain data with no Pulumi import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

READ_ON = "2026-11-29"


@dataclass(frozen=True)
class ExporterMetrics:
    """The metric names one exporter exposes at `version`, and where they were read."""

    key: str
    version: str
    metrics: frozenset[str]
    source: str
    # Histogram families, exposed as <name>_bucket, <name>_sum and <name>_count.
    histograms: frozenset[str] = frozenset()
    read_on: str = READ_ON

    def series_names(self) -> frozenset[str]:
        """Every series name a query can select: the metrics, and each histogram's three series."""
        expanded = {f"{h}{suffix}" for h in self.histograms for suffix in ("_bucket", "_sum", "_count")}
        return self.metrics | expanded


EXPORTER_METRICS: Mapping[str, ExporterMetrics] = {e.key: e for e in (
    # The chart renders its own counters list into the exporter-metrics-config-map ConfigMap and mounts it
    # over default-counters.csv; `-f` points the exporter at it. Double-bit ECC counters
    # (DCGM_FI_DEV_ECC_DBE_*) are commented out there, so uncorrectable errors are read through the
    # row-remapping counters that are on.
    ExporterMetrics(
        "dcgm-exporter", "4.8.2",
        frozenset({
            "DCGM_FI_DEV_SM_CLOCK", "DCGM_FI_DEV_MEM_CLOCK", "DCGM_FI_DEV_MEMORY_TEMP", "DCGM_FI_DEV_GPU_TEMP",
            "DCGM_FI_DEV_POWER_USAGE", "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "DCGM_FI_DEV_PCIE_REPLAY_COUNTER",
            "DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_MEM_COPY_UTIL", "DCGM_FI_DEV_ENC_UTIL", "DCGM_FI_DEV_DEC_UTIL",
            "DCGM_FI_DEV_XID_ERRORS", "DCGM_FI_DEV_FB_FREE", "DCGM_FI_DEV_FB_USED",
            "DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL", "DCGM_FI_DEV_VGPU_LICENSE_STATUS",
            "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS",
            "DCGM_FI_DEV_ROW_REMAP_FAILURE", "DCGM_FI_PROF_GR_ENGINE_ACTIVE", "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
            "DCGM_FI_PROF_DRAM_ACTIVE", "DCGM_FI_PROF_PCIE_TX_BYTES", "DCGM_FI_PROF_PCIE_RX_BYTES"}),
        source="NVIDIA/dcgm-exporter@4.5.3-4.8.2:deployment/templates/metrics-configmap.yaml (uncommented "
               "lines; the chart's default `arguments: [-f, /etc/dcgm-exporter/default-counters.csv]` and "
               "extraVolumeMounts in deployment/values.yaml mount it there)"),
)}


def producers(metric: str) -> list[str]:
    """Keys of the exporters that expose the series `metric`."""
    return [key for key, exporter in EXPORTER_METRICS.items() if metric in exporter.series_names()]
