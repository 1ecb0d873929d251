"""What the two dataset drivers accept, read upstream at their pinned versions, as data with sources.

A PersistentVolume's volumeAttributes and mountOptions are free-form strings: a misspelt or removed key
is dropped without a word (GCS FUSE passes unknown `a:b:value` options into its config file; Mountpoint
rejects an unknown flag only when the mount starts, on a node, as a Pod stuck in ContainerCreating). So
every key the platform writes is checked against these lists (`unknown_options`), and the tests check
every volume in the planned stacks. Bumping a pin means re-reading these files at the new tag.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

READ_ON = "2026-12-07"


@dataclass(frozen=True)
class DriverPin:
    """One pinned driver: its name where it is installed, its version and where its facts were read."""

    name: str
    version: str
    source: str


# --- Mountpoint for Amazon S3 CSI driver (EKS add-on `aws-mountpoint-s3-csi-driver`) ---
MOUNTPOINT_CSI = DriverPin(
    name="aws-mountpoint-s3-csi-driver",
    # The add-on's version string is EKS's (`v2.7.0-eksbuild.N`); the driver code is the tag below.
    version="v2.7.0",
    source="awslabs/mountpoint-s3-csi-driver@v2.7.0 (a2d4b067), docs/CONFIGURATION.md, docs/CACHING.md, "
           "pkg/driver/node/volumecontext/volume_context.go, pkg/driver/node/node.go, Dockerfile",
)
MOUNTPOINT_CSI_DRIVER_NAME = "s3.csi.aws.com"
# The EKS add-on build of that driver, per Kubernetes minor it was seen on. EKS publishes add-on builds only through
# its API (`aws eks describe-addon-versions`), which is out of reach here; the build below is the one a public EKS
# 1.35 project records as "already the newest build" of v2.7.0 on 2026-08-11 (aws-samples/comfyui-on-eks@afda88e1:
# docs/mirador-security-findings-status.md, table "Container remediation", read 2026-12-07), and the one other
# public Terraform for the add-on pins (`addon_version = "v2.7.0-eksbuild.1"`, code search, read 2026-12-07).
# A minor not listed takes the stack's `aws.addon_versions` or, without one, EKS's default for the cluster.
MOUNTPOINT_CSI_ADDON_BUILDS = {"1.35": "v2.7.0-eksbuild.1"}
MOUNTPOINT_CSI_ADDON_SOURCE = "aws-samples/comfyui-on-eks@afda88e1:docs/mirador-security-findings-status.md"
# Dockerfile `ARG MOUNTPOINT_VERSION=1.22.3`: the mount-s3 the driver runs, whose flags mountOptions carry.
MOUNTPOINT = DriverPin(
    name="mount-s3", version="1.22.3",
    source="awslabs/mountpoint-s3@mountpoint-s3-1.22.3:mountpoint-s3/src/cli.rs, doc/CONFIGURATION.md, doc/METRICS.md",
)
# volume_context.go at v2.7.0, plus `mountpointEnv.<NAME>` (docs/CONFIGURATION.md: HTTPS_PROXY, NO_PROXY).
MOUNTPOINT_VOLUME_ATTRIBUTES = frozenset({
    "bucketName", "authenticationSource", "stsRegion", "cache", "cacheEmptyDirSizeLimit", "cacheEmptyDirMedium",
    "cacheEphemeralStorageClassName", "cacheEphemeralStorageResourceRequest", "mountpointPodServiceAccountName",
    "mountpointContainerResourcesRequestsCpu", "mountpointContainerResourcesRequestsMemory",
    "mountpointContainerResourcesLimitsCpu", "mountpointContainerResourcesLimitsMemory",
    "mountpointEnv.HTTPS_PROXY", "mountpointEnv.NO_PROXY",
})
MOUNTPOINT_CACHE_TYPES = frozenset({"emptyDir", "ephemeral"})
MOUNTPOINT_AUTHENTICATION_SOURCES = frozenset({"driver", "pod"})
# The long flags of mount-s3 1.22.3 (cli.rs `#[clap(long ...)]`), written without `--` in mountOptions. The
# driver drops foreground/help/version and refuses `-o` (pkg/mountpoint/args.go, pkg/driver/node/node.go).
MOUNTPOINT_FLAGS = frozenset({
    "prefix", "region", "endpoint-url", "force-path-style", "transfer-acceleration", "dual-stack", "requester-pays",
    "bucket-type", "no-sign-request", "profile", "read-only", "storage-class", "allow-delete", "allow-overwrite",
    "incremental-upload", "auto-unmount", "allow-root", "allow-other", "maximum-throughput-gbps", "max-threads",
    "max-memory-target", "part-size", "read-part-size", "write-part-size", "uid", "gid", "dir-mode", "file-mode",
    "expected-bucket-owner", "log-directory", "log-metrics", "otlp-endpoint", "otlp-export-interval", "debug",
    "debug-crt", "no-log", "cache", "metadata-ttl", "negative-metadata-ttl", "max-cache-size", "cache-block-size",
    "cache-xz", "user-agent-prefix", "sse", "sse-kms-key-id", "upload-checksums", "bind",
})
# What mounting needs in IAM (mountpoint-s3 doc/CONFIGURATION.md "IAM permissions"): s3:ListBucket (scoped to a
# prefix with the s3:prefix condition key), s3:GetObject to read; s3:PutObject and s3:AbortMultipartUpload to
# write; s3:DeleteObject with allow-delete; s3express:CreateSession on a directory bucket (the shared cache).
DIRECTORY_BUCKET_ACTION = "s3express:CreateSession"
# OTLP metrics, Mountpoint >= 1.19 / driver >= 2.2 (doc/METRICS.md, docs/METRICS.md): exported only when a PV sets
# `otlp-endpoint`; Prometheus converts names (`fuse.request_latency` -> fuse_request_latency_microseconds).
# Pushed only, delta temporality unless the process env says otherwise, histograms exponential
# (mountpoint-s3-fs/src/metrics_otel.rs); the env is not the volume's to set (driver v2.7.0
# pkg/driver/node/envprovider/provider.go userEnvAllowlist: HTTPS_PROXY, NO_PROXY). So nothing here is scraped:
# docs/datasets.md "Metrics and alerts".
MOUNTPOINT_METRICS = ("fuse.io_size", "fuse.request_errors", "fuse.request_latency", "s3.request_count",
                      "s3.request_errors", "s3.request_first_byte_latency", "experimental.fuse.cache_hit")

# --- Cloud Storage FUSE CSI driver (GKE add-on `GcsFuseCsiDriver`) ---
GCS_FUSE_CSI = DriverPin(
    name="GcsFuseCsiDriver",
    # GKE installs and upgrades the driver with the cluster; this is the release its facts were read at.
    version="v1.24.4",
    source="GoogleCloudPlatform/gcs-fuse-csi-driver@v1.24.4 (32396eba), pkg/csi_driver/utils.go, "
           "pkg/sidecar_mounter/sidecar_mounter_config.go, pkg/webhook/mutatingwebhook.go",
)
GCS_FUSE_CSI_DRIVER_NAME = "gcsfuse.csi.storage.gke.io"
# Its Makefile builds gcsfuse from GCSFUSE_TAG (default master); the flags below are the newest release's.
GCSFUSE = DriverPin(name="gcsfuse", version="v3.11.2",
                    source="GoogleCloudPlatform/gcsfuse@v3.11.2 (5b0a3558):cfg/params.yaml, deprecated params left out")
# utils.go "START/END of GCS Fuse Volume Attributes", plus the CSI-level bucketName.
GCS_FUSE_VOLUME_ATTRIBUTES = frozenset({
    "bucketName", "mountOptions", "fileCacheCapacity", "fileCacheForRangeRead", "metadataStatCacheCapacity",
    "metadataTypeCacheCapacity", "metadataCacheTTLSeconds", "gcsfuseLoggingSeverity", "skipCSIBucketAccessCheck",
    "hostNetworkPodKSA", "identityProvider", "disableMetrics", "identityPool", "multiNICIndex",
    "enableCloudProfilerForSidecar", "sharedMount",
})
# sidecar_mounter_config.go DisallowedFlags: refused when passed as mount options.
GCS_FUSE_DISALLOWED = frozenset({"log-file", "log-format", "o", "cache-dir", "temp-dir", "config-file", "foreground",
                                 "key-file", "token-url", "reuse-token-from-url", "prometheus-port",
                                 "kernel-params-file"})
# Where the driver serves every mount's gcsfuse metrics: its node pods (label `k8s-app: gcs-fuse-csi-driver`, host
# network) on :9920/metrics (deploy/base/node/node.yaml `--http-endpoint=:9920`; test/e2e/specs/specs.go
# GetCSIDriverNodePodIP and test/e2e/testsuites/metrics.go scrape exactly that, GKE-managed driver included).
GCS_FUSE_NODE_POD_LABELS = {"k8s-app": "gcs-fuse-csi-driver"}
GCS_FUSE_METRICS_PORT = 9920
# The pod annotation that turns the sidecar on (mutatingwebhook.go GcsFuseVolumeEnableAnnotation).
GCS_FUSE_POD_ANNOTATION = "gke-gcsfuse/volumes"
# The sidecar's cache volume a pod may bring itself (sidecar_spec.go SidecarContainerCacheVolumeName), e.g. an
# emptyDir with medium Memory for a memory file cache.
GCS_FUSE_CACHE_VOLUME = "gke-gcsfuse-cache"
GCSFUSE_CONFIG_PATHS = frozenset({
    'app-name', 'cache-dir', 'cloud-profiler:allocated-heap', 'cloud-profiler:cpu',
    'cloud-profiler:enabled', 'cloud-profiler:goroutines', 'cloud-profiler:heap', 'cloud-profiler:label',
    'cloud-profiler:mutex', 'cloud-profiler:service-name', 'debug:exit-on-invariant-violation',
    'debug:log-mutex', 'disable-autoconfig', 'dummy-io:enable', 'dummy-io:per-mb-latency',
    'dummy-io:reader-latency', 'enable-atomic-rename-object', 'enable-google-lib-auth', 'enable-hns',
    'enable-new-reader', 'enable-standard-symlinks', 'enable-type-cache-deprecation',
    'enable-unsupported-path-support', 'file-cache:cache-file-for-range-read',
    'file-cache:download-chunk-size-mb', 'file-cache:enable-crc',
    'file-cache:enable-experimental-shared-chunk-cache', 'file-cache:enable-o-direct',
    'file-cache:enable-parallel-downloads', 'file-cache:exclude-regex',
    'file-cache:experimental-disable-size-calculation-fix', 'file-cache:experimental-enable-chunk-cache',
    'file-cache:experimental-parallel-downloads-default-on', 'file-cache:include-regex',
    'file-cache:max-parallel-downloads', 'file-cache:max-size-mb', 'file-cache:parallel-downloads-per-file',
    'file-cache:shared-cache-chunk-size-mb', 'file-cache:write-buffer-size',
    'file-system:congestion-threshold', 'file-system:dir-mode', 'file-system:disable-parallel-dirops',
    'file-system:enable-kernel-reader', 'file-system:experimental-enable-dentry-cache',
    'file-system:experimental-enable-pirlo', 'file-system:experimental-enable-readdirplus',
    'file-system:experimental-o-direct', 'file-system:file-mode', 'file-system:fuse-max-request-size-kb',
    'file-system:fuse-options', 'file-system:gid', 'file-system:ignore-interrupts',
    'file-system:inactive-mrd-cache-size', 'file-system:kernel-list-cache-ttl-secs',
    'file-system:kernel-params-file', 'file-system:max-background', 'file-system:max-read-ahead-kb',
    'file-system:rename-dir-limit', 'file-system:temp-dir', 'file-system:uid', 'foreground',
    'gcs-auth:anonymous-access', 'gcs-auth:key-file', 'gcs-auth:reuse-token-from-url', 'gcs-auth:token-url',
    'gcs-connection:billing-project', 'gcs-connection:client-protocol', 'gcs-connection:custom-endpoint',
    'gcs-connection:enable-http-dns-cache', 'gcs-connection:experimental-local-socket-address',
    'gcs-connection:grpc-path-strategy', 'gcs-connection:http-client-timeout',
    'gcs-connection:limit-bytes-per-sec', 'gcs-connection:limit-ops-per-sec',
    'gcs-connection:max-conns-per-host', 'gcs-connection:max-idle-conns-per-host',
    'gcs-connection:sequential-read-size-mb', 'gcs-retries:chunk-retry-deadline-secs',
    'gcs-retries:chunk-transfer-timeout-secs', 'gcs-retries:enable-mount-retries',
    'gcs-retries:experimental-nonrapid-folder-api-stall-retry', 'gcs-retries:max-retry-attempts',
    'gcs-retries:max-retry-sleep', 'gcs-retries:multiplier', 'gcs-retries:read-stall:enable',
    'gcs-retries:read-stall:initial-req-timeout', 'gcs-retries:read-stall:max-req-timeout',
    'gcs-retries:read-stall:min-req-timeout', 'gcs-retries:read-stall:req-increase-rate',
    'gcs-retries:read-stall:req-target-percentile', 'implicit-dirs', 'list:enable-empty-managed-folders',
    'logging:file-path', 'logging:format', 'logging:log-rotate:backup-file-count',
    'logging:log-rotate:compress', 'logging:log-rotate:max-file-size-mb', 'logging:severity',
    'logging:wire-log', 'machine-type', 'metadata-cache:enable-metadata-prefetch',
    'metadata-cache:enable-nonexistent-type-cache',
    'metadata-cache:experimental-enable-optimized-metadata-cache',
    'metadata-cache:metadata-prefetch-entries-limit', 'metadata-cache:metadata-prefetch-max-workers',
    'metadata-cache:negative-ttl-secs', 'metadata-cache:stat-cache-max-size-mb', 'metadata-cache:ttl-secs',
    'metadata-cache:type-cache-max-size-mb', 'metrics:buffer-size',
    'metrics:cloud-metrics-export-interval-secs', 'metrics:experimental-enable-grpc-metrics',
    'metrics:prometheus-port', 'metrics:use-new-names', 'metrics:workers', 'mrd:pool-size', 'only-dir',
    'profile', 'read:block-size-mb', 'read:enable-buffered-read', 'read:global-max-blocks',
    'read:inactive-stream-timeout', 'read:max-blocks-per-handle', 'read:min-blocks-per-handle',
    'read:random-seek-threshold', 'read:start-blocks-per-handle', 'trace:exporters', 'trace:project-id',
    'trace:sampling-ratio', 'workload-insight:forward-merge-threshold-mb', 'workload-insight:output-file',
    'workload-insight:visualize', 'write:block-size-mb', 'write:create-empty-file',
    'write:enable-rapid-appends', 'write:enable-rapid-writes', 'write:enable-streaming-writes',
    'write:finalize-file-for-rapid', 'write:global-max-blocks', 'write:max-blocks-per-file',
})
GCSFUSE_FLAGS = frozenset({
    'anonymous-access', 'billing-project', 'chunk-retry-deadline-secs', 'chunk-transfer-timeout-secs',
    'client-protocol', 'cloud-metrics-export-interval-secs', 'cloud-profiler-allocated-heap',
    'cloud-profiler-cpu', 'cloud-profiler-goroutines', 'cloud-profiler-heap', 'cloud-profiler-label',
    'cloud-profiler-mutex', 'cloud-profiler-service-name', 'congestion-threshold', 'create-empty-file',
    'custom-endpoint', 'debug_invariants', 'debug_mutex', 'dir-mode', 'disable-parallel-dirops',
    'dummy-io-per-mb-latency', 'dummy-io-reader-latency', 'enable-buffered-read', 'enable-cloud-profiler',
    'enable-dummy-io', 'enable-empty-managed-folders', 'enable-experimental-shared-chunk-cache',
    'enable-http-dns-cache', 'enable-kernel-reader', 'enable-metadata-prefetch', 'enable-mount-retries',
    'enable-nonexistent-type-cache', 'enable-rapid-appends', 'enable-rapid-writes',
    'enable-read-stall-retry', 'enable-streaming-writes', 'experimental-enable-dentry-cache',
    'experimental-enable-grpc-metrics', 'experimental-enable-optimized-metadata-cache',
    'experimental-enable-pirlo', 'experimental-enable-readdirplus', 'experimental-local-socket-address',
    'experimental-nonrapid-folder-api-stall-retry', 'experimental-o-direct',
    'file-cache-cache-file-for-range-read', 'file-cache-download-chunk-size-mb', 'file-cache-enable-crc',
    'file-cache-enable-o-direct', 'file-cache-enable-parallel-downloads', 'file-cache-exclude-regex',
    'file-cache-experimental-disable-size-calculation-fix', 'file-cache-experimental-enable-chunk-cache',
    'file-cache-experimental-parallel-downloads-default-on', 'file-cache-include-regex',
    'file-cache-max-parallel-downloads', 'file-cache-max-size-mb', 'file-cache-parallel-downloads-per-file',
    'file-cache-shared-cache-chunk-size-mb', 'file-cache-write-buffer-size', 'file-mode',
    'finalize-file-for-rapid', 'fuse-max-request-size-kb', 'gid', 'grpc-path-strategy',
    'http-client-timeout', 'ignore-interrupts', 'inactive-mrd-cache-size', 'kernel-list-cache-ttl-secs',
    'kernel-params-file', 'key-file', 'limit-bytes-per-sec', 'limit-ops-per-sec', 'log-file', 'log-format',
    'log-rotate-backup-file-count', 'log-rotate-compress', 'log-rotate-max-file-size-mb', 'log-severity',
    'max-background', 'max-conns-per-host', 'max-idle-conns-per-host', 'max-read-ahead-kb',
    'max-retry-attempts', 'max-retry-sleep', 'metadata-cache-negative-ttl-secs', 'metadata-cache-ttl-secs',
    'metadata-prefetch-entries-limit', 'metadata-prefetch-max-workers', 'metrics-buffer-size',
    'metrics-use-new-names', 'metrics-workers', 'mrd-pool-size', 'o', 'prometheus-port',
    'read-block-size-mb', 'read-global-max-blocks', 'read-inactive-stream-timeout',
    'read-max-blocks-per-handle', 'read-min-blocks-per-handle', 'read-random-seek-threshold',
    'read-stall-initial-req-timeout', 'read-stall-max-req-timeout', 'read-stall-min-req-timeout',
    'read-stall-req-increase-rate', 'read-stall-req-target-percentile', 'read-start-blocks-per-handle',
    'rename-dir-limit', 'retry-multiplier', 'reuse-token-from-url', 'sequential-read-size-mb',
    'stat-cache-max-size-mb', 'temp-dir', 'token-url', 'trace-exporters', 'trace-project-id',
    'trace-sampling-ratio', 'type-cache-max-size-mb', 'uid', 'visualize-workload-insight', 'wire-log',
    'workload-insight-forward-merge-threshold-mb', 'workload-insight-output-file', 'write-block-size-mb',
    'write-global-max-blocks', 'write-max-blocks-per-file',
})


def mountpoint_addon_version(kubernetes_version: str) -> str | None:
    """The recorded `aws-mountpoint-s3-csi-driver` add-on build for a cluster's Kubernetes minor, if one is recorded."""
    return MOUNTPOINT_CSI_ADDON_BUILDS.get(kubernetes_version)


