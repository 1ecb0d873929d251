"""The DCGM counters the platform's dcgm-exporter exports: the chart's own list plus throttling and NVLink errors.

The chart renders its counters list into a ConfigMap mounted over /etc/dcgm-exporter/default-counters.csv,
the file its default `arguments: ["-f", ...]` points at; `customMetrics` replaces that list and "Must be the
complete list and is not additive" (NVIDIA/dcgm-exporter@4.5.3-4.8.2:deployment/values.yaml,
deployment/templates/metrics-configmap.yaml, read 2026-12-07). So CHART_COUNTERS is the chart's list as it
renders when `customMetrics` is unset (its uncommented lines, copied verbatim), and ADDED_COUNTERS are lines
the chart ships commented out, uncommented here so the throttling and NVLink alerts have data.
Bumping the chart re-reads its list into CHART_COUNTERS.
"""

from __future__ import annotations

CHART_COUNTERS = """\
DCGM_FI_DEV_SM_CLOCK,  gauge, SM clock frequency (in MHz).
DCGM_FI_DEV_MEM_CLOCK, gauge, Memory clock frequency (in MHz).
DCGM_FI_DEV_MEMORY_TEMP, gauge, Memory temperature (in C).
DCGM_FI_DEV_GPU_TEMP,    gauge, GPU temperature (in C).
DCGM_FI_DEV_POWER_USAGE,              gauge, Power draw (in W).
DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION, counter, Total energy consumption since boot (in mJ).
DCGM_FI_DEV_PCIE_REPLAY_COUNTER, counter, Total number of PCIe retries.
DCGM_FI_DEV_GPU_UTIL,      gauge, GPU utilization (in %).
DCGM_FI_DEV_MEM_COPY_UTIL, gauge, Memory utilization (in %).
DCGM_FI_DEV_ENC_UTIL,      gauge, Encoder utilization (in %).
DCGM_FI_DEV_DEC_UTIL ,     gauge, Decoder utilization (in %).
DCGM_FI_DEV_XID_ERRORS,            gauge,   Value of the last XID error encountered.
DCGM_FI_DEV_FB_FREE, gauge, Framebuffer memory free (in MiB).
DCGM_FI_DEV_FB_USED, gauge, Framebuffer memory used (in MiB).
DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL,            counter, Total number of NVLink bandwidth counters for all lanes.
DCGM_FI_DEV_VGPU_LICENSE_STATUS, gauge, vGPU License status
DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS, counter, Number of remapped rows for uncorrectable errors
DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS,   counter, Number of remapped rows for correctable errors
DCGM_FI_DEV_ROW_REMAP_FAILURE,           gauge,   Whether remapping of rows has failed
DCGM_FI_PROF_GR_ENGINE_ACTIVE,   gauge, Ratio of time the graphics engine is active.
DCGM_FI_PROF_PIPE_TENSOR_ACTIVE, gauge, Ratio of cycles the tensor (HMMA) pipe is active.
DCGM_FI_PROF_DRAM_ACTIVE,        gauge, Ratio of cycles the device memory interface is active sending or receiving data.
DCGM_FI_PROF_PCIE_TX_BYTES,      gauge, The rate of data transmitted over the PCIe bus - including both protocol headers and data payloads - in bytes per second.
DCGM_FI_PROF_PCIE_RX_BYTES,      gauge, The rate of data received over the PCIe bus - including both protocol headers and data payloads - in bytes per second.
"""  # noqa: E501 (the chart's lines, verbatim)

# Commented out in the same ConfigMap template ("# Errors and violations", "# NVLink").
ADDED_COUNTERS = """\
DCGM_FI_DEV_POWER_VIOLATION,       counter, Throttling duration due to power constraints (in ns).
DCGM_FI_DEV_THERMAL_VIOLATION,     counter, Throttling duration due to thermal constraints (in ns).
DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL, counter, Total number of NVLink flow-control CRC errors.
DCGM_FI_DEV_NVLINK_CRC_DATA_ERROR_COUNT_TOTAL, counter, Total number of NVLink data CRC errors.
DCGM_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL,   counter, Total number of NVLink retries.
DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL, counter, Total number of NVLink recovery errors.
"""


def counters_csv() -> str:
    """The exporter's complete counters list (the chart's `customMetrics` value)."""
    return ("# DCGM FIELD, Prometheus metric type, help message (mlinfra: the chart's list plus throttling and "
            "NVLink errors)\n" + CHART_COUNTERS + ADDED_COUNTERS)


def counter_names(csv: str | None = None) -> frozenset[str]:
    """The field names a counters list exports (its non-comment lines' first column)."""
    lines = (line.strip() for line in (counters_csv() if csv is None else csv).splitlines())
    return frozenset(line.split(",")[0].strip() for line in lines if line and not line.startswith("#"))
