"""Per-resource tag and label counts, checked on the plan: what each resource would carry, as the cloud counts it.

mlinfra adds its own tags (environment, owner, stack, managed-by, Name, the autoscaler's node-template tags, one
per node label) to the stack's `tags.extra` and a GPU pool's `labels`, so only the planned resource knows its
real count. AWS allows 50 user tags per resource, keys starting with `aws:` not counted; GCP allows 64 labels
(sources in infra/config/values/labels.py). A resource past either is refused by the cloud at apply, so the
plan ends with exit 2, naming the resource and what to remove.
"""

from __future__ import annotations

from typing import Any

from infra.config.values.labels import AWS_MAX_TAGS, GCP_MAX_LABELS

# Input paths (camelCase, as in the plan document) that hold a resource's own tags or labels.
AWS_TAG_INPUTS = (("tags",),)
GCP_LABEL_INPUTS = (("labels",), ("resourceLabels",), ("nodeConfig", "resourceLabels"))
FIX = "remove entries from tags.extra (every resource carries them) or from the GPU pool's labels"


def _at(inputs: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = inputs
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def tag_count_problems(document: dict[str, Any]) -> list[str]:
    """One line per resource whose tags (AWS) or labels (GCP) exceed the cloud's per-resource limit."""
    problems = []
    for resource in document.get("resources", []):
        kind = str(resource.get("type", ""))
        inputs = resource.get("inputs") or {}
        if kind.startswith("aws:"):
            limits, limit, what = AWS_TAG_INPUTS, AWS_MAX_TAGS, "tags"
        elif kind.startswith("gcp:"):
            limits, limit, what = GCP_LABEL_INPUTS, GCP_MAX_LABELS, "labels"
        else:
            continue
        for path in limits:
            found = _at(inputs, path)
            if not isinstance(found, dict):
                continue
            count = sum(1 for key in found if not (what == "tags" and str(key).lower().startswith("aws:")))
            if count > limit:
                problems.append(f"{kind} '{resource.get('name')}' would carry {count} {what} in "
                                f"{'.'.join(path)}; the cloud allows {limit} per resource; {FIX}")
    return problems
