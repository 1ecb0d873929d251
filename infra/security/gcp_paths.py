"""The Google Cloud half of the attack-path matrix: the AWS matrix's actors against prod's GCP assets, evaluated
on the plan documents with the GCP IAM evaluator (gcp_eval) and the GitHub and Kubernetes settings the plans
record. A cell is "no path", a path (the chain of steps), or undecided (a role, member form or condition on the
way that the evaluator does not read).

Steps the search takes, each read from a plan:
- a job's GitHub OIDC token (claims per https://docs.github.com/en/actions/reference/security/oidc, read
  2026-12-08: `repository`, `repository_id`, `event_name`, `ref`, `environment` only when the job names one,
  `job_workflow_ref`, `run_id`, `run_attempt`) -> the pool provider's attribute condition and mapping -> the
  service accounts whose `iam.serviceAccounts.getAccessToken` the token's principal identifiers hold
  (roles/iam.workloadIdentityUser on `principalSet://...`), and any resource bound to those identifiers directly;
- a service account -> another one by impersonation: `iam.serviceAccounts.getAccessToken` or `signJwt` (Token
  Creator: short-lived credentials and signed JWTs), `iam.serviceAccountKeys.create` (a key), or
  `iam.serviceAccounts.actAs` with `compute.instances.create` somewhere (attach it to a VM and read its
  credentials): https://cloud.google.com/iam/docs/service-account-permissions, read 2026-12-08;
- `container.pods.create` on a project -> a pod as any Kubernetes service account of that project's GKE
  workload pools -> what their Workload Identity bindings grant;
- a job on a runner set on GKE -> the Kubernetes service accounts its steps run as; on a cluster that is not GKE
  its pods hold no Google identity;
- a principal that can decrypt the `gcpkms` key of a stack whose config holds the GitHub App key -> the App key
  (organisation-wide runner administration) -> a runner registered in the protected environment's deploy group
  -> that group's deploy job's token (the workflows the group admits, on main, in the environment).
Every principal reached is checked against every asset (including through `setIamPolicy` on the asset or a
parent, which lets it grant itself any role there).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from infra.security import gcp_cel
from infra.security.attack_paths import Cell, Search, actors
from infra.security.attack_paths import matrix as aws_matrix
from infra.security.attack_paths import render as aws_render
from infra.security.gcp_eval import Evaluator, Principal, federated, kubernetes_account, service_account, short
from infra.security.gcp_model import GcpPlatform
from infra.security.plan_model import Platform

GCP_ASSETS = ("prod state", "prod secrets key", "prod deploy identity", "prod datasets", "prod cluster-admin")
IMPERSONATE = ("iam.serviceAccounts.getAccessToken", "iam.serviceAccounts.signJwt", "iam.serviceAccountKeys.create")
RUN_AS = ("compute.instances.create",)  # with actAs: a VM running as the account
# Either runs code as any Kubernetes service account of the project's GKE clusters (a pod, or a token for it):
# IAM permissions on a project apply in every GKE cluster of it, beside RBAC,
# https://cloud.google.com/kubernetes-engine/docs/how-to/iam (read 2026-12-08).
AS_ANY_POD = ("container.pods.create", "container.serviceAccounts.createToken")
# A stack's state is its checkpoint and the copies Pulumi's DIY backend keeps beside it: the object prefixes the
# bootstrap's own state-bucket conditions name for a stack.
STATE_OBJECTS = (".pulumi/stacks/mlinfra/{env}.json", ".pulumi/history/mlinfra/{env}/any",
                 ".pulumi/backups/mlinfra/{env}/any")
CLUSTER_ADMIN = ("container.clusters.update", "container.clusterRoleBindings.create")
PR_REF, BRANCH_REF, MAIN = "refs/pull/7/merge", "refs/heads/feature", "refs/heads/main"


@dataclass(frozen=True)
class Token:
    """A GitHub OIDC token's claims (hashable, for the search's seen-set)."""

    claims: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, **claims: str) -> Token:
        return cls(tuple(sorted(claims.items())))

    def text(self) -> str:
        c = dict(self.claims)
        env = f" environment {c['environment']}" if "environment" in c else ""
        return f"GitHub token ({c['event_name']} {c['ref']}{env}, {c['job_workflow_ref']})"


def token(aws: Platform, event: str, ref: str, workflow: str, environment: str | None = None) -> Token:
    """The claims GitHub puts in a job's token (the repository's, so forks' jobs get none). `workflow` is a path
    in the repository, or `ORG/REPO/<path>` for a job defined in another repository's reusable workflow (its
    `job_workflow_ref` names that file, the other claims the calling repository)."""
    defined_in = workflow if not workflow.startswith(".github/") else f"{aws.repo}/{workflow}"
    claims = {"repository": aws.repo, "repository_id": aws.repository_id, "event_name": event, "ref": ref,
              "job_workflow_ref": f"{defined_in}@{ref}", "run_id": "1", "run_attempt": "1"}
    if environment:
        claims["environment"] = environment
    return Token.of(**claims)


def gcp_actors(gcp: GcpPlatform, aws: Platform, workflows: Sequence[str], env: str = "prod") -> dict[str, dict]:
    """Each actor of the AWS matrix (same names, same runner footholds) with the GitHub tokens it can mint and the
    Google identities it holds."""
    search = Search(aws, env)
    files = [*workflows, ".github/workflows/added-by-the-attacker.yml"]
    base = actors(aws, workflows, env)
    branch_envs = [e for e in aws.environments if search.environment_allows(e, BRANCH_REF)]
    unreviewed = [e for e, inputs in aws.environments.items()
                  if not inputs.get("reviewers") and search.environment_allows(e, MAIN)]
    tokens = {
        "fork PR": [],
        "same-repo PR": [token(aws, "pull_request", PR_REF, wf) for wf in files],
        "push to another branch": [token(aws, "push", BRANCH_REF, wf, e) for wf in files for e in [None, *branch_envs]],
        "main push in dev": [token(aws, "push", MAIN, wf, e) for wf in files for e in [None, *unreviewed]],
    }
    result = {}
    for actor, footholds in base.items():
        result[actor] = {"tokens": tokens.get(actor, []), "accounts": [], "runners": footholds["runners"]}
    result["engineer with the sandbox identity"]["accounts"] = [gcp.sandbox_account] if gcp.sandbox_account else []
    return result


class GcpSearch:
    """Reachability from one actor's footholds over the Google Cloud side, environment `env` as the target."""

    def __init__(self, gcp: GcpPlatform, aws: Platform, env: str = "prod"):
        self.gcp, self.aws, self.env = gcp, aws, env
        self.eval = Evaluator(gcp)
        # Every project the plans name: where a principal might create a VM or a pod.
        named = {b.resource.removeprefix("projects/") for b in gcp.bindings if b.resource.count("/") == 1}
        self.projects = sorted(named | {p for p in gcp.stack_projects.values() if p})
        self.pools = {cluster.split("/")[1]: pool for clusters in gcp.clusters.values() for cluster, pool in clusters
                      if pool}

    # --- assets ------------------------------------------------------------------------------------------
    def asset_requests(self) -> list[tuple[str, str, str]]:
        """(asset, permission, resource) that reach each asset."""
        gcp, env = self.gcp, self.env
        bucket = f"projects/_/buckets/{gcp.state_bucket}/objects/"
        out = [("prod state", "storage.objects.get", bucket + o.format(env=env)) for o in STATE_OBJECTS]
        if env in gcp.secrets_keys:
            out.append(("prod secrets key", "cloudkms.cryptoKeyVersions.useToDecrypt", gcp.secrets_keys[env]))
        out += [("prod datasets", "storage.objects.get", f"projects/_/buckets/{b}/objects/any")
                for b in gcp.buckets.get(env, [])]
        out += [("prod cluster-admin", permission, cluster) for cluster, _ in gcp.clusters.get(env, [])
                for permission in CLUSTER_ADMIN]
        out += [("app-key", "cloudkms.cryptoKeyVersions.useToDecrypt", gcp.secrets_keys[stack])
                for stack in sorted(gcp.stacks_with_app_key) if stack in gcp.secrets_keys]
        return out

    # --- the search -------------------------------------------------------------------------------------
    def run(self, tokens: Sequence[Token], accounts: Sequence[str], runners: Sequence[tuple[str, str]],
            app_key_elsewhere: Sequence[str] = ()) -> dict[str, Cell]:
        """The cells of one actor. `app_key_elsewhere` is the AWS matrix's path to the GitHub App key for this
        actor, if it has one: taken only when the Google side does not reach the key itself."""
        queue: deque[tuple[tuple, tuple[str, ...]]] = deque()
        seen: set[tuple] = set()
        found: dict[str, tuple[str, ...]] = {}
        undecided: dict[str, list[str]] = {}

        def push(node: tuple, path: tuple[str, ...]) -> None:
            if node not in seen:
                seen.add(node)
                queue.append((node, path))

        for t in tokens:
            push(("token", t), (t.text(),))
        for email in accounts:
            push(("sa", email), (f"holds {email}",))
        for stack, name in runners:
            push(("runner", stack, name), (f"job on {name}",))
        deploy = self.gcp.deploy_accounts.get(self.env, "")
        if app_key_elsewhere:
            queue.append((("aws-app-key",), ()))
        while queue:
            node, path = queue.popleft()
            if node == ("aws-app-key",):
                if queue:  # the Google side first: this goes back behind every node still to visit
                    queue.append((node, path))
                else:
                    push(("app-key",), (*app_key_elsewhere, "(the AWS matrix's path to the GitHub App key)"))
                continue
            kind = node[0]
            if kind == "token":
                try:
                    who = federated(self.gcp, dict(node[1].claims))  # the path's last step names the token
                except gcp_cel.Unsupported as error:
                    for asset in GCP_ASSETS:
                        undecided.setdefault(asset, []).append(f"pool provider CEL not evaluated: {error}")
                    continue
                if who is not None:
                    self._principal(who, path, push, found, undecided)
            elif kind == "sa":
                if node[1] == deploy:
                    found.setdefault("prod deploy identity", path)
                self._principal(service_account(node[1]), path, push, found, undecided)
            elif kind == "ksa":
                self._principal(kubernetes_account(*node[1:]), path, push, found, undecided)
            elif kind == "runner":
                self._runner(node[1], node[2], path, push)
            elif kind == "app-key":
                self._app_key(path, push)
        return {asset: Cell(found.get(asset), tuple(dict.fromkeys(undecided.get(asset, ()))) if asset not in found
                            else ()) for asset in GCP_ASSETS}

    def _principal(self, who: Principal, path, push, found, undecided) -> None:
        for asset, permission, resource in self.asset_requests():
            verdict = self.eval.can(who, permission, resource)
            if verdict.allowed is None:
                target = GCP_ASSETS if asset == "app-key" else (asset,)
                for a in target:
                    undecided.setdefault(a, []).append(f"{who.text}: {verdict.why}")
            elif verdict.allowed and asset == "app-key":
                push(("app-key",), (*path, f"{who.text} {permission} {resource.rsplit('/', 1)[1]} key ({verdict.why}; "
                                           "that stack's config holds the GitHub App key)"))
            elif verdict.allowed:
                found.setdefault(asset, (*path, f"{who.text} {permission} {short(resource)} ({verdict.why})"))
        for email in sorted(self.gcp.service_accounts):
            if f"serviceAccount:{email}" in who.ids:
                continue
            resource = f"projects/{email.split('@')[1].split('.')[0]}/serviceAccounts/{email}"
            step = self._impersonates(who, resource)
            if step is None:
                for asset in GCP_ASSETS:
                    undecided.setdefault(asset, []).append(f"{who.text} -> {email}: undecided")
            elif step:
                push(("sa", email), (*path, f"{who.text} {step}: acts as {email.split('@')[0]}"))
        for project, pool in sorted(self.pools.items()):
            for permission in AS_ANY_POD:
                verdict = self.eval.can(who, permission, f"projects/{project}")
                if verdict.allowed:
                    push(("ksa", pool, "*", "*"), (*path, f"{who.text} {permission} on {project} ({verdict.why}): "
                                                          f"runs as any Kubernetes account of {pool}"))

    def _impersonates(self, who: Principal, account: str) -> str | None | bool:
        undecided = False
        for permission in IMPERSONATE:
            verdict = self.eval.can(who, permission, account)
            if verdict.allowed:
                return f"{permission} ({verdict.why})"
            undecided |= verdict.allowed is None
        act_as = self.eval.can(who, "iam.serviceAccounts.actAs", account)
        if act_as.allowed:
            for project in self.projects:
                for permission in RUN_AS:
                    run = self.eval.can(who, permission, f"projects/{project}")
                    if run.allowed:
                        return (f"iam.serviceAccounts.actAs ({act_as.why}) and {permission} on {project} ({run.why}): "
                                "a VM running as it")
        return None if undecided else False

    def _runner(self, stack: str, name: str, path, push) -> None:
        runner = next((r for r in self.gcp.runner_sets if (r.stack, r.name) == (stack, name)), None)
        if runner is None or runner.workload_pool is None:
            return  # its pods run on a cluster that is not GKE: no Google identity to take
        if runner.reads_app_secret:
            push(("app-key",), (*path, f"read {runner.namespace}/github-app with the runner's Kubernetes token"))
        for account in runner.step_accounts:
            namespace, ksa = account.split("/", 1) if "/" in account else (runner.namespace, account)
            push(("ksa", runner.workload_pool, namespace, ksa),
                 (*path, f"steps run as {runner.workload_pool}[{namespace}/{ksa}]"))

    def _app_key(self, path, push) -> None:
        group = f"{self.env}-deploy"
        for workflow in self.gcp.deploy_workflows.get(group, []):
            defined_in, _, ref = workflow.partition("@")
            # A file of this repository, or another repository's (the deploy repository), named whole.
            file = defined_in.removeprefix(f"{self.aws.repo}/") if defined_in.startswith(
                f"{self.aws.repo}/.github/") else defined_in
            t = token(self.aws, "push", ref, file, self.env)
            push(("token", t), (*path, f"register a runner in {group}, take its job's token", t.text()))


def matrix(gcp: GcpPlatform, aws: Platform, workflows: Sequence[str], env: str = "prod"
           ) -> dict[str, dict[str, Cell]]:
    """Every actor against every GCP asset of environment `env`."""
    search = GcpSearch(gcp, aws, env)
    aws_cells = aws_matrix(aws, workflows, env, any_app_key=True)
    result = {}
    for actor, footholds in gcp_actors(gcp, aws, workflows, env).items():
        # Any App key: an organisation's App registers runners in every group, prod-deploy's included.
        app_key = aws_cells[actor]["any GitHub App key"].path or ()
        result[actor] = search.run(**footholds, app_key_elsewhere=app_key)
    return result


def render(cells: Mapping[str, Mapping[str, Cell]]) -> str:
    """The GCP matrix as a Markdown table (cells abbreviated), then every non-empty cell's path in full."""
    return aws_render(cells, GCP_ASSETS)
