"""What every config model shares: the strict base model, the name shapes and bucket access levels.

Its own module because `stack` imports each area's models (aws, gcp, ...), so those cannot
import their base back from `stack` without a cycle.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

# Names become parts of cloud resource names, so they are short DNS labels.
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,23}$")]
# Upper bounds where the cloud has no single published limit: far above anything this platform plans,
# low enough that a typo (1e30) is an error here instead of an API rejection or an absurd cost estimate.
MAX_NODES = 1000  # nodes (or runners) in one pool or scale set
MAX_DAYS = 36500  # lifecycle ages: a hundred years
MAX_BUDGET_PER_HOUR = 1_000_000.0  # dollars
# Kubernetes object names (namespaces, services, service accounts) are DNS labels of up to 63 characters.
KubeName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]


class Model(BaseModel):
    """Base for config models: unknown keys are errors, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class BucketAccess(StrEnum):
    """What a workload (or a CI job) may do with a bucket's objects, on either cloud."""

    READ = "read"
    READ_WRITE = "read-write"
