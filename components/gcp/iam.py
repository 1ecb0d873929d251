"""IAM names and roles for GKE and GCS, built locally so a plan never waits on an invoke."""

from __future__ import annotations

import hashlib
import re

import pulumi

# What nodes need to ship logs and metrics and pull images; nothing more. Never the default
# compute account, which has Editor on the whole project.
NODE_ROLES = (
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/artifactregistry.reader",
)
KMS_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
# Cloud Storage writes usage logs as this group, which needs object create on the log bucket
# (Cloud Storage docs, "Usage logs & storage logs", cloud.google.com/storage/docs/access-logs,
# delivery setup, read 2026-11-29). Without the grant no log is ever delivered.
USAGE_LOG_WRITER = "group:cloud-storage-analytics@google.com"
USAGE_LOG_WRITER_ROLE = "roles/storage.objectCreator"
BUCKET_ROLES = {"read": "roles/storage.objectViewer", "read-write": "roles/storage.objectUser"}
# Access on nodes is governed by IAM on the service account; the scope is kept wide as Google advises.
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"


# Service account ids: "unique within a project, must be 6-30 characters long, and match the regular
# expression [a-z]([-a-z0-9]*[a-z0-9])". Source: CreateServiceAccountRequest.account_id,
# https://docs.cloud.google.com/python/docs/reference/iam/latest/google.cloud.iam_admin_v1.types.CreateServiceAccountRequest
# (read 2026-11-29).
SERVICE_ACCOUNT_ID_MAX = 30
SERVICE_ACCOUNT_ID_MIN = 6


def service_account_id(base: str, role: str) -> str:
    """A service account id (6-30 chars of [a-z0-9-], starting with a letter) for `base` and `role`.

    An id that fits is `<base>-<role>`. A longer one keeps a readable head and adds a hash of the
    whole base: cutting alone would give `sandbox-alice-longname-x` and `...-y` one account.
    """
    clean = re.sub(r"[^a-z0-9-]", "-", base.lower()).strip("-")
    if not clean[:1].isalpha():
        clean = f"sa{clean}"
    suffix = f"-{role}"
    account = f"{clean}{suffix}"
    if len(account) > SERVICE_ACCOUNT_ID_MAX:
        digest = hashlib.sha1(f"{base}/{role}".encode()).hexdigest()[:6]
        head = clean[: SERVICE_ACCOUNT_ID_MAX - len(suffix) - len(digest) - 1].rstrip("-")
        account = f"{head}-{digest}{suffix}"
    return account.ljust(SERVICE_ACCOUNT_ID_MIN, "0")


def node_service_account_id(name_prefix: str, stack: str) -> str:
    """The id of the node service account the bootstrap creates for one platform stack."""
    return service_account_id(f"{name_prefix}-{stack}", "nodes")


def gke_service_agent(project_number: pulumi.Input[str]) -> pulumi.Output[str]:
    """The GKE service agent, which must be able to use the secrets-encryption key."""
    return pulumi.Output.concat("serviceAccount:service-", project_number,
                                "@container-engine-robot.iam.gserviceaccount.com")


def gcs_service_agent(project_number: pulumi.Input[str]) -> pulumi.Output[str]:
    """The Cloud Storage service agent, which must be able to use a bucket's CMEK key."""
    return pulumi.Output.concat("serviceAccount:service-", project_number,
                                "@gs-project-accounts.iam.gserviceaccount.com")


def compute_service_agent(project_number: pulumi.Input[str]) -> pulumi.Output[str]:
    """The Compute Engine service agent, which encrypts node boot disks with a CMEK key.

    GKE docs, "Use customer-managed encryption keys (CMEK)"
    (cloud.google.com/kubernetes-engine/docs/how-to/using-cmek, read 2026-11-29): the agent
    `service-<project number>@compute-system.iam.gserviceaccount.com` needs
    `roles/cloudkms.cryptoKeyEncrypterDecrypter` on the boot disk key.
    """
    return pulumi.Output.concat("serviceAccount:service-", project_number,
                                "@compute-system.iam.gserviceaccount.com")


def workload_principal(project: str, project_number: pulumi.Input[str], namespace: str,
                       service_account: str) -> pulumi.Output[str]:
    """The Workload Identity principal of one Kubernetes service account (no Google account needed)."""
    return pulumi.Output.concat(
        "principal://iam.googleapis.com/projects/", project_number,
        f"/locations/global/workloadIdentityPools/{project}.svc.id.goog/subject/ns/{namespace}/sa/{service_account}")


def rotation_period(days: int) -> str:
    """A KMS rotation period in the seconds form the API expects."""
    if days < 1:
        raise ValueError(f"rotation must be at least one day (got {days})")
    return f"{days * 86400}s"
