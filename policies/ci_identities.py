"""Rules for the identities CI and the stacks create: no admin-level project role on Google Cloud, and
every role a platform stack creates under the permissions boundary the deploy role must use."""

from __future__ import annotations

import re

from rulekit import CRITICAL, HIGH, dig, labels_of, resource_rule

PROJECT_MEMBERS = ("gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMBinding:IAMBinding")
ROLE = "aws:iam/role:Role"
# Project-wide, each of these owns the project or lets the holder act as any service account in it.
GCP_ADMIN_ROLES = ("roles/owner", "roles/editor", "roles/iam.serviceAccountUser",
                   "roles/iam.serviceAccountTokenCreator", "roles/resourcemanager.projectIamAdmin")


PROJECT_IAM_ADMIN = "roles/resourcemanager.projectIamAdmin"
# A project IAM admin limited to granting and revoking listed roles: an IAM condition on the API attribute
# `iam.googleapis.com/modifiedGrantsByRole` ("Set limits on granting roles",
# https://cloud.google.com/iam/docs/setting-limits-on-granting-roles, read 2026-12-07); the sandbox reaper's
# account holds one (components/gcp/sandbox_teardown.py) to remove what a sandbox granted.
_LIMITED = re.compile(r"^api\.getAttribute\('iam\.googleapis\.com/modifiedGrantsByRole', \[\]\)"
                      r"\.hasOnly\(\[((?:'[^']+'(?:, )?)*)\]\)$")


def _granted_roles(props) -> list[str] | None:
    """The roles a conditional project IAM admin may grant, or None when no condition limits them."""
    match = _LIMITED.match(str(dig(props, "condition", "expression") or ""))
    return re.findall(r"'([^']+)'", match[1]) if match else None


def _gcp_admin(props, ctx):
    role = dig(props, "role")
    if role == PROJECT_IAM_ADMIN and (granted := _granted_roles(props)) is not None:
        admin = [r for r in granted if r in GCP_ADMIN_ROLES or r.endswith((".admin", "Admin"))]
        if admin:
            yield f"'{ctx.name}' grants {role} that may grant {', '.join(admin)}"
        return
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
