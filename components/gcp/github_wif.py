"""GitHubWorkloadIdentity: a Workload Identity pool and provider for GitHub Actions, and CI service accounts.

The provider accepts only tokens of one repository (name and numeric id), and of those only the jobs
the CI identities serve (`trust_condition`): a pull request of the preview workflow, or a job on the
deploy branch in one of the trusted GitHub environments running that environment's workflow file. Each
service account may then be impersonated by one principal set: its environment (or pull requests).

Why attribute sets and not the subject: the repository's subject template (components/aws/github_oidc.py)
makes `sub` longer than `google.subject` may be ("Cannot exceed 127 bytes", WorkloadIdentityPoolProvider
attributeMapping, https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers,
read 2026-12-07), so the subject is mapped to the run instead and the pins move into the condition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.gcp.iam import service_account_id
from components.gcp.sandbox_teardown import ConditionalRole

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
PROVIDER_ID = "github"
ATTRIBUTE_MAPPING = {
    # Who ran, for Cloud Logging (within the 127-byte limit); bindings use the attributes below.
    "google.subject": "'run:' + assertion.run_id + ':' + assertion.run_attempt",
    "attribute.repository": "assertion.repository",
    "attribute.repository_id": "assertion.repository_id",
    "attribute.ref": "assertion.ref",
    "attribute.environment": "assertion.environment",
    # Pull-request jobs are bound as a set (their subjects carry the pull request's number).
    "attribute.event_name": "assertion.event_name",
}


def repository_condition(repo: str, repository_id: str) -> str:
    """CEL condition admitting only tokens issued to workflows of `repo` (ORG/REPO) with its numeric id.

    A name can be claimed again after a repository is deleted or renamed; GitHub never reuses the
    numeric id. The token carries ids as strings, so the id is compared quoted
    (google-github-actions/auth, docs/SECURITY_CONSIDERATIONS.md, "Use GitHub's Numeric, Immutable
    Values", read 2026-11-29).
    """
    if not repository_id.isdigit():
        raise ValueError(f"repository_id must be GitHub's numeric repository id (got {repository_id!r})")
    return f"assertion.repository == '{repo}' && assertion.repository_id == '{repository_id}'"


def trust_condition(repo: str, repository_id: str, branch: str, environments: Mapping[str, str],
                    preview_workflow: str | None) -> str:
    """The provider's whole condition: the repository, then either a pull request of `preview_workflow`
    or a job on `branch` in one of `environments` (name -> the workflow file its jobs must run: a path in
    `repo`, or `ORG/REPO/<path>` for a reusable workflow of another repository, whose `job_workflow_ref` it is)."""
    ref = f"refs/heads/{branch}"
    jobs = [f"(assertion.environment == '{env}' && assertion.job_workflow_ref == "
            f"'{workflow if not workflow.startswith('.github/') else f'{repo}/{workflow}'}@{ref}')"
            for env, workflow in environments.items()]
    trusted = [f"(assertion.ref == '{ref}' && ({' || '.join(jobs)}))"]
    if preview_workflow is not None:
        trusted.insert(0, f"(assertion.event_name == 'pull_request' && "
                          f"assertion.job_workflow_ref.startsWith('{repo}/{preview_workflow}@refs/pull/'))")
    return f"{repository_condition(repo, repository_id)} && ({' || '.join(trusted)})"


def pool_name(project_number: str, pool_id: str) -> str:
    """Full resource name of a Workload Identity pool, known before it exists."""
    return f"projects/{project_number}/locations/global/workloadIdentityPools/{pool_id}"


def provider_resource_name(project_number: str, pool_id: str) -> str:
    """What `google-github-actions/auth` takes as `workload_identity_provider`."""
    return f"{pool_name(project_number, pool_id)}/providers/{PROVIDER_ID}"


def attribute_principal_set(project_number: str, pool_id: str, attribute: str, value: str) -> str:
    """IAM member for every token of the pool whose mapped `attribute.<attribute>` equals `value`."""
    return f"principalSet://iam.googleapis.com/{pool_name(project_number, pool_id)}/attribute.{attribute}/{value}"


def _role_suffix(role: str) -> str:
    return role.rsplit("/", 1)[-1].replace(".", "-").lower()


def service_account_email(account_id: str, project: str) -> str:
    """A service account's email, known before it exists."""
    return f"{account_id}@{project}.iam.gserviceaccount.com"


@dataclass(frozen=True)
class CiServiceAccountSpec:
    """One service account for CI: the principal sets that may impersonate it and its project roles."""

    project_roles: tuple[str, ...]
    # (attribute, value) pairs whose whole principal set may impersonate, e.g. ("environment", "prod").
    principal_sets: tuple[tuple[str, str], ...] = ()
    # The projects where the account holds `project_roles` (never the bootstrap's own unless listed).
    projects: tuple[str, ...] = ()
    # Roles held in `projects` only where their IAM condition holds (components/gcp/sandbox_teardown.py).
    conditional_roles: tuple[ConditionalRole, ...] = ()


@dataclass(frozen=True)
class GitHubWorkloadIdentityArgs:
    """Inputs of GitHubWorkloadIdentity."""

    project: str
    project_number: str
    repo: str
    pool_id: str
    # The provider's attribute condition (`trust_condition`).
    condition: str
    # Service accounts keyed by name (`preview`, `drift`, `deploy-prod`).
    service_accounts: Mapping[str, CiServiceAccountSpec]
    name_prefix: str = "mlinfra"
    protect: bool = True


class GitHubWorkloadIdentity(pulumi.ComponentResource):
    """Pool, GitHub OIDC provider restricted to one repository's CI jobs, and impersonable CI service accounts."""

    provider_name: pulumi.Output[str]
    service_account_emails: dict[str, str]

    def __init__(self, name: str, args: GitHubWorkloadIdentityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:gcp:GitHubWorkloadIdentity", name, None, opts)
        keep = pulumi.ResourceOptions(parent=self, protect=args.protect)
        pool = gcp.iam.WorkloadIdentityPool(
            f"{name}-pool", project=args.project, workload_identity_pool_id=args.pool_id,
            display_name="GitHub Actions", description=f"GitHub Actions of {args.repo}", opts=keep)
        provider = gcp.iam.WorkloadIdentityPoolProvider(
            f"{name}-provider", project=args.project, workload_identity_pool_id=pool.workload_identity_pool_id,
            workload_identity_pool_provider_id=PROVIDER_ID, display_name="GitHub",
            attribute_mapping=ATTRIBUTE_MAPPING, attribute_condition=args.condition,
            oidc={"issuer_uri": GITHUB_ISSUER}, opts=keep)
        self.service_account_emails = {}
        for sa_name, spec in args.service_accounts.items():
            # Cut to 30 characters alone, a long prefix gave `deploy` and `deploy-x` one account.
            account_id = service_account_id(f"{args.name_prefix}-gh", sa_name)
            email = service_account_email(account_id, args.project)
            account = gcp.serviceaccount.Account(
                f"{name}-{sa_name}", project=args.project, account_id=account_id,
                display_name=f"GitHub Actions {sa_name}", opts=keep)
            for attribute, value in spec.principal_sets:
                gcp.serviceaccount.IAMMember(
                    f"{name}-{sa_name}-wif-{attribute.replace('_', '-')}-{value.replace('_', '-')}",
                    service_account_id=account.name, role="roles/iam.workloadIdentityUser",
                    member=attribute_principal_set(args.project_number, args.pool_id, attribute, value),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[pool]))
            for project in spec.projects:
                for role in spec.project_roles:
                    gcp.projects.IAMMember(
                        f"{name}-{sa_name}-{project}-{_role_suffix(role)}",
                        project=project, role=role, member=f"serviceAccount:{email}",
                        opts=pulumi.ResourceOptions(parent=self, depends_on=[account]))
                for grant in spec.conditional_roles:
                    gcp.projects.IAMMember(
                        f"{name}-{sa_name}-{project}-{_role_suffix(grant.role)}-when",
                        project=project, role=grant.role, member=f"serviceAccount:{email}",
                        condition={"title": grant.title, "expression": grant.expression,
                                   "description": grant.description},
                        opts=pulumi.ResourceOptions(parent=self, depends_on=[account]))
            self.service_account_emails[sa_name] = email
        self.provider_name = provider.name
        self.register_outputs({"provider_name": self.provider_name,
                               "service_account_emails": self.service_account_emails})
