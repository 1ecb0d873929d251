"""What the Google Cloud half of the attack-path matrix reads from plan documents: the bootstrap's workload
identity pool provider, service accounts, state bucket and keys, and every IAM member the bootstrap and the
stacks plan (project, bucket, crypto key and service-account level, with their conditions), plus the stacks'
GKE clusters, buckets and runner sets.

Everything comes from the recorded inputs (DESIGN.md's plan document); nothing is looked up elsewhere. Resources
are named by their full resource names (https://cloud.google.com/apis/design/resource_names, read 2026-12-08),
the form IAM conditions see in `resource.name`: `projects/P`, `projects/_/buckets/B[/objects/O]`,
`projects/P/locations/L/keyRings/R/cryptoKeys/K`, `projects/P/serviceAccounts/EMAIL`,
`projects/P/locations/L/clusters/C`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from infra.security.plan_model import Platform


@dataclass(frozen=True)
class Binding:
    """One planned IAM member: on `resource`, `member` holds `role`, if `condition` (CEL, or None) holds."""

    resource: str
    role: str
    member: str
    condition: str | None
    planned_as: str  # "<stack>: <resource name>", for the path text


@dataclass(frozen=True)
class GcpRunner:
    """A runner scale set: where its pods run (a GKE workload pool, or None off GKE) and what its steps hold."""

    stack: str
    name: str
    namespace: str
    step_accounts: tuple[str, ...]
    workload_pool: str | None
    cluster: str
    reads_app_secret: bool


@dataclass
class GcpPlatform:
    """Everything the Google Cloud matrix evaluates, across the bootstrap and the stacks."""

    pool: str = ""  # projects/NUMBER/locations/global/workloadIdentityPools/ID of the GitHub provider
    provider_condition: str | None = None
    attribute_mapping: dict[str, str] = field(default_factory=dict)
    state_bucket: str = ""
    secrets_keys: dict[str, str] = field(default_factory=dict)  # zone -> crypto key name (gcpkms://...)
    deploy_accounts: dict[str, str] = field(default_factory=dict)  # environment -> email
    sandbox_account: str = ""
    service_accounts: set[str] = field(default_factory=set)  # every SA email the plans name
    bindings: list[Binding] = field(default_factory=list)
    bucket_projects: dict[str, str] = field(default_factory=dict)  # bucket -> project id
    stack_projects: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, list[str]] = field(default_factory=dict)  # stack -> bucket names
    clusters: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # stack -> (name, workload pool)
    runner_sets: list[GcpRunner] = field(default_factory=list)
    stacks_with_app_key: set[str] = field(default_factory=set)
    deploy_workflows: dict[str, list[str]] = field(default_factory=dict)  # runner group -> selected workflows


def _by_type(document: dict, kind: str) -> list[dict]:
    return [r for r in document["resources"] if r["type"] == kind]


def _provider_project(document: dict) -> dict[str, str]:
    """Provider URN -> its default project (a resource without a `project` input is in it)."""
    return {r["urn"]: r["inputs"].get("project", "") for r in _by_type(document, "pulumi:providers:gcp")}


def _project_of(resource: dict, providers: dict[str, str]) -> str:
    provider = (resource.get("provider") or "").rsplit("::", 1)[0]
    return resource["inputs"].get("project") or providers.get(provider, "")


def _condition(inputs: dict) -> str | None:
    condition = inputs.get("condition")
    return condition["expression"] if condition else None


def _account_name(account_id: str) -> str:
    """`projects/P/serviceAccounts/EMAIL`, with P spelled out where the plan wrote `projects/-/` (any project)."""
    email = account_id.rsplit("/", 1)[1]
    return f"projects/{email.split('@')[1].split('.')[0]}/serviceAccounts/{email}"


def _add_bindings(platform: GcpPlatform, stack: str, document: dict) -> None:
    providers = _provider_project(document)
    kinds = {
        "gcp:projects/iAMMember:IAMMember": lambda i, r: f"projects/{i.get('project') or _project_of(r, providers)}",
        "gcp:storage/bucketIAMMember:BucketIAMMember": lambda i, r: f"projects/_/buckets/{i['bucket']}",
        "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": lambda i, r: i["cryptoKeyId"],
        "gcp:serviceaccount/iAMMember:IAMMember": lambda i, r: _account_name(i["serviceAccountId"]),
    }
    for kind, resource_name in kinds.items():
        for r in _by_type(document, kind):
            inputs = r["inputs"]
            platform.bindings.append(Binding(resource_name(inputs, r), inputs["role"], inputs["member"],
                                             _condition(inputs), f"{stack}: {r['name']}"))
            member = inputs["member"]
            if member.startswith("serviceAccount:") and "[" not in member:
                platform.service_accounts.add(member.split(":", 1)[1])
            if kind.startswith("gcp:serviceaccount/"):
                platform.service_accounts.add(inputs["serviceAccountId"].rsplit("/", 1)[1])
    for r in _by_type(document, "gcp:serviceaccount/account:Account"):
        project = _project_of(r, providers)
        platform.service_accounts.add(f"{r['inputs']['accountId']}@{project}.iam.gserviceaccount.com")
    for r in _by_type(document, "gcp:storage/bucket:Bucket"):
        platform.bucket_projects[r["inputs"]["name"]] = _project_of(r, providers)


def load_bootstrap(document: dict, aws: Platform) -> GcpPlatform:
    """The bootstrap's side: the GitHub provider, CI service accounts, state bucket and keys, their IAM."""
    outputs = document["outputs"]
    platform = GcpPlatform(state_bucket=outputs.get("gcp_pulumi_backend_url", "").removeprefix("gs://"),
                           pool=outputs.get("gcp_workload_identity_provider", "").split("/providers/")[0])
    platform.secrets_keys = {zone: url.removeprefix("gcpkms://")
                             for zone, url in (outputs.get("gcp_secrets_providers") or {}).items()}
    platform.deploy_accounts = {k.removeprefix("gcp_deploy_").removesuffix("_service_account"): v
                                for k, v in outputs.items() if k.startswith("gcp_deploy_")}
    platform.sandbox_account = outputs.get("gcp_sandbox_service_account", "")
    for r in _by_type(document, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"):
        platform.provider_condition = r["inputs"].get("attributeCondition")
        platform.attribute_mapping = dict(r["inputs"].get("attributeMapping") or {})
    _add_bindings(platform, "bootstrap", document)
    platform.deploy_workflows = {name: list(group.get("selectedWorkflows") or [])
                                 for name, group in aws.runner_groups.items()
                                 if group.get("restrictedToWorkflows")}
    return platform


def _runner_clusters(document: dict) -> dict[str, tuple[str, str | None]]:
    """Kubernetes provider URN -> (cluster name, its GKE workload pool, or None for a cluster that is not GKE)."""
    by_parent: dict[str, tuple[str, str | None]] = {}
    for r in _by_type(document, "gcp:container/cluster:Cluster"):
        pool = (r["inputs"].get("workloadIdentityConfig") or {}).get("workloadPool")
        by_parent[r["parent"]] = (r["inputs"]["name"], pool)
    result = {}
    for r in document["resources"]:
        if r["type"] == "pulumi:providers:kubernetes":
            result[r["urn"]] = by_parent.get(r["parent"], (r["parent"].rsplit("::", 1)[-1], None))
    return result


def add_stack(platform: GcpPlatform, stack: str, document: dict, aws: Platform) -> None:
    """One stack's GCP IAM members, buckets, GKE clusters and runner sets (with what the AWS model read of them)."""
    providers = _provider_project(document)
    platform.stack_projects[stack] = next((p for p in providers.values() if p), "")
    _add_bindings(platform, stack, document)
    platform.buckets[stack] = [r["inputs"]["name"] for r in _by_type(document, "gcp:storage/bucket:Bucket")]
    platform.clusters[stack] = [
        (f"projects/{_project_of(r, providers)}/locations/{r['inputs']['location']}/clusters/{r['inputs']['name']}",
         (r["inputs"].get("workloadIdentityConfig") or {}).get("workloadPool", ""))
        for r in _by_type(document, "gcp:container/cluster:Cluster")]
    if stack in aws.stacks_with_app_key:
        platform.stacks_with_app_key.add(stack)
    clusters = _runner_clusters(document)
    for r in _by_type(document, "kubernetes:helm.sh/v3:Release"):
        values: dict[str, Any] = r["inputs"].get("values") or {}
        if "runnerScaleSetName" not in values:
            continue
        runner = next(x for x in aws.runner_sets if (x.stack, x.name) == (stack, values["runnerScaleSetName"]))
        cluster, pool = clusters.get((r.get("provider") or "").rsplit("::", 1)[0], ("?", None))
        own = any(a.endswith("-gha-rs-kube-mode") for a in runner.step_accounts)
        platform.runner_sets.append(GcpRunner(
            stack=stack, name=runner.name, namespace=runner.namespace, step_accounts=tuple(runner.step_accounts),
            workload_pool=pool, cluster=cluster,
            reads_app_secret=runner.container_mode == "kubernetes" and own and runner.automount
            and runner.has_app_secret))
