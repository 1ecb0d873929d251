"""Settings of one cloud given to a resource on another: refused, since they would do nothing."""

from __future__ import annotations

from collections.abc import Iterator

from infra.config.stack import BucketConfig, ClusterConfig

Problem = tuple[str, str]


def other_cloud_cluster_keys(path: str, cluster: ClusterConfig, key: str) -> Iterator[Problem]:
    """`key` ("aws" or "gcp") set on a cluster, or on its pools, that runs on another cloud."""
    cloud = cluster.cloud.value
    if key in cluster.model_fields_set:
        yield f"{path}.{key}", f"only applies to {key} clusters; remove it or set cloud: {key} (got {cloud})"
    for pool_name, pool in cluster.gpu_pools.items():
        if key in pool.model_fields_set:
            yield (f"{path}.gpu_pools.{pool_name}.{key}",
                   f"only applies to pools of {key} clusters; remove it (the cluster is on {cloud})")


def other_cloud_bucket_keys(path: str, bucket: BucketConfig, key: str) -> Iterator[Problem]:
    """`key` ("aws" or "gcp") set on a bucket that lives on another cloud."""
    if key in bucket.model_fields_set:
        yield (f"{path}.{key}",
               f"only applies to {key} buckets; remove it or set cloud: {key} (got {bucket.cloud.value})")
