"""ArtifactRegistryRepository: a Docker repository for CI to push to, writable by named members only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.tags import gcp_labels

WRITER_ROLE = "roles/artifactregistry.writer"


def workload_identity_principal(project_number: str, project_id: str, namespace: str,
                                service_account: str) -> str:
    """IAM principal of a Kubernetes service account under GKE Workload Identity Federation.

    Granting to this principal directly needs no Google service account and no key.
    """
    return (f"principal://iam.googleapis.com/projects/{project_number}/locations/global/"
            f"workloadIdentityPools/{project_id}.svc.id.goog/subject/ns/{namespace}/sa/{service_account}")


@dataclass(frozen=True)
class ArtifactRegistryRepositoryArgs:
    """Inputs of ArtifactRegistryRepository."""

    project: str
    location: str
    repository_id: str
    # Who may push, keyed by a stable name (reordering never re-creates a binding).
    writers: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # A CMEK key; None uses Google-managed encryption.
    kms_key_name: pulumi.Input[str] | None = None
    protect: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)


class ArtifactRegistryRepository(pulumi.ComponentResource):
    """Docker repository with immutable tags and `artifactregistry.writer` on this repository only."""

    repository_id: pulumi.Output[str]

    def __init__(self, name: str, args: ArtifactRegistryRepositoryArgs,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:gcp:ArtifactRegistryRepository", name, None, opts)
        repository = gcp.artifactregistry.Repository(
            f"{name}-repo",
            project=args.project,
            location=args.location,
            repository_id=args.repository_id,
            format="DOCKER",
            docker_config={"immutable_tags": True},
            kms_key_name=args.kms_key_name,
            labels=gcp_labels(args.tags),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect))
        for key, member in args.writers.items():
            # Bound on the repository, never the project: the writer can push here and nowhere else.
            gcp.artifactregistry.RepositoryIamMember(
                f"{name}-writer-{key}",
                project=args.project,
                location=args.location,
                repository=repository.repository_id,
                role=WRITER_ROLE,
                member=member,
                opts=pulumi.ResourceOptions(parent=self))

        self.repository_id = repository.repository_id
        self.register_outputs({"repository_id": self.repository_id})
