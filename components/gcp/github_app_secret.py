"""GkeGithubAppSecret: an environment's GitHub App key as an empty GCP Secret Manager secret, readable only by
the secret-sync operator's Kubernetes service account in one project's clusters (GKE Workload Identity).

The secret is created without a version (nothing of the key in Pulumi config or state); an administrator adds
the PEM as its first version (docs/concepts/ci-runners.md). `roles/secretmanager.secretAccessor` is bound on
this secret only, to the Workload Identity principal of the operator's service account (External Secrets'
"Authorizing the Core Controller Pod", external-secrets/external-secrets@helm-chart-2.9.0:docs/provider/
google-secrets-manager.md, read 2026-12-07), never on the project.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.gcp.iam import workload_principal

ACCESSOR_ROLE = "roles/secretmanager.secretAccessor"


@dataclass(frozen=True)
class GkeGithubAppSecretArgs:
    """Inputs of GkeGithubAppSecret."""

    project: str
    project_number: pulumi.Input[str]
    secret_id: str
    # The operator's service account (namespace, name).
    namespace: str
    service_account: str
    # False where another cluster of the stack already creates the secret and its binding.
    create: bool = True
    protect: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)


class GkeGithubAppSecret(pulumi.ComponentResource):
    """The empty App secret and the operator's accessor binding on it (both only when `create`)."""

    def __init__(self, name: str, args: GkeGithubAppSecretArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:gcp:GkeGithubAppSecret", name, None, opts)
        if args.create:
            secret = gcp.secretmanager.Secret(
                f"{name}-secret", project=args.project, secret_id=args.secret_id, labels=dict(args.labels),
                replication={"auto": {}}, opts=pulumi.ResourceOptions(parent=self, protect=args.protect))
            # The Workload Identity pool is the project's, so one binding serves every cluster of the project.
            gcp.secretmanager.SecretIamMember(
                f"{name}-accessor", project=args.project, secret_id=secret.secret_id, role=ACCESSOR_ROLE,
                member=workload_principal(args.project, args.project_number, args.namespace, args.service_account),
                opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})
