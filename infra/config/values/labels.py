"""Tag and label rules of AWS, Google Cloud and Kubernetes, for one key and value at a time.

Sources, read 2026-12-07:
- AWS tags: at most 50 per resource; key 1-128 and value 0-256 characters; tags starting with `aws:` are
  reserved (https://docs.amazonaws.cn/en_us/batch/latest/userguide/tag-restrictions.md). "The standard set
  of characters available across AWS services that support tags": A-Z, a-z, 0-9, space, and _ . : / = + @ -
  (https://docs.aws.amazon.com/personalize/latest/dg/personalize-managing-tags.html); some services allow
  more, every service allows these, and mlinfra tags many services.
- GCP labels: "No more than 64 labels can be associated with a given resource"; keys 1-63 characters,
  values 0-63, of lowercase letters, digits, underscores and dashes, keys starting with a letter
  (https://pub.dev/documentation/pulumi_gcp/latest/parallelstore/Instance/labels.html, the API's field
  text). International characters are allowed by GCP and refused here (infra/config/values/text.py).
- Kubernetes labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-
  character-set): a key is an optional prefix, a DNS subdomain of at most 253 characters, and `/`, then a
  name of at most 63 characters, [A-Za-z0-9] at both ends with [-_.A-Za-z0-9] between; a value is empty
  or the same shape as a name. The kubernetes.io/ and k8s.io/ prefixes are reserved for Kubernetes core
  components.
"""

from __future__ import annotations

import re

from infra.config.values.text import non_ascii_problem

AWS_MAX_TAGS, AWS_KEY_MAX, AWS_VALUE_MAX = 50, 128, 256
GCP_MAX_LABELS, GCP_LABEL_MAX = 64, 63
K8S_NAME_MAX, K8S_PREFIX_MAX = 63, 253
_AWS_STANDARD = re.compile(r"[A-Za-z0-9 _.:/=+@-]*")
_GCP_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}")
_GCP_VALUE = re.compile(r"[a-z0-9_-]{0,63}")
_K8S_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
K8S_RESERVED_PREFIXES = ("kubernetes.io", "k8s.io")


def aws_tag_problem(key: str, value: str) -> str | None:
    """Why AWS would refuse (or a service would reject) the tag `key: value`, or None."""
    for text, what, low, high in ((key, "key", 1, AWS_KEY_MAX), (value, "value", 0, AWS_VALUE_MAX)):
        problem = non_ascii_problem(text)
        if problem:
            return f"AWS tag {what}: {problem}"
        if not low <= len(text) <= high:
            return f"an AWS tag {what} has {low} to {high} characters (got {len(text)})"
        if not _AWS_STANDARD.fullmatch(text):
            bad = "".join(sorted({c for c in text if not _AWS_STANDARD.fullmatch(c)}))
            return f"AWS tag {what}s allow letters, digits, spaces and _ . : / = + @ - only; remove {bad!r}"
        if text.lower().startswith("aws:"):
            return f"AWS reserves the 'aws:' prefix for its own tags, in keys and values; remove it from the {what}"
    return None


def gcp_label_problem(key: str, value: str) -> str | None:
    """Why Google Cloud would refuse the label `key: value` exactly as given, or None."""
    if not _GCP_KEY.fullmatch(key):
        return (f"a GCP label key is 1-{GCP_LABEL_MAX} lowercase letters, digits, _ or -, starting with a letter "
                f"(got {key!r})")
    if not _GCP_VALUE.fullmatch(value):
        return f"a GCP label value is 0-{GCP_LABEL_MAX} lowercase letters, digits, _ or - (got {value!r})"
    return None


def kubernetes_label_key_problem(key: str) -> str | None:
    """Why `key` is not a valid Kubernetes label key a user may set, or None."""
    problem = non_ascii_problem(key)
    if problem:
        return problem
    prefix, slash, name = key.rpartition("/")
    if slash:
        if not prefix or len(prefix) > K8S_PREFIX_MAX or not all(_DNS_LABEL.fullmatch(p) for p in prefix.split(".")):
            return (f"the prefix before '/' must be a DNS subdomain (lowercase labels joined by dots, at most "
                    f"{K8S_PREFIX_MAX} characters) (got {prefix!r})")
        if any(prefix == reserved or prefix.endswith("." + reserved) for reserved in K8S_RESERVED_PREFIXES):
            return f"the {prefix}/ prefix is reserved for Kubernetes core components; use your own domain"
    if not name or len(name) > K8S_NAME_MAX or not _K8S_NAME.fullmatch(name):
        return (f"a label name is 1-{K8S_NAME_MAX} characters of letters, digits, - _ . starting and ending with "
                f"a letter or digit (got {name!r})")
    return None


def kubernetes_label_value_problem(value: str) -> str | None:
    """Why `value` is not a valid Kubernetes label value, or None."""
    problem = non_ascii_problem(value)
    if problem:
        return problem
    if value and (len(value) > K8S_NAME_MAX or not _K8S_NAME.fullmatch(value)):
        return (f"a label value is empty or 1-{K8S_NAME_MAX} characters of letters, digits, - _ . starting and "
                f"ending with a letter or digit (got {value!r})")
    return None


def kubernetes_object_name_problem(name: str) -> str | None:
    """Why `name` cannot name a cluster-scoped Kubernetes object such as a StorageClass (a DNS subdomain:
    lowercase labels joined by dots, at most 253 characters; the same page as the label rules), or None."""
    if len(name) > K8S_PREFIX_MAX or not all(_DNS_LABEL.fullmatch(part) for part in name.split(".")):
        return (f"must be a DNS subdomain, lowercase letters, digits and '-' in labels joined by dots, at most "
                f"{K8S_PREFIX_MAX} characters (got {name!r})")
    return None
