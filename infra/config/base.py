"""What every config model shares: the strict base model, the name shapes and bucket access levels.

Its own module because `stack` imports each area's models (aws, gcp, ...), so those cannot
import their base back from `stack` without a cycle.
"""

from __future__ import annotations

import types
import typing
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

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
    """Base for config models: unknown keys are errors, values are immutable once loaded, and no value changes
    kind on the way in (pydantic's lax mode would read `size_gib: true` as 1 and `efa: "yes"` as true)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_kind_changes(cls, value: Any, info: ValidationInfo) -> Any:
        kinds = _plain_kinds(cls.model_fields[info.field_name].annotation) if info.field_name else set()
        if isinstance(value, bool) and kinds and kinds <= {int, float}:
            raise PydanticCustomError("number_not_bool", "must be a number, not true or false")
        # Under `pulumi` a top-level boolean arrives as the text "true" or "false"; nothing else reads as one.
        if kinds == {bool} and isinstance(value, str) and value.lower() not in ("true", "false"):
            raise PydanticCustomError("bool_text", "must be true or false")
        return value


def _plain_kinds(annotation: Any) -> set[type]:
    """The scalar types a field's annotation allows (`int | None` -> {int}); empty when it allows anything else."""
    if typing.get_origin(annotation) is Annotated:
        return _plain_kinds(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kinds: set[type] = set()
        for arg in typing.get_args(annotation):
            if arg is type(None):
                continue
            inner = _plain_kinds(arg)
            if not inner:
                return set()
            kinds |= inner
        return kinds
    return {annotation} if annotation in (int, float, bool) else set()


class BucketAccess(StrEnum):
    """What a workload (or a CI job) may do with a bucket's objects, on either cloud."""

    READ = "read"
    READ_WRITE = "read-write"
