"""The stack name and the physical names made from it: valid characters, cloud length limits, reserved forms.

`mlinfra plan "Dev Copy"` must not get as far as a bucket named `acme-ml-Dev Copy-checkpoints`: every
cloud name the stack name ends up in is computed here from config (the same formulas compose uses) and
checked against the cloud's own limit, so the plan fails, not `pulumi up` halfway through.

Limits and reserved forms, each read 2026-11-29:
- S3 general purpose buckets: 3-63 characters; must not start with `xn--`, `sthree-`, `amzn-s3-demo-`;
  must not end with `-s3alias`, `--ol-s3`, `.mrap`,
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html ; `--x-s3` ends every
  directory bucket name, https://docs.aws.amazon.com/AmazonS3/latest/userguide/directory-bucket-naming-rules.html
- GCS buckets: 3-63 characters (no dots); "cannot begin with the goog prefix"; "cannot contain google or
  close misspellings, such as g00gle", https://cloud.google.com/storage/docs/naming-buckets
- EKS cluster names: "can't be longer than 100 characters", CreateClusterInput.name,
  https://docs.rs/aws-sdk-eks/latest/src/aws_sdk_eks/operation/create_cluster/_create_cluster_input.rs.html
- GKE cluster names: "must start with a lowercase letter followed by up to 40 lowercase letters, numbers,
  or hyphens" (the console's message, quoted in https://gitlab.com/gitlab-org/gitlab/-/work_items/22655);
  40 is taken as the limit, the stricter reading.
- Compute Engine names (networks, subnetworks, routers, NATs) and Cloud KMS key rings: 1-63 characters,
  `[a-z]([-a-z0-9]{0,61}[a-z0-9])?`, https://cloud.google.com/compute/docs/naming-resources#resource-name-format
  (quoted in hashicorp/terraform-provider-google@e911480:google/services/compute/resource_compute_instance.go).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from infra.catalog.accelerators import Cloud
from infra.config.stack import Environment, StackConfig

Problem = tuple[str, str]
STACK_PATH = "(stack name)"
SANDBOX_TEMPLATE = "sandbox"
# Stack names become parts of DNS-label-like cloud names (buckets, clusters, networks), which GCP wants
# to start with a letter and every cloud wants lowercase, without spaces or a trailing hyphen. Used with
# fullmatch: `$` would let a trailing newline through.
STACK_NAME = re.compile(r"[a-z]([a-z0-9-]*[a-z0-9])?")
S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3")
BUCKET_MAX, EKS_CLUSTER_MAX, GKE_CLUSTER_MAX, GCP_NAME_MAX = 63, 100, 40, 63
# "close misspellings" of google: digits that read as letters, folded before looking for the word.
_LOOKALIKES = str.maketrans({"0": "o", "1": "l", "3": "e", "9": "g", "6": "g"})


def is_sandbox_stack_name(stack: str) -> bool:
    """`sandbox` (the template) or `sandbox-<owner>-<name>` (infra/sandbox/spec.py stack_name)."""
    return stack == SANDBOX_TEMPLATE or stack.startswith(SANDBOX_TEMPLATE + "-")


def stack_name_problems(config: StackConfig, stack: str) -> Iterator[Problem]:
    """The stack name itself, then every physical name it makes that a cloud would refuse."""
    if not STACK_NAME.fullmatch(stack):
        yield (STACK_PATH, f"{stack!r} cannot be part of cloud resource names: use lowercase letters, digits "
               "and hyphens, starting with a letter and not ending with a hyphen, e.g. 'dev-copy'")
        return
    if is_sandbox_stack_name(stack) and config.environment != Environment.SANDBOX:
        # Its clusters would be named `sandbox-...`, which the sandbox reaper may strip autoscaler tags from
        # (components/aws/ci_teardown.py SANDBOX_CLUSTER_NAMES): a sandbox's name is a sandbox's alone.
        yield ("environment", f"a stack named {stack!r} is a sandbox's name, so its clusters are named "
               f"'{stack}-<key>', which the sandbox reaper may tear down: set `mlinfra:environment: sandbox` or "
               f"rename the stack (got environment {config.environment.value})")
    for path, what, name, limit in physical_names(config, stack):
        if len(name) > limit:
            yield (path, f"the {what} would be named '{name}', {len(name)} characters; the cloud allows "
                   f"{limit}: use a shorter stack name (got '{stack}', {len(stack)} characters) or key")
    yield from reserved_bucket_problems(config, stack)


def physical_names(config: StackConfig, stack: str) -> Iterator[tuple[str, str, str, int]]:
    """(config path, what, physical name, cloud limit) for the names built from the stack name."""
    for key, bucket in config.buckets.items():
        name = f"{config.name_prefix}-{stack}-{key}"
        path = f"buckets.{key}"
        if bucket.cloud == Cloud.AWS:
            yield path, "S3 bucket", name, BUCKET_MAX
            continue
        yield path, "GCS bucket", name, BUCKET_MAX
        if config.environment == Environment.PROD:
            yield path, "GCS access-log bucket", f"{name}-logs", BUCKET_MAX
        if bucket.gcp.encryption == "cmek" and bucket.gcp.kms_key is None:
            yield path, "Cloud KMS key ring", f"{name}-key", GCP_NAME_MAX
    region = config.gcp.region if config.gcp else ""
    for key, cluster in config.clusters.items():
        name = f"{stack}-{key}"
        path = f"clusters.{key}"
        if cluster.cloud == Cloud.AWS:
            yield path, "EKS cluster", name, EKS_CLUSTER_MAX
            continue
        yield path, "GKE cluster", name, GKE_CLUSTER_MAX
        if cluster.gcp.existing_network is None:
            yield path, "subnetwork", f"{name}-{region}", GCP_NAME_MAX
            yield path, "Cloud Router", f"{name}-router", GCP_NAME_MAX
        if cluster.gcp.kms_key is None:
            yield path, "Cloud KMS key ring", f"{name}-secrets", GCP_NAME_MAX


def reserved_bucket_problems(config: StackConfig, stack: str) -> Iterator[Problem]:
    """Bucket names in a form the cloud reserves, blamed on the part of the name that makes them so."""
    for key, bucket in config.buckets.items():
        name = f"{config.name_prefix}-{stack}-{key}"
        if bucket.cloud == Cloud.AWS:
            prefix = next((p for p in S3_RESERVED_PREFIXES if name.startswith(p)), None)
            if prefix:
                yield ("name_prefix", f"S3 reserves bucket names starting with '{prefix}', and bucket "
                       f"'{name}' would; choose another name_prefix (got '{config.name_prefix}')")
            suffix = next((s for s in S3_RESERVED_SUFFIXES if name.endswith(s)), None)
            if suffix:
                yield (f"buckets.{key}", f"S3 reserves bucket names ending in '{suffix}', and bucket "
                       f"'{name}' would; rename the bucket key")
            continue
        if name.startswith("goog"):
            yield ("name_prefix", f"GCS refuses bucket names starting with 'goog', and bucket '{name}' "
                   f"would; choose another name_prefix (got '{config.name_prefix}')")
        for part, value, path in (("name_prefix", config.name_prefix, "name_prefix"),
                                  ("stack name", stack, STACK_PATH), ("bucket key", key, f"buckets.{key}")):
            if "google" in value.translate(_LOOKALIKES):
                yield (path, f"GCS refuses bucket names containing 'google' or a close misspelling, and the "
                       f"{part} '{value}' puts one in bucket '{name}'; choose another {part}")
