"""Cross-field config rules that only concern Google Cloud resources."""

from __future__ import annotations

from collections.abc import Iterator

from infra.catalog import Cloud
from infra.config_models import StackConfig


def gcp_problems(config: StackConfig) -> Iterator[tuple[str, str]]:
    """Every Google Cloud-specific problem in the stack config, with its path."""
    # GKE and GCS components are not built yet; refusing beats silently creating nothing.
    for name, cluster in config.clusters.items():
        if cluster.cloud == Cloud.GCP:
            yield f"clusters.{name}.cloud", "gcp clusters are not supported yet; use aws"
    for name, bucket in config.buckets.items():
        if bucket.cloud == Cloud.GCP:
            yield f"buckets.{name}.cloud", "gcp buckets are not supported yet; use aws"
