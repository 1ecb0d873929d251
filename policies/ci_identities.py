"""Rules for the identities CI and the stacks create: no admin-level project role on Google Cloud, every
role a platform stack creates under the permissions boundary the deploy role must use, and a cluster
admits no other environment's CI deploy role."""

from __future__ import annotations

import re

from rulekit import CRITICAL, HIGH, dig, labels_of, resource_rule, stack_rule

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


ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
# The bootstrap names each environment's deploy role `<prefix>-github-deploy-<environment>`
# (infra/compose/bootstrap.py deploy_identity).
DEPLOY_ROLE = re.compile(r":role/(?:.*/)?[^/]+-github-deploy-(?P<environment>[A-Za-z0-9_.-]+)$")


def _foreign_deploy_role(resource, view):
    principal = dig(resource.props, "principalArn")
    match = DEPLOY_ROLE.search(principal) if isinstance(principal, str) else None
    environment = view.environment
    if match and environment and match["environment"] != environment:
        yield (f"access entry '{resource.name}' admits {match['environment']}'s deploy role into a {environment} "
               f"cluster: each environment's cluster admits only its own deploy role")


RULES = [
    stack_rule(
        "eks-access-own-deploy-role-only",
        "A cluster admits only its own environment's CI deploy role (practice: one trust zone per environment)",
        types=[ACCESS_ENTRY], check=_foreign_deploy_role, severity=CRITICAL,
        remediation="Name <prefix>-github-deploy-<this environment> (bootstrap output aws_deploy_<env>_role_arn)."),
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
