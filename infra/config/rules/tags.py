"""Tags the clouds would refuse or silently change: reserved keys, lengths, characters, GCP label form.

Every resource carries `tags` (owner, cost-center and `extra`) as AWS tags, and on GCP as labels
(components.tags.gcp_labels lowercases them, replaces other characters and cuts them at 63).

Sources, read 2026-11-29:
- AWS tags: key at most 128 and value at most 256 Unicode characters; "Generally allowed characters are
  letters, numbers, spaces representable in UTF-8, and the following characters: + - = . _ : / @";
  "Don't use aws:, AWS:, or any upper or lowercase combination of such as a prefix for either keys or
  values, as it is reserved", https://docs.aws.amazon.com/batch/latest/userguide/tag-restrictions.html
  (the same text in the ECS Tag API reference).
- GCP labels: keys and values at most 63 characters of lowercase letters, numeric characters,
  underscores and dashes (international characters allowed); keys start with a lowercase letter or an
  international character, https://cloud.google.com/kms/docs/labeling-keys ("Label requirements").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from infra.catalog.accelerators import Cloud
from infra.config.stack import StackConfig
from infra.config.values.text import non_ascii_problem

Problem = tuple[str, str]
AWS_KEY_MAX, AWS_VALUE_MAX, GCP_LABEL_MAX = 128, 256, 63
# The set every AWS service that supports tags accepts: ASCII letters, digits, space and + - = . _ : / @
# (infra/config/values/labels.py has the source). `\w` and `\s` let through a zero-width space's neighbours,
# Cyrillic look-alikes, tabs and newlines.
_AWS_ALLOWED = re.compile(r"^[A-Za-z0-9 +\-=._:/@]*$")


def gcp_label(text: str) -> str:
    """A tag key or value as the label components.tags.gcp_labels makes of it (config sits below components,
    so it cannot import it; tests/infra/config/test_validate_rules.py keeps the two equal)."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text.lower())[:GCP_LABEL_MAX]


def tag_problems(config: StackConfig) -> Iterator[Problem]:
    """Problems with the stack's tags on each cloud it uses."""
    clouds = {c.cloud for c in config.clusters.values()} | {b.cloud for b in config.buckets.values()}
    tags = {"owner": config.tags.owner, "cost-center": config.tags.cost_center, **config.tags.extra}
    paths = {"owner": "tags.owner", "cost-center": "tags.cost-center"}
    for key, value in tags.items():
        path = paths.get(key, f"tags.extra.{key}")
        unsafe = non_ascii_problem(key) or non_ascii_problem(value)
        if unsafe:  # before either cloud's rule: GCP would silently rewrite it, AWS refuse it
            yield path, f"tags become AWS tags and GCP labels: {unsafe}"
            continue
        if Cloud.AWS in clouds:
            yield from _aws_tag(path, key, value)
        if Cloud.GCP in clouds:
            yield from _gcp_label(path, key, value)
    if Cloud.GCP in clouds:
        yield from _label_collisions(tags, paths)


def _aws_tag(path: str, key: str, value: str) -> Iterator[Problem]:
    if key.lower().startswith("aws:") or value.lower().startswith("aws:"):
        yield path, "AWS reserves the 'aws:' prefix for its own tags, in keys and values; remove it"
    if not 1 <= len(key) <= AWS_KEY_MAX:
        yield path, f"an AWS tag key has 1 to {AWS_KEY_MAX} characters (got {len(key)})"
    if len(value) > AWS_VALUE_MAX:
        yield path, f"an AWS tag value has at most {AWS_VALUE_MAX} characters (got {len(value)})"
    for text in (key, value):
        if not _AWS_ALLOWED.match(text):
            bad = "".join(sorted({c for c in text if not _AWS_ALLOWED.match(c)}))
            yield (path, f"AWS tags allow letters, digits, spaces and + - = . _ : / @ only; remove {bad!r}")
            break


def _gcp_label(path: str, key: str, value: str) -> Iterator[Problem]:
    label_key = gcp_label(key)
    if not label_key[:1].isalpha():
        yield path, f"on GCP this tag becomes the label key '{label_key}', which must start with a letter"
    for text, what in ((key, "key"), (value, "value")):
        if len(text) > GCP_LABEL_MAX:
            yield (path, f"on GCP tags become labels, whose {what} has at most {GCP_LABEL_MAX} characters; it "
                   f"would be cut to '{gcp_label(text)}' (got {len(text)})")


def _label_collisions(tags: dict[str, str], paths: dict[str, str]) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    for key in tags:
        label = gcp_label(key)
        if label in seen:
            yield (paths.get(key, f"tags.extra.{key}"),
                   f"on GCP both '{seen[label]}' and '{key}' become the label '{label}', so one would be lost; "
                   "rename one of them")
        seen.setdefault(label, key)
