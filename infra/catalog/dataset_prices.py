"""Prices of moving and caching datasets, each with its source and how sure it is.

Read 2026-12-07. The provider pages themselves were not reachable from the machine this was written on, so
the rates marked "estimate" come from third-party summaries of them (named in `source`); the S3 Express
storage rate is from AWS's own S3 FAQ billing example. Anywhere Cache and GCS inter-region rates were not
found at a source at all: the estimate lists those lines as unpriced instead of counting them as zero.
"""

from __future__ import annotations

from infra.catalog.network_prices import NetRate

READ_ON = "2026-12-07"
# S3 -> internet (Storage Transfer Service reads S3 over the internet): first 10 TB a month, us-east-1.
AWS_EGRESS_INTERNET = NetRate(0.09, "GB", "AWS data transfer out to the internet, first 10 TB/month, as "
                              "summarised at wring.co/blog/aws-data-transfer-pricing-guide (2026)", "estimate", READ_ON)
# Between AWS regions (a cluster reading an S3 bucket in another region).
AWS_INTER_REGION = NetRate(0.02, "GB", "AWS data transfer between regions, as summarised at "
                           "wring.co/blog/aws-data-transfer-pricing-guide (2026)", "estimate", READ_ON)
# S3 Express One Zone storage, us-east-1: "10 GB-Month x $0.11" in the S3 FAQ's billing example.
S3_EXPRESS_STORAGE = NetRate(0.11, "GB-month", "https://aws.amazon.com/s3/faqs/ (S3 Express One Zone billing "
                             "example, US East (N. Virginia))", "list", READ_ON)
# Storage Transfer Service itself: agentless transfers from S3 carry no Storage Transfer fee unless the
# Google-managed private network is used (pulumi-gcp 10.2.0 `managed_private_network`, not set here).
NOT_PRICED = {
    "gcp:storage/anywhereCache:AnywhereCache": "Anywhere Cache storage, ingest and data-transfer prices not "
                                               "read at cloud.google.com/storage/pricing yet",
    "gcs-inter-region": "GCS reads across regions: network price not read at cloud.google.com/storage/pricing yet",
}
