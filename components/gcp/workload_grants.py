"""WorkloadGrants: bucket and existing-registry IAM for Workload Identity principals, each on one resource."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.gcp.artifact_registry import WRITER_ROLE
from components.gcp.iam import BUCKET_ROLES


@dataclass(frozen=True)
class ExistingRepository:
    """An Artifact Registry repository someone else created; only the push grant is added."""

    location: str
    repository_id: str


@dataclass(frozen=True)
class WorkloadGrantsArgs:
    """Inputs of WorkloadGrants."""

    project: str
    # IAM members keyed by a stable name (reordering never re-creates a binding).
    members: Mapping[str, pulumi.Input[str]]
    # Bucket key -> (bucket name, "read" | "read-write"); pass the bucket's name output so the
    # binding waits for the bucket.
    buckets: Mapping[str, tuple[pulumi.Input[str], str]] = field(default_factory=dict)
    registry: ExistingRepository | None = None


class WorkloadGrants(pulumi.ComponentResource):
    """Per member: a role on each named bucket and on one existing repository, never on the project."""

    def __init__(self, name: str, args: WorkloadGrantsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:gcp:WorkloadGrants", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        for member_key, member in args.members.items():
            for bucket_key, (bucket, access) in args.buckets.items():
                if access not in BUCKET_ROLES:
                    raise ValueError(f"access must be one of {tuple(BUCKET_ROLES)} (got {access!r})")
                gcp.storage.BucketIAMMember(f"{name}-{member_key}-{bucket_key}", bucket=bucket,
                                            role=BUCKET_ROLES[access], member=member, opts=child)
            if args.registry is not None:
                gcp.artifactregistry.RepositoryIamMember(
                    f"{name}-{member_key}-registry", project=args.project, location=args.registry.location,
                    repository=args.registry.repository_id, role=WRITER_ROLE, member=member, opts=child)
        self.register_outputs({})
