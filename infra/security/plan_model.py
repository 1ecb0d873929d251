"""What the attack-path matrix reads from plan documents: the bootstrap's CI roles, keys, boundary and GitHub
settings, and each stack's clusters, access entries, runner sets, Pod Identity roles and buckets.

Everything here comes from the recorded inputs (the plan document contract in DESIGN.md); nothing is looked
up elsewhere. A policy the plan records as "[unknown]" stays unknown: the evaluator then reports the cell
as not decided rather than guess (issue #25's stand-ins make them concrete).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

UNKNOWN = "[unknown]"
# AWS managed ReadOnlyAccess is not in any plan; what matters of it here is that it reads every object,
# secret and key it can name (its Describe/Get/List actions on `*`), which this stands for.
READ_ONLY_ACCESS = {"Statement": [{"Effect": "Allow", "Action": ["*:Describe*", "*:Get*", "*:List*"],
                                   "Resource": "*"}]}
# The AWS managed policies the stacks attach, as AWS publishes them (infra/security/aws_managed_policies.json
# says where they were read); a managed policy not there stays unknown, and its cells undecided.
MANAGED = {"arn:aws:iam::aws:policy/ReadOnlyAccess": READ_ONLY_ACCESS,
           **json.loads((Path(__file__).with_name("aws_managed_policies.json")).read_text())["policies"]}


@dataclass
class Role:
    """An IAM role as planned: its ARN, trust, policies (documents; None where unknown), boundary and tags."""

    name: str
    arn: str
    trust: dict | None
    policies: list[dict | None] = field(default_factory=list)
    boundary: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class RunnerSet:
    """A runner scale set as planned: its stack, namespace, group, mode, token and the accounts its steps run as."""

    stack: str
    name: str
    namespace: str
    group: str
    container_mode: str | None
    automount: bool
    step_accounts: list[str]
    has_app_secret: bool


@dataclass
class Platform:
    """Everything the matrix evaluates, across the bootstrap and the stacks."""

    account: str
    region: str
    repo: str
    repository_id: str
    roles: dict[str, Role] = field(default_factory=dict)  # by ARN
    key_aliases: dict[str, dict[str, str]] = field(default_factory=dict)  # alias -> key tags
    boundary: dict | None = None
    boundary_arn: str = ""
    state_bucket: str = ""
    subject_claim_keys: list[str] = field(default_factory=list)
    environments: dict[str, dict] = field(default_factory=dict)  # GitHub environment -> inputs
    branch_policies: dict[str, list[str]] = field(default_factory=dict)
    runner_groups: dict[str, dict] = field(default_factory=dict)
    runner_sets: list[RunnerSet] = field(default_factory=list)
    pod_roles: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (stack, ns, sa) -> role ARN
    pod_clusters: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (stack, ns, sa) -> cluster ARN
    access_entries: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # stack -> (principal, policy)
    clusters: dict[str, list[tuple[str, dict]]] = field(default_factory=dict)  # stack -> (ARN, tags)
    buckets: dict[str, dict[str, dict]] = field(default_factory=dict)  # stack -> name -> tags
    # Stacks whose program writes the App key itself (a `github-app` Secret with data): it then comes from their
    # config, so whoever decrypts their secrets key reads it. None since issue #26; kept so a regression shows.
    stacks_with_app_key: set[str] = field(default_factory=set)
    app_secrets: dict[str, tuple[str, dict]] = field(default_factory=dict)  # stack -> (App secret ARN, tags)
    app_key_namespaces: dict[str, set[str]] = field(default_factory=dict)  # stack -> namespaces holding the key
    app_ids: dict[str, str] = field(default_factory=dict)  # stack -> the GitHub App id its runners register as


def _doc(value: Any) -> dict | None:
    if not isinstance(value, str) or UNKNOWN in value:
        return None
    return json.loads(value)


def _by_type(document: dict, kind: str) -> list[dict]:
    return [r for r in document["resources"] if r["type"] == kind]


def load_bootstrap(plan: dict) -> Platform:
    """The bootstrap's side of the platform."""
    provider = _by_type(plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    trusts = [_doc(r["inputs"]["assumeRolePolicy"]) for r in _by_type(plan, "aws:iam/role:Role")]
    federated = trusts[0]["Statement"][0]["Principal"]["Federated"] if provider and trusts else ""
    account = federated.split(":")[4] if federated else ""
    region = plan["outputs"].get("pulumi_backend_url", "?region=").split("region=")[-1]
    repo = plan["outputs"]["repository"]
    template = _by_type(plan, "github:index/actionsRepositoryOidcSubjectClaimCustomizationTemplate:"
                              "ActionsRepositoryOidcSubjectClaimCustomizationTemplate")
    groups = _by_type(plan, "github:index/actionsRunnerGroup:ActionsRunnerGroup")
    repository_id = str(groups[0]["inputs"]["selectedRepositoryIds"][0]) if groups else ""
    platform = Platform(account=account, region=region, repo=repo, repository_id=repository_id,
                        boundary_arn=plan["outputs"].get("aws_permissions_boundary_arn", ""))
    platform.subject_claim_keys = template[0]["inputs"]["includeClaimKeys"] if template else []
    policies = {}
    for r in _by_type(plan, "aws:iam/policy:Policy"):
        arn = f"arn:aws:iam::{account}:policy{r['inputs'].get('path') or '/'}{r['inputs']['name']}"
        policies[arn] = _doc(r["inputs"]["policy"])
        if arn == platform.boundary_arn:
            platform.boundary = policies[arn]
    for r in _by_type(plan, "aws:iam/role:Role"):
        arn = f"arn:aws:iam::{account}:role/{r['inputs']['name']}"
        platform.roles[arn] = Role(r["inputs"]["name"], arn, _doc(r["inputs"]["assumeRolePolicy"]),
                                   tags=r["inputs"].get("tags", {}))
    by_name = {role.name: role for role in platform.roles.values()}
    for r in _by_type(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        arn = r["inputs"]["policyArn"]
        by_name[r["inputs"]["role"]].policies.append(MANAGED.get(arn, policies.get(arn)))
    for r in _by_type(plan, "aws:iam/rolePolicy:RolePolicy"):
        by_name[r["inputs"]["role"]].policies.append(_doc(r["inputs"]["policy"]))
    keys = {r["urn"]: r["inputs"].get("tags", {}) for r in _by_type(plan, "aws:kms/key:Key")}
    for r in _by_type(plan, "aws:kms/alias:Alias"):
        platform.key_aliases[r["inputs"]["name"]] = keys.get(r["parent"], {})
    buckets = _by_type(plan, "aws:s3/bucket:Bucket")
    platform.state_bucket = next((b["inputs"]["bucket"] for b in buckets if b["name"] == "state-bucket"), "")
    for r in _by_type(plan, "github:index/repositoryEnvironment:RepositoryEnvironment"):
        platform.environments[r["inputs"]["environment"]] = r["inputs"]
    for r in _by_type(plan, "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"):
        platform.branch_policies.setdefault(r["inputs"]["environment"], []).append(r["inputs"]["branchPattern"])
    platform.runner_groups = {r["inputs"]["name"]: r["inputs"] for r in groups}
    return platform


def add_stack(platform: Platform, stack: str, plan: dict) -> None:
    """One platform stack's clusters, access, runners, workload roles and buckets."""
    urn_roles = {}
    for r in _by_type(plan, "aws:iam/role:Role"):
        # Pulumi generates the name at `up`; the stack is in it here, or two stacks' `train-...-role` would be one.
        name = r["inputs"].get("name") or f"{r['name']}-[{stack}, generated]"
        arn = f"arn:aws:iam::{platform.account}:role{r['inputs'].get('path') or '/'}{name}"
        role = Role(name, arn, _doc(r["inputs"]["assumeRolePolicy"]), boundary=r["inputs"].get("permissionsBoundary"),
                    tags=r["inputs"].get("tags", {}))
        platform.roles[arn] = urn_roles[r["urn"]] = role
    for r in (*_by_type(plan, "aws:iam/rolePolicy:RolePolicy"),
              *_by_type(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")):
        for urn in r["propertyDependencies"].get("role", []):
            if urn in urn_roles:
                document = r["inputs"].get("policy")
                urn_roles[urn].policies.append(_doc(document) if document is not None
                                               else MANAGED.get(r["inputs"]["policyArn"]))
    for r in _by_type(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation"):
        key = (stack, r["inputs"]["namespace"], r["inputs"]["serviceAccount"])
        for urn in r["propertyDependencies"].get("roleArn", []):
            if urn in urn_roles:
                platform.pod_roles[key] = urn_roles[urn].arn
        # A role of another plan (the bootstrap's deploy roles), named by its ARN.
        if r["inputs"].get("roleArn") in platform.roles:
            platform.pod_roles[key] = r["inputs"]["roleArn"]
        if key in platform.pod_roles and isinstance(r["inputs"].get("clusterName"), str):
            platform.pod_clusters[key] = (f"arn:aws:eks:{platform.region}:{platform.account}:cluster/"
                                          f"{r['inputs']['clusterName']}")
    platform.access_entries[stack] = [
        (r["inputs"]["principalArn"], r["inputs"]["policyArn"])
        for r in _by_type(plan, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")]
    platform.clusters[stack] = [
        (f"arn:aws:eks:{platform.region}:{platform.account}:cluster/{r['inputs']['name']}", r["inputs"].get("tags", {}))
        for r in _by_type(plan, "aws:eks/cluster:Cluster")]
    platform.buckets[stack] = {r["inputs"]["bucket"]: r["inputs"].get("tags", {})
                               for r in _by_type(plan, "aws:s3/bucket:Bucket")}
    # The App key: in the stack's cloud secret (its ARN: the name, `-` and six characters Secrets Manager adds),
    # and in every namespace where the operator writes it (an ExternalSecret `github-app`) or the program does.
    # The stack's own region (its AWS provider's), which need not be the bootstrap's.
    region = next((r["inputs"]["region"] for r in _by_type(plan, "pulumi:providers:aws") if r["inputs"].get("region")),
                  platform.region)
    for r in _by_type(plan, "aws:secretsmanager/secret:Secret"):
        name = r["inputs"].get("name") or ""
        if name.endswith("-github-app"):
            arn = f"arn:aws:secretsmanager:{region}:{platform.account}:secret:{name}-AbCdEf"
            platform.app_secrets[stack] = (arn, r["inputs"].get("tags", {}))
    synced = {r["inputs"]["metadata"]["namespace"]
              for r in _by_type(plan, "kubernetes:external-secrets.io/v1:ExternalSecret")
              if r["inputs"]["metadata"].get("name") == "github-app"}
    written = {r["inputs"]["metadata"]["namespace"] for r in _by_type(plan, "kubernetes:core/v1:Secret")
               if r["inputs"]["metadata"].get("name") == "github-app"
               and (r["inputs"].get("stringData") or r["inputs"].get("data"))}
    if written:
        platform.stacks_with_app_key.add(stack)
    secrets = synced | written
    if secrets:
        platform.app_key_namespaces[stack] = secrets
    outputs = {k: v for k, v in plan["outputs"].items() if k.startswith("cluster_")}
    steps = {}
    for cluster in outputs.values():
        if isinstance(cluster, dict) and "runners" in cluster:
            steps.update(cluster["runners"]["job_service_accounts"])
            platform.app_ids[stack] = str(cluster["runners"]["github_app_id"])
    for r in _by_type(plan, "kubernetes:helm.sh/v3:Release"):
        values = r["inputs"].get("values") or {}
        if "runnerScaleSetName" not in values:
            continue
        name, namespace = values["runnerScaleSetName"], r["inputs"]["namespace"]
        platform.runner_sets.append(RunnerSet(
            stack=stack, name=name, namespace=namespace, group=values["runnerGroup"],
            container_mode=(values.get("containerMode") or {}).get("type"),
            automount=values["template"]["spec"].get("automountServiceAccountToken", True),
            step_accounts=[a.split("/", 1)[1] for a in steps.get(name, [])], has_app_secret=namespace in secrets))
