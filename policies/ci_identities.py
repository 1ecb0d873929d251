"""Rules for the identities CI and the stacks create: no admin-level project role on Google Cloud, and
every role a platform stack creates under the permissions boundary the deploy role must use."""

from __future__ import annotations

from rulekit import CRITICAL, HIGH, dig, labels_of, resource_rule

PROJECT_MEMBERS = ("gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMBinding:IAMBinding")
ROLE = "aws:iam/role:Role"
# Project-wide, each of these owns the project or lets the holder act as any service account in it.
GCP_ADMIN_ROLES = ("roles/owner", "roles/editor", "roles/iam.serviceAccountUser",
                   "roles/iam.serviceAccountTokenCreator", "roles/resourcemanager.projectIamAdmin")


def _gcp_admin(props, ctx):
    role = dig(props, "role")
    if role in GCP_ADMIN_ROLES:
        yield f"'{ctx.name}' grants {role} on the whole project"


def _boundary(props, ctx):
    # Platform stacks tag everything managed-by: mlinfra; the bootstrap's own CI roles are not bounded.
    if labels_of(props).get("managed-by") == "mlinfra" and not dig(props, "permissionsBoundary"):
        yield (f"role '{ctx.name}' has no permissions boundary; the deploy role may create roles only "
               "with the bootstrap's boundary")


RULES = [
    resource_rule(
        "gcp-no-admin-project-roles",
        "No owner, editor or act-as-any-service-account role on a whole project (practice: least privilege)",
        types=PROJECT_MEMBERS, check=_gcp_admin, severity=CRITICAL,
        remediation="Grant roles scoped to what the stacks create, on the resources themselves where possible."),
    resource_rule(
        "iam-role-permissions-boundary",
        "Roles a platform stack creates carry the permissions boundary (practice: delegated role creation)",
        types=[ROLE], check=_boundary, severity=HIGH,
        remediation="Set mlinfra:aws.permissions_boundary_arn to the bootstrap output aws_permissions_boundary_arn."),
]
