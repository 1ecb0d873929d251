"""DeployRepository: the repository holding the protected environments' deploy workflow, which their deploy
runner groups alone admit.

GitHub lets a runner group restricted to selected workflows run "only jobs directly defined within the
selected workflows" (github/docs, the workflow-access step of "Managing access to self-hosted runners using
groups", read 2026-12-08). A group that selects this repository's workflow therefore runs no job that code
pushed to the platform repository defines, whatever it writes: only this file's jobs, which name the
protected environment and so wait for its reviewers. The file is the platform repository's deploy workflow,
written here by the bootstrap; the repository is private, reachable by the organisation's workflows (for a
private repository GitHub requires that access setting, "Reusable workflows reference: Access to reusable
workflows", read 2026-12-08), and only the reviewers' teams may write, through a reviewed pull request on a
protected branch; organisation admins (who run the bootstrap) write the file.

Resources and arguments of pulumi-github 6.15.0 (the SDK in uv.lock, its Python sources read 2026-12-08):
Repository, RepositoryFile (`file`, `content`, `branch`, `overwrite_on_create`), ActionsRepositoryAccessLevel
(`access_level`: none, user, organization or enterprise), BranchProtection (`repository_id` takes the node id,
`enforce_admins`, `required_pull_request_reviews`), TeamRepository (`team_id`, `permission`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_github as github


@dataclass(frozen=True)
class DeployRepositoryArgs:
    """Inputs of DeployRepository."""

    name: str  # without the organisation
    branch: str
    workflow_path: str  # .github/workflows/<file>
    workflow_content: str
    # Teams (numeric ids) who may change it: the protected environments' reviewers.
    writer_teams: Sequence[int]


class DeployRepository(pulumi.ComponentResource):
    """A private repository with one workflow file, changed only by reviewed pull requests of `writer_teams`."""

    def __init__(self, name: str, args: DeployRepositoryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlinfra:github:DeployRepository", name, None, opts)
        repository = github.Repository(
            f"{name}-repository", name=args.name, visibility="private", auto_init=True, allow_forking=False,
            has_issues=False, has_wiki=False, has_projects=False, delete_branch_on_merge=True,
            vulnerability_alerts=True, description="Protected environments' deploy workflow (mlinfra bootstrap)",
            opts=pulumi.ResourceOptions(parent=self, protect=True))
        on_repository = pulumi.ResourceOptions(parent=self, depends_on=[repository])
        github.RepositoryFile(
            f"{name}-workflow", repository=args.name, branch=args.branch, file=args.workflow_path,
            content=args.workflow_content, overwrite_on_create=True,
            commit_message=f"Deploy workflow, written by the mlinfra bootstrap from {args.workflow_path}",
            opts=on_repository)
        github.ActionsRepositoryAccessLevel(f"{name}-access", repository=args.name, access_level="organization",
                                            opts=on_repository)
        github.BranchProtection(
            # Organisation admins (the bootstrap's token, the root of trust anyway) may still write the file: a
            # change to the deploy workflow reaches the protected environments when an admin runs the bootstrap.
            f"{name}-branch", repository_id=repository.node_id, pattern=args.branch, enforce_admins=False,
            # Two approvals and signed commits: a change here changes what every protected deploy runs (the
            # Checkov checks CKV_GIT_5 and CKV_GIT_6, which the suite runs on the bootstrap, ask for both).
            allows_deletions=False, allows_force_pushes=False, require_signed_commits=True,
            required_pull_request_reviews=[{"required_approving_review_count": 2, "dismiss_stale_reviews": True,
                                            "require_last_push_approval": True}],
            opts=on_repository)
        for team in args.writer_teams:
            github.TeamRepository(f"{name}-team-{team}", team_id=str(team), repository=args.name,
                                  permission="push", opts=on_repository)
        self.register_outputs({})