def _mountpoint_flag(option: str) -> str:
    # args.go ParseArgs: `key value` or `key=value`, whichever separator comes first; `--` is optional.
    key = option.strip().replace("=", " ", 1).split(" ", 1)[0]
    return key.removeprefix("--")


def _gcsfuse_option(option: str) -> str:
    # sidecar_mounter_config.go: `a:b:value` (no `=`) is a config-file option, anything else `flag[=value]`.
    if "=" not in option and ":" in option:
        return option.rsplit(":", 1)[0]
    return option.split("=", 1)[0]


def unknown_mountpoint_options(mount_options: Iterable[str], volume_attributes: Iterable[str]) -> list[str]:
    """The mountOptions flags and volumeAttributes keys of an S3 volume that the pinned driver does not read."""
    flags = [f"mountOptions '{o}'" for o in mount_options if _mountpoint_flag(o) not in MOUNTPOINT_FLAGS]
    attrs = [f"volumeAttributes '{a}'" for a in volume_attributes if a not in MOUNTPOINT_VOLUME_ATTRIBUTES]
    return flags + attrs


def unknown_gcs_fuse_options(mount_options: Iterable[str], volume_attributes: Iterable[str]) -> list[str]:
    """The mountOptions and volumeAttributes keys of a GCS volume that the pinned driver and gcsfuse do not read."""
    problems = []
    for option in mount_options:
        key = _gcsfuse_option(option)
        if key in GCS_FUSE_DISALLOWED or (key not in GCSFUSE_CONFIG_PATHS and key not in GCSFUSE_FLAGS):
            problems.append(f"mountOptions '{option}'")
    problems += [f"volumeAttributes '{a}'" for a in volume_attributes if a not in GCS_FUSE_VOLUME_ATTRIBUTES]
    return problems
