"""Kubernetes minor versions each managed service creates clusters at, as of the date read.

A version outside this table is refused when planning, whatever the charts say: the cloud would reject
the cluster at `pulumi up`. Re-read the sources and move these when a version is released or retired.

Sources, read 2026-11-29:
- EKS: a minor is in standard support for 14 months, then extended support for 12
  (https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html); release and support dates
  from https://endoflife.date/amazon-eks: 1.35 (released 2026-01-28, extended support to 2028-03-27),
  1.34 (to 2027-12-02), 1.33 (to 2027-07-29), 1.32 (to 2027-03-23); 1.31's extended support ended
  2026-11-26. 1.36 is not in the table read; add it with its source once read.
- GKE: each minor is supported 14 months after reaching the Regular channel
  (https://cloud.google.com/kubernetes-engine/versioning); end of life from
  https://endoflife.date/api/v1/products/google-kubernetes-engine: 1.35 to 2027-04-11, while 1.34's ended
  2026-10-01 and 1.33's 2026-08-03. 1.36 is not in the data read; add it with its source once read.
"""

from __future__ import annotations

from infra.catalog.accelerators import Cloud
from infra.catalog.charts import minors

CLOUD_KUBERNETES_VERSIONS: dict[Cloud, tuple[str, ...]] = {
    Cloud.AWS: minors("1.32", "1.35"),
    Cloud.GCP: ("1.35",),
}
