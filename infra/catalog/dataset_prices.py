"""What moving and caching datasets costs: the price families the dataset lines read, and what has no price.

The prices themselves are rows of the price snapshot (infra/catalog/prices.json), each with its source, date and
basis, looked up for the region that sends (egress, inter-region reads) or stores (the S3 Express cache) the data:
- `aws:transfer/internet-egress`: S3 -> internet (Storage Transfer Service reads S3 over the internet);
- `aws:transfer/inter-region`: a cluster reading an S3 bucket in another region, billed at the bucket's region;
- `aws:s3express/storage`: the S3 Express One Zone cache, per GB-month.
Anywhere Cache and GCS inter-region rates were not found at a source at all (read 2026-12-07): the estimate
lists those lines as unpriced instead of counting them as zero.
"""

from __future__ import annotations

INTERNET_EGRESS = "aws:transfer/internet-egress"
INTER_REGION = "aws:transfer/inter-region"
S3_EXPRESS_STORAGE = "aws:s3express/storage"
# Storage Transfer Service itself: agentless transfers from S3 carry no Storage Transfer fee unless the
# Google-managed private network is used (pulumi-gcp 10.2.0 `managed_private_network`, not set here).
NOT_PRICED = {
    "gcp:storage/anywhereCache:AnywhereCache": "Anywhere Cache storage, ingest and data-transfer prices not "
                                               "read at cloud.google.com/storage/pricing yet",
    "gcs-inter-region": "GCS reads across regions: network price not read at cloud.google.com/storage/pricing yet",
}
