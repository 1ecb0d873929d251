"""GkeNodeServiceAccount: a GKE node service account made ahead of the stacks, for a deployer without project IAM."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.gcp.gke_cluster import node_service_account_email
from components.gcp.iam import NODE_ROLES, service_account_id

# Lets a principal run node pools as this one account (iam.serviceAccounts.actAs), granted on the
# account, never on the project, where it would cover every service account.
ACT_AS_ROLE = "roles/iam.serviceAccountUser"


@dataclass(frozen=True)
class GkeNodeServiceAccountArgs:
    """Inputs of GkeNodeServiceAccount."""

    # The project the stack's clusters live in; the account and its roles are there.
    project: str
    # `<prefix>-<stack>`: the account id is derived from it (6-30 chars, hashed when long).
    base: str
    # Principals (`serviceAccount:...`), keyed by a short name, that may run node pools as the account.
    users: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    protect: bool = False


class GkeNodeServiceAccount(pulumi.ComponentResource):
    """A node service account with the node roles GkeCluster would grant, and actAs for the deployer."""

    email: str
    # `projects/<project>/serviceAccounts/<email>`, what service-account IAM takes.
    resource_name: str

    def __init__(self, name: str, args: GkeNodeServiceAccountArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:gcp:GkeNodeServiceAccount", name, None, opts)
        self.email, self.resource_name = _account_with_grants(
            self, name, args, suffix="nodes", display=f"GKE nodes of {args.base}", project_roles=NODE_ROLES,
            user_role=ACT_AS_ROLE, user_grant="act-as")
        self.register_outputs({"email": self.email, "resource_name": self.resource_name})


# The GMP query frontend reads metrics as this account: read-only Cloud Monitoring, nothing else.
METRICS_READER_ROLE = "roles/monitoring.viewer"
# Lets the deployer bind a Kubernetes service account to this one account (iam.serviceAccounts.setIamPolicy;
# "Service Account Admin (roles/iam.serviceAccountAdmin) ... on the service account ... contains the
# permissions required to manage access to a service account",
# https://cloud.google.com/iam/docs/manage-access-service-accounts, read 2026-11-29). Granted on the
# account only: the binding must wait for the cluster, whose Workload Identity pool IAM checks, so the
# stack makes it, not the bootstrap.
BIND_ROLE = "roles/iam.serviceAccountAdmin"


class GkeMetricsReader(pulumi.ComponentResource):
    """A read-only Cloud Monitoring account for a stack's GMP query frontend; the deployer may bind to it."""

    email: str
    resource_name: str

    def __init__(self, name: str, args: GkeNodeServiceAccountArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:gcp:GkeMetricsReader", name, None, opts)
        self.email, self.resource_name = _account_with_grants(
            self, name, args, suffix="metrics", display=f"GMP reader of {args.base}",
            project_roles=(METRICS_READER_ROLE,), user_role=BIND_ROLE, user_grant="bind")
        self.register_outputs({"email": self.email, "resource_name": self.resource_name})


def _account_with_grants(parent: pulumi.ComponentResource, name: str, args: GkeNodeServiceAccountArgs, *,
                         suffix: str, display: str, project_roles: Sequence[str], user_role: str,
                         user_grant: str) -> tuple[str, str]:
    """A service account `<base>-<suffix>` with `project_roles` in the project and `user_role` on itself
    for each of `args.users`; returns its email and resource name, both known before it exists."""
    account_id = service_account_id(args.base, suffix)
    account = gcp.serviceaccount.Account(
        f"{name}-account", project=args.project, account_id=account_id, display_name=display,
        opts=pulumi.ResourceOptions(parent=parent, protect=args.protect))
    email = node_service_account_email(account_id, args.project)
    after = pulumi.ResourceOptions(parent=parent, depends_on=[account])
    for role in project_roles:
        gcp.projects.IAMMember(f"{name}-{role.split('/')[1].replace('.', '-').lower()}", project=args.project,
                               role=role, member=f"serviceAccount:{email}", opts=after)
    # The account's resource name, known before it exists, so a preview shows which account it is.
    resource_name = f"projects/{args.project}/serviceAccounts/{email}"
    for user_name, user in args.users.items():
        gcp.serviceaccount.IAMMember(f"{name}-{user_grant}-{user_name}", service_account_id=resource_name,
                                     role=user_role, member=user, opts=after)
    return email, resource_name
