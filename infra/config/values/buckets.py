"""Names of existing buckets a stack reads but does not make (`datasets.*.home` with `external: true`).

A name the cloud would never have given a bucket names no bucket: the mount and the grants would fail at
`pulumi up` or at the first read. The stack's own bucket names are checked where they are made
(infra/config/rules/physical.py, with the same sources); these are the rules an existing name must meet too.

Sources, read 2026-12-07:
- S3: "Bucket names must be a series of one or more labels. Adjacent labels are separated by a single period
  (.). ... Each label must start and end with a lowercase letter or a number", "Bucket names must not be
  formatted as an IP address (e.g., 192.168.5.4)" (Amazon S3 bucket naming rules as quoted at
  https://stackoverflow.com/questions/6996795; current page https://docs.aws.amazon.com/AmazonS3/latest/
  userguide/bucketnamingrules.html), and the reserved prefixes and suffixes in rules/physical.py (`--x-s3`
  ends a directory bucket, an S3 Express One Zone cache, not a dataset's home).
- GCS: "Bucket names cannot be represented as an IP address in dotted-decimal notation", "cannot begin with
  the "goog" prefix", "cannot contain "google" or close misspellings"
  (https://cloud.google.com/storage/docs/naming-buckets).
"""

from __future__ import annotations

import ipaddress

from infra.catalog.accelerators import Cloud
from infra.config.rules.physical import _LOOKALIKES, S3_RESERVED_PREFIXES, S3_RESERVED_SUFFIXES


def external_bucket_problem(name: str, cloud: Cloud) -> str | None:
    """Why no existing bucket of `cloud` can be called `name`, or None (the model's pattern ran first)."""
    try:
        ipaddress.IPv4Address(name)
        return f"a bucket name cannot be an IP address (got {name!r})"
    except ValueError:
        pass
    if cloud == Cloud.AWS:
        if any(not label or label[0] == "-" or label[-1] == "-" for label in name.split(".")):
            return (f"S3 bucket names are labels joined by single dots, each starting and ending with a letter or "
                    f"digit (got {name!r})")
        prefix = next((p for p in S3_RESERVED_PREFIXES if name.startswith(p)), None)
        suffix = next((s for s in S3_RESERVED_SUFFIXES if name.endswith(s)), None)
        if prefix or suffix:
            form = f"starting with {prefix!r}" if prefix else f"ending in {suffix!r}"
            return (f"S3 reserves bucket names {form}, so no general purpose bucket is called {name!r}; name the "
                    "bucket the data is in")
        return None
    if name.startswith("goog"):
        return f"GCS refuses bucket names starting with 'goog', so no bucket is called {name!r}"
    if "google" in name.translate(_LOOKALIKES):
        return f"GCS refuses bucket names containing 'google' or a close misspelling, so no bucket is called {name!r}"
    return None
