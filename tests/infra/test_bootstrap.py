"""The bootstrap program (infra/bootstrap/): planned offline, trust conditions pinned exactly."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from components.aws.ci_policies import MANAGED_POLICY_LIMIT, policy_size
from components.aws.github_oidc import github_trust_policy, provider_arn
from components.gcp.github_wif import repository_condition
from components.gcp.iam import NODE_ROLES
from components.gcp.sandbox_teardown import GCP_TEARDOWN_ROLE_OF_TYPE
from infra.config.bootstrap import GCP_READ_ROLES
from infra.offline.document import build_document, load_schema
from infra.offline.engine import load_project
from infra.plan.make import EXIT_CONFIG, make_plan
from tests.helpers import bootstrap_run, mlinfra, stack_run

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = ROOT / "infra" / "bootstrap"
REPO = "acme-ml/ml-platform"
ISSUER = "token.actions.githubusercontent.com"
POOL = "projects/100000000001/locations/global/workloadIdentityPools/github"
DEPLOY_ROLES = {"roles/container.admin", "roles/compute.admin", "roles/storage.admin", "roles/cloudkms.admin",
                "roles/certificatemanager.admin", "roles/dns.admin"}


def deployer(env: str) -> str:
    return f"serviceAccount:acme-ml-gh-deploy-{env}@acme-ml-platform.iam.gserviceaccount.com"
TAGGED = ("aws:kms/key:Key", "aws:s3/bucket:Bucket", "aws:iam/role:Role",
          "aws:iam/openIdConnectProvider:OpenIdConnectProvider")


@pytest.fixture(scope="module")
def plan() -> dict:
    return build_document(bootstrap_run())


def resource(plan: dict, resource_type: str, name: str) -> dict:
    found = [r for r in plan["resources"] if r["type"] == resource_type and r["name"] == name]
    assert len(found) == 1, [r["name"] for r in plan["resources"] if r["type"] == resource_type]
    return found[0]


def trust(plan: dict, role: str) -> dict:
    return json.loads(resource(plan, "aws:iam/role:Role", f"github-{role}")["inputs"]["assumeRolePolicy"])


def test_repository_condition_helper():
    assert repository_condition("o/r", "7") == "assertion.repository == 'o/r' && assertion.repository_id == '7'"


def test_trust_policy_shape():
    policy = json.loads(github_trust_policy(provider_arn("111122223333"), ["repo:o/r:pull_request"]))
    assert policy["Statement"] == [{
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{ISSUER}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com",
                                       f"{ISSUER}:sub": ["repo:o/r:pull_request"]}},
    }]


def test_the_plan_is_of_the_bootstrap_project(plan):
    jsonschema.validate(plan, load_schema())
    assert (plan["project"], plan["stack"], plan["environment"]) == ("mlinfra-bootstrap", "bootstrap", "prod")
    assert plan["resources"][0]["urn"].startswith("urn:pulumi:bootstrap::mlinfra-bootstrap::")
    assert plan["invokes"] == []
    assert plan["outputs"]["pulumi_backend_url"] == "s3://acme-ml-pulumi-state?region=us-east-1"
    assert plan["outputs"]["secrets_providers"] == {
        zone: f"awskms://alias/acme-ml-pulumi-{zone}?region=us-east-1"
        for zone in ("dev", "staging", "prod", "sandbox")}
    assert plan["outputs"]["gcp_workload_identity_provider"] == f"{POOL}/providers/github"


def test_oidc_provider_is_github_for_sts(plan):
    provider = resource(plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "github-provider")
    assert provider["inputs"]["url"] == f"https://{ISSUER}"
    assert provider["inputs"]["clientIdLists"] == ["sts.amazonaws.com"]
    assert provider["protect"] is True


MAIN = "ref:refs/heads/main"
PINNED = f"repo:{REPO}:repository_id:600000001"
WORKFLOWS = f"job_workflow_ref:{REPO}/.github/workflows"


@pytest.mark.parametrize("role, subject", [
    ("drift", f"{PINNED}:environment:drift:{MAIN}:{WORKFLOWS}/drift.yml@refs/heads/main"),
    ("deploy-dev", f"{PINNED}:environment:dev:{MAIN}:{WORKFLOWS}/pulumi-up.yml@refs/heads/main"),
    ("sandbox", f"{PINNED}:environment:sandbox:{MAIN}:{WORKFLOWS}/sandbox-reaper.yml@refs/heads/main"),
])
def test_each_role_trusts_exactly_its_environment_and_workflow_on_main(plan, role, subject):
    (statement,) = trust(plan, role)["Statement"]
    assert statement["Principal"] == {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{ISSUER}"}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com", f"{ISSUER}:sub": [subject]}}


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_protected_deploy_roles_trust_only_pod_identity_of_their_deployer_pods(plan, env):
    # No job token at all: a runner registered elsewhere that takes the deploy job gets nothing.
    (statement,) = trust(plan, f"deploy-{env}")["Statement"]
    assert statement == {
        "Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
        "Condition": {"StringEquals": {
            "aws:RequestTag/eks-cluster-arn": f"arn:aws:eks:us-east-1:123456789012:cluster/{env}-train",
            "aws:RequestTag/kubernetes-namespace": f"arc-{env}-deploy",
            "aws:RequestTag/kubernetes-service-account": f"{env}-deploy-gha-rs-no-permission"}}}


def test_previews_are_trusted_only_for_pull_requests_of_the_preview_workflow(plan):
    (statement,) = trust(plan, "preview")["Statement"]
    assert statement["Condition"] == {
        "StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"},
        "StringLike": {f"{ISSUER}:sub": [
            f"{PINNED}:pull_request:ref:refs/pull/*/merge:{WORKFLOWS}/preview.yml@refs/pull/*/merge"]}}


def test_roles_get_their_policies_and_no_admin_or_account_wide_read_policy_but_drifts(plan):
    attached = {(r["name"], r["inputs"]["policyArn"]) for r in plan["resources"]
                if r["type"] == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"}
    account = "arn:aws:iam::123456789012:policy"
    assert attached == {
        # Drift refreshes resources, from main only; previews (pull-request code) get no ReadOnlyAccess. Its
        # own policy denies the data reads ReadOnlyAccess carries (objects but unprotected stacks' state, secrets).
        ("github-drift-readonlyaccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
        ("github-drift-main", f"{account}/acme-ml-github-drift"),
        *((f"github-deploy-{env}-{part}", f"{account}/acme-ml-github-deploy-{env}{suffix}")
          for env in ("dev", "staging", "prod") for part, suffix in (("main", ""), ("part2", "-part2"))),
        # One sandbox document since it names only what a teardown of the template takes.
        ("github-sandbox-main", f"{account}/acme-ml-github-sandbox")}
    names = {r["inputs"]["name"] for r in plan["resources"] if r["type"] == "aws:iam/policy:Policy"}
    assert names == {"acme-ml-github-sandbox", "acme-ml-workload-boundary", "acme-ml-github-drift",
                     *(f"acme-ml-github-deploy-{env}{s}" for env in ("dev", "staging", "prod") for s in ("", "-part2"))}
    assert not any(admin in json.dumps(plan["resources"])
                   for admin in ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess"))


def test_every_policy_fits_iams_quotas(plan):
    for r in plan["resources"]:
        if r["type"] == "aws:iam/policy:Policy":
            assert policy_size(r["inputs"]["policy"]) <= MANAGED_POLICY_LIMIT, r["name"]


def test_state_bucket_and_key_are_safe_and_protected(plan):
    bucket = resource(plan, "aws:s3/bucket:Bucket", "state-bucket")
    assert bucket["inputs"]["bucket"] == "acme-ml-pulumi-state"
    assert (bucket["protect"], bucket["retainOnDelete"], bucket["inputs"]["forceDestroy"]) == (True, True, False)
    key = resource(plan, "aws:kms/key:Key", "secrets-key")
    assert (key["protect"], key["retainOnDelete"], key["inputs"]["enableKeyRotation"]) == (True, True, True)
    # An explicit key policy: the account administers the key, IAM grants its use.
    assert json.loads(key["inputs"]["policy"])["Statement"] == [{
        "Sid": "EnableIamPolicies", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "kms:*", "Resource": "*"}]
    # S3 delivers the state bucket's access logs, and no other bucket's, to the log bucket.
    logs_policy = json.loads(
        resource(plan, "aws:s3/bucketPolicy:BucketPolicy", "state-logs-tls-only")["inputs"]["policy"])
    [delivery] = [st for st in logs_policy["Statement"] if st["Sid"] == "S3ServerAccessLogs"]
    assert delivery["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"},
                                     "ArnLike": {"aws:SourceArn": ["arn:aws:s3:::acme-ml-pulumi-state"]}}
    block = resource(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "state-public-access")
    assert all(block["inputs"][flag] is True for flag in
               ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    versioning = resource(plan, "aws:s3/bucketVersioning:BucketVersioning", "state-versioning")
    assert versioning["inputs"]["versioningConfiguration"] == {"status": "Enabled"}
    alias = resource(plan, "aws:kms/alias:Alias", "secrets-key-alias")
    assert alias["inputs"]["name"] == "alias/acme-ml-pulumi"


def test_every_taggable_resource_carries_the_baseline_tags(plan):
    tagged = [r for r in plan["resources"] if "tags" in r["inputs"] or "labels" in r["inputs"]]
    assert {r["type"] for r in tagged} == {*TAGGED, "aws:iam/policy:Policy", "gcp:storage/bucket:Bucket",
                                           "gcp:kms/cryptoKey:CryptoKey"}
    for r in tagged:
        tags = r["inputs"].get("tags") or r["inputs"]["labels"]
        assert {k: tags[k] for k in ("environment", "owner", "cost-center")} == {
            "environment": "prod", "owner": "ml-platform", "cost-center": "cc-ml-1234"}, r["name"]


def test_gcs_state_backend_is_private_versioned_cmek_and_protected(plan):
    key = "projects/acme-ml-platform/locations/us-central1/keyRings/acme-ml-pulumi/cryptoKeys/pulumi"
    bucket = resource(plan, "gcp:storage/bucket:Bucket", "gcs-state-bucket")
    inputs = bucket["inputs"]
    assert (inputs["name"], inputs["uniformBucketLevelAccess"], inputs["publicAccessPrevention"]) == (
        "acme-ml-pulumi-state-gcs", True, "enforced")
    assert (inputs["versioning"], inputs["encryption"]) == ({"enabled": True}, {"defaultKmsKeyName": key})
    assert (bucket["protect"], bucket["retainOnDelete"], inputs["forceDestroy"]) == (True, True, False)
    assert resource(plan, "gcp:kms/cryptoKey:CryptoKey", "gcs-state-key")["inputs"]["rotationPeriod"] == "7776000s"
    # Usage logs of the state bucket go to a private CMEK log bucket only Cloud Storage's log writer may write.
    assert inputs["logging"] == {"logBucket": "acme-ml-pulumi-state-gcs-logs",
                                 "logObjectPrefix": "acme-ml-pulumi-state-gcs"}
    logs = resource(plan, "gcp:storage/bucket:Bucket", "gcs-state-logs")
    assert (logs["inputs"]["encryption"], logs["protect"], logs["retainOnDelete"]) == (
        {"defaultKmsKeyName": key}, True, True)
    assert plan["outputs"]["gcp_pulumi_backend_url"] == "gs://acme-ml-pulumi-state-gcs"
    ring = "gcpkms://projects/acme-ml-platform/locations/us-central1/keyRings/acme-ml-pulumi/cryptoKeys"
    assert plan["outputs"]["gcp_secrets_providers"] == {
        zone: f"{ring}/pulumi-{zone}" for zone in ("dev", "staging", "prod", "sandbox")}


def test_gcs_state_and_keys_are_reached_by_stack_and_trust_zone(plan):
    bucket_members = {}
    for r in plan["resources"]:
        if r["type"] == "gcp:storage/bucketIAMMember:BucketIAMMember":
            account = r["inputs"]["member"].split(":")[1].split("@")[0]
            bucket_members[(account, r["inputs"]["role"])] = r["inputs"].get("condition")
    objects = "projects/_/buckets/acme-ml-pulumi-state-gcs/objects/"
    locks = {"title": "pulumi-locks-only", "expression": f'resource.name.startsWith("{objects}.pulumi/locks/")'}
    # Drift runs main's code unreviewed: dev's state only (a protected stack's drift check is its deploy's).
    drift = bucket_members[("acme-ml-gh-drift", "roles/storage.objectViewer")]
    assert drift["title"] == "pulumi-stacks-dev" and "prod" not in drift["expression"]
    assert "staging" not in drift["expression"]
    assert bucket_members[("acme-ml-gh-drift", "roles/storage.objectUser")] == locks
    for env in ("dev", "staging", "prod"):
        own = bucket_members[(f"acme-ml-gh-deploy-{env}", "roles/storage.objectUser")]
        assert f'resource.name.startsWith("{objects}.pulumi/stacks/mlinfra/{env}.json")' in own["expression"]
        assert not {"dev", "staging", "prod"} - {env} & set(own["expression"].replace("-", " ").split("/")), own
    preview = bucket_members[("acme-ml-gh-preview", "roles/storage.objectViewer")]
    assert preview["title"] == "pulumi-stacks-dev"
    assert f'resource.name.startsWith("{objects}.pulumi/stacks/mlinfra/dev.json")' in preview["expression"]
    assert "prod" not in preview["expression"] and "staging" not in preview["expression"]
    assert bucket_members[("acme-ml-gh-preview", "roles/storage.objectUser")] == locks
    sandbox = bucket_members[("acme-ml-gh-sandbox", "roles/storage.objectUser")]
    assert f'resource.name.startsWith("{objects}.pulumi/stacks/mlinfra/sandbox-")' in sandbox["expression"]
    keys = {}
    for r in plan["resources"]:
        if r["type"] == "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember":
            key = r["inputs"]["cryptoKeyId"].rsplit("/", 1)[1]
            keys.setdefault(key, {})[r["inputs"]["member"]] = r["inputs"]["role"]
    sa = "serviceAccount:acme-ml-gh-{}@acme-ml-platform.iam.gserviceaccount.com"
    # The bucket's key serves Cloud Storage alone; each zone's secrets key only that zone's identities.
    assert keys["pulumi"] == {"serviceAccount:service-100000000001@gs-project-accounts.iam.gserviceaccount.com":
                              "roles/cloudkms.cryptoKeyEncrypterDecrypter"}
    decrypt, both = "roles/cloudkms.cryptoKeyDecrypter", "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert keys["pulumi-dev"] == {sa.format("preview"): decrypt, sa.format("drift"): decrypt,
                                  sa.format("deploy-dev"): both}
    assert keys["pulumi-staging"] == {sa.format("deploy-staging"): both}
    assert keys["pulumi-prod"] == {sa.format("deploy-prod"): both}
    assert keys["pulumi-sandbox"] == {sa.format("sandbox"): both}


def test_workload_identity_provider_admits_only_the_repository(plan):
    provider = resource(plan, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
                        "github-wif-provider")["inputs"]
    # The numeric id as well as the name: a deleted repository's name can be claimed again.
    # The numeric id as well as the name, then only the jobs the CI accounts serve.
    assert provider["attributeCondition"].startswith(
        f"assertion.repository == '{REPO}' && assertion.repository_id == '600000001' && (")
    wf = f"{REPO}/.github/workflows"
    for env, workflow in (("dev", "pulumi-up"), ("drift", "drift"), ("sandbox", "sandbox-reaper")):
        assert (f"(assertion.environment == '{env}' && assertion.job_workflow_ref == "
                f"'{wf}/{workflow}.yml@refs/heads/main')") in provider["attributeCondition"]
    # Protected environments' deploy jobs are defined in the deploy repository's copy of the workflow.
    for env in ("staging", "prod"):
        assert (f"(assertion.environment == '{env}' && assertion.job_workflow_ref == "
                "'acme-ml/ml-platform-deploy/.github/workflows/pulumi-up.yml@refs/heads/main')"
                ) in provider["attributeCondition"]
    assert f"assertion.job_workflow_ref.startsWith('{wf}/preview.yml@refs/pull/')" in provider["attributeCondition"]
    assert provider["oidc"] == {"issuerUri": f"https://{ISSUER}"}
    assert provider["attributeMapping"]["attribute.repository"] == "assertion.repository"
    assert provider["attributeMapping"]["attribute.repository_id"] == "assertion.repository_id"


def test_service_accounts_are_impersonable_only_by_their_environments_principal_set(plan):
    members = {(r["name"], r["inputs"]["role"], r["inputs"]["member"]) for r in plan["resources"]
               if r["type"] == "gcp:serviceaccount/iAMMember:IAMMember"}
    env_set = f"principalSet://iam.googleapis.com/{POOL}/attribute.environment/"
    expected = {
        ("github-wif-preview-wif-event-name-pull-request", "roles/iam.workloadIdentityUser",
         f"principalSet://iam.googleapis.com/{POOL}/attribute.event_name/pull_request"),
        *((f"github-wif-{name}-wif-environment-{env}", "roles/iam.workloadIdentityUser", f"{env_set}{env}")
          for name, env in (("drift", "drift"), ("sandbox", "sandbox"), ("deploy-dev", "dev"),
                            ("deploy-staging", "staging"), ("deploy-prod", "prod"))),
        # Each stack's own deployer may run node pools as its node account, and as no other account...
        *((f"nodes-{stack}-act-as-deploy", "roles/iam.serviceAccountUser", deployer(stack))
          for stack in ("dev", "prod")),
        # ...and bind a Kubernetes account to its metrics reader (its IAM only; never act as it).
        *((f"metrics-{stack}-bind-deploy", "roles/iam.serviceAccountAdmin", deployer(stack))
          for stack in ("dev", "prod")),
    }
    assert members == expected


def test_gcp_read_roles_are_narrow_and_no_account_holds_an_admin_role_on_the_project(plan):
    roles: dict[str, set[str]] = {}
    for r in plan["resources"]:
        if r["type"] == "gcp:projects/iAMMember:IAMMember":
            account = r["inputs"]["member"].split(":", 1)[1].split("@")[0]
            roles.setdefault(account, set()).add(r["inputs"]["role"])
    assert roles["acme-ml-gh-preview"] == roles["acme-ml-gh-drift"] == set(GCP_READ_ROLES)
    assert roles["acme-ml-gh-deploy-dev"] == roles["acme-ml-gh-deploy-prod"] == DEPLOY_ROLES
    # staging has no GCP project (gcp.node_service_accounts), so its deploy account holds nothing on GCP.
    assert "acme-ml-gh-deploy-staging" not in roles
    assert roles["acme-ml-dev-nodes"] == roles["acme-ml-prod-nodes"] == set(NODE_ROLES)
    assert roles["acme-ml-dev-metrics"] == roles["acme-ml-prod-metrics"] == {"roles/monitoring.viewer"}
    # The sandbox reaper's account: the teardown roles of a GCP sandbox, in the sandbox project only, the admin
    # ones under IAM conditions (tests/infra/test_gcp_sandbox_roles.py checks project, conditions and derivation).
    assert roles["acme-ml-gh-sandbox"] == set(GCP_TEARDOWN_ROLE_OF_TYPE.values())
    held = set().union(*roles.values())
    assert not held & {"roles/owner", "roles/editor", "roles/viewer", "roles/iam.serviceAccountUser"}


def test_each_gcp_stack_gets_a_node_account_in_its_project_that_only_the_deployer_may_act_as(plan):
    accounts = {r["name"]: r for r in plan["resources"] if r["type"] == "gcp:serviceaccount/account:Account"}
    for stack in ("dev", "prod"):
        account = accounts[f"nodes-{stack}-account"]
        assert (account["inputs"]["accountId"], account["inputs"]["project"]) == (
            f"acme-ml-{stack}-nodes", f"acme-ml-{stack}")
        assert account["protect"] is True
        email = f"acme-ml-{stack}-nodes@acme-ml-{stack}.iam.gserviceaccount.com"
        grants = [r for r in plan["resources"] if r["type"] == "gcp:projects/iAMMember:IAMMember"
                  and r["inputs"]["member"] == f"serviceAccount:{email}"]
        assert sorted(g["inputs"]["role"] for g in grants) == sorted(NODE_ROLES)
        assert {g["inputs"]["project"] for g in grants} == {f"acme-ml-{stack}"}
        act_as = resource(plan, "gcp:serviceaccount/iAMMember:IAMMember", f"nodes-{stack}-act-as-deploy")
        assert act_as["inputs"] == {"serviceAccountId": f"projects/acme-ml-{stack}/serviceAccounts/{email}",
                                    "role": "roles/iam.serviceAccountUser", "member": deployer(stack)}
    # serviceAccountUser is only ever granted on a node account, never on a project.
    act_as_anywhere = [r["name"] for r in plan["resources"] if r["type"].startswith("gcp:")
                       and r["inputs"].get("role") == "roles/iam.serviceAccountUser"]
    assert sorted(act_as_anywhere) == ["nodes-dev-act-as-deploy", "nodes-prod-act-as-deploy"]


def test_each_deploy_account_holds_the_deploy_roles_in_its_own_project_only_never_the_state_project(plan):
    by_account: dict[str, dict[str, set[str]]] = {}
    for r in plan["resources"]:
        if r["type"] == "gcp:projects/iAMMember:IAMMember" and "-gh-deploy-" in r["inputs"]["member"]:
            account = r["inputs"]["member"].split(":", 1)[1].split("@")[0]
            by_account.setdefault(account, {}).setdefault(r["inputs"]["project"], set()).add(r["inputs"]["role"])
    assert by_account == {"acme-ml-gh-deploy-dev": {"acme-ml-dev": DEPLOY_ROLES},
                          "acme-ml-gh-deploy-prod": {"acme-ml-prod": DEPLOY_ROLES}}


def test_drift_reads_the_unprotected_stacks_projects_and_previews_only_the_previewed_stacks(plan):
    by_account: dict[str, set[str]] = {}
    for r in plan["resources"]:
        if r["type"] == "gcp:projects/iAMMember:IAMMember" and r["inputs"]["role"] in GCP_READ_ROLES:
            account = r["inputs"]["member"].split(":", 1)[1].split("@")[0]
            if account.startswith("acme-ml-gh-"):  # node accounts hold a metric reader of their own
                by_account.setdefault(account, set()).add(r["inputs"]["project"])
    # Previews run pull-request code: they read dev (stacks.previewed), never prod's project; drift runs main's
    # code unreviewed, so it reads the unprotected stacks' projects only.
    assert by_account == {"acme-ml-gh-drift": {"acme-ml-dev"},
                          "acme-ml-gh-preview": {"acme-ml-dev"}}


def test_the_stacks_name_the_metrics_readers_the_bootstrap_exports(plan):
    exported = plan["outputs"]["gcp_metrics_reader_service_accounts"]
    assert exported == {"dev": "acme-ml-dev-metrics@acme-ml-dev.iam.gserviceaccount.com",
                        "prod": "acme-ml-prod-metrics@acme-ml-prod.iam.gserviceaccount.com"}
    for stack, email in exported.items():
        account = resource(plan, "gcp:serviceaccount/account:Account", f"metrics-{stack}-account")
        assert account["protect"] is True and account["inputs"]["project"] == f"acme-ml-{stack}"
        assert account["inputs"]["accountId"] == email.split("@")[0]
        # The stack's GMP query frontend runs as that account, bound by Workload Identity, and only as it.
        bound = [r.inputs["serviceAccountId"] for r in stack_run(stack).resources
                 if r.type == "gcp:serviceaccount/iAMMember:IAMMember"]
        assert bound == [f"projects/acme-ml-{stack}/serviceAccounts/{email}"], stack


def test_the_stacks_name_the_node_accounts_the_bootstrap_exports(plan):
    exported = plan["outputs"]["gcp_node_service_accounts"]
    assert exported == {"dev": "acme-ml-dev-nodes@acme-ml-dev.iam.gserviceaccount.com",
                        "prod": "acme-ml-prod-nodes@acme-ml-prod.iam.gserviceaccount.com"}
    for stack, email in exported.items():
        # Every GKE node of the stack (the cluster's short-lived default pool included) runs as that account.
        runs_as = [r.inputs["nodeConfig"]["serviceAccount"] for r in stack_run(stack).resources
                   if r.type in ("gcp:container/cluster:Cluster", "gcp:container/nodePool:NodePool")]
        assert runs_as and set(runs_as) == {email}, stack


def _write_stack(tmp_path: Path, body: str) -> Path:
    (tmp_path / "Pulumi.bootstrap.yaml").write_text(body)
    return tmp_path


def test_bad_bootstrap_config_reports_every_problem(tmp_path):
    stacks = _write_stack(tmp_path, """\
config:
  bootstrap:tags: {owner: me, cost-center: cc}
  bootstrap:github: {org: acme, repos: x, repository_id: "1"}
  bootstrap:aws:
    region: us-east-1
    account_id: "123456789012"
    deploy_policy_arns: [arn:aws:iam::aws:policy/AdministratorAccess]
""")
    outcome = make_plan("bootstrap", stacks, BOOTSTRAP)
    assert outcome.exit_code == EXIT_CONFIG
    assert outcome.error == (
        "invalid config for stack 'bootstrap' (2 problems):\n"
        "  - github.repo: required; add this key\n"
        "  - github.repos: unknown key; did you mean 'repo'? allowed keys: org, repo, repository_id, branch, "
        "environments, drift_environment, sandbox_environment, deploy_workflow, drift_workflow, sandbox_workflow, "
        "preview_workflow, deploy_caller_workflow, reviewers, deploy_repository, manage")


def test_a_misspelt_bootstrap_namespace_is_refused(tmp_path):
    stacks = _write_stack(tmp_path, """\
config:
  bootstrap:tags: {owner: me, cost-center: cc}
  bootstrap:github: {org: acme, repo: x}
  bootstrap:aws: {region: us-east-1, account_id: "123456789012"}
  bootstrp:name_prefix: acme
""")
    outcome = make_plan("bootstrap", stacks, BOOTSTRAP)
    assert outcome.exit_code == EXIT_CONFIG
    assert outcome.error.splitlines()[1:] == [
        "  - bootstrp:name_prefix: unknown config namespace 'bootstrp', so this setting would be ignored; did you "
        "mean 'bootstrap:'? namespaces read: bootstrap, aws, gcp, kubernetes, pulumi"]


def test_admin_policies_and_project_wide_act_as_are_refused(tmp_path):
    stacks = _write_stack(tmp_path, """\
config:
  bootstrap:tags: {owner: me, cost-center: cc}
  bootstrap:github: {org: acme, repo: x, repository_id: "1"}
  bootstrap:aws:
    region: us-east-1
    account_id: "123456789012"
    deploy_policy_arns: [arn:aws:iam::aws:policy/AdministratorAccess, arn:aws:iam::aws:policy/PowerUserAccess,
                         arn:aws:iam::aws:policy/IAMFullAccess]
  bootstrap:gcp:
    project: acme-proj
    project_number: "123456"
    deploy_roles: [roles/owner, roles/iam.serviceAccountUser]
""")
    outcome = make_plan("bootstrap", stacks, BOOTSTRAP)
    assert outcome.exit_code == EXIT_CONFIG
    fix = "the deploy role gets a policy scoped to what the stacks create and a permissions boundary; remove it"
    assert outcome.error.splitlines()[1:] == [
        f"  - aws.deploy_policy_arns.0: AdministratorAccess is refused: {fix}",
        f"  - aws.deploy_policy_arns.1: PowerUserAccess is refused: {fix}",
        f"  - aws.deploy_policy_arns.2: IAMFullAccess is refused: {fix}",
        "  - gcp.deploy_roles.0: roles/owner is refused on the whole project; list roles scoped to what the "
        "stacks create",
        "  - gcp.deploy_roles.1: roles/iam.serviceAccountUser is refused on the whole project; list roles scoped "
        "to what the stacks create",
        *(f"  - github.reviewers.{env}: required: '{env}' is protected, so its deploys need an approval; list the "
          "ids of the users or teams who may give it" for env in ("staging", "prod")),
        *(f"  - aws.deploy_clusters.{env}: required: '{env}' is protected, so its deploy role trusts only its "
          f"deployer pods; name the EKS cluster its `{env}-deploy` runners run in (`<stack>-<cluster key>`, e.g. "
          f"{env}-train)" for env in ("staging", "prod"))]


def test_a_protected_deploy_bound_to_its_pods_needs_the_deploy_repository_and_only_protected_ones_are(tmp_path):
    stacks = _write_stack(tmp_path, """\
config:
  bootstrap:tags: {owner: me, cost-center: cc}
  bootstrap:github: {org: acme, repo: x, repository_id: "1", manage: false}
  bootstrap:aws:
    region: us-east-1
    account_id: "123456789012"
    deploy_clusters: {dev: dev-train, staging: staging-train, prod: prod-train}
""")
    outcome = make_plan("bootstrap", stacks, BOOTSTRAP)
    assert outcome.exit_code == EXIT_CONFIG
    assert outcome.error.splitlines()[1:] == [
        "  - aws.deploy_clusters.dev: 'dev' is not a protected environment (staging, prod); remove it",
        "  - github.deploy_repository: required with aws.deploy_clusters: name the repository (in the same "
        "organisation) whose copy of the deploy workflow the protected deploy runner groups run, e.g. x-deploy"]


def test_previews_of_protected_stacks_and_shared_environments_are_refused(tmp_path):
    stacks = _write_stack(tmp_path, """\
config:
  bootstrap:tags: {owner: me, cost-center: cc}
  bootstrap:github: {org: acme, repo: x, repository_id: "1", environments: [dev, sandbox]}
  bootstrap:stacks: {previewed: [dev, prod, qa]}
  bootstrap:aws: {region: us-east-1, account_id: "123456789012"}
""")
    outcome = make_plan("bootstrap", stacks, BOOTSTRAP)
    assert (outcome.exit_code, outcome.error.splitlines()[1:]) == (EXIT_CONFIG, [
        "  - github.environments.1: 'sandbox' is the drift or sandbox environment, which has an identity of its own",
        "  - stacks.previewed.1: 'prod' is protected (or a sandbox): pull requests may not read its state",
        "  - stacks.previewed.2: 'qa' is no deploy environment (dev, sandbox): a previewed stack is named after its "
        "environment, whose secrets key previews then use"])


def test_cli_plans_the_bootstrap_project():
    result = mlinfra("plan", "bootstrap", "--project", "infra/bootstrap", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    # 53, plus 8 for the state bucket's own access-log bucket; #16 adds 22: the protected secrets key and
    # its alias, the boundary and two customer policies (deploy, sandbox; their attachments replace the
    # two managed ones), the sandbox role and its state policy; on GCP the sandbox account, 9 narrow
    # read roles for preview and drift each instead of roles/viewer (+16), no project-wide
    # serviceAccountUser (-1), and one binding fewer (environment+branch subjects, pull requests as a set);
    # then 6 for the GCS backend: the protected secrets key with drift's and deploy's grants on it, and
    # the sandbox account's scoped read, write and key grants; then 2 for #17: the GCS state bucket's
    # usage-log bucket and its log writer grant; then 17 for the GCP deploy (#16): cloudkms, certificatemanager
    # and dns admin for the deploy account (+3), and for each of dev and prod a node account, its 5 node
    # roles and the deployer's actAs on it (+14); the 6 deploy roles also on acme-ml-dev and acme-ml-prod,
    # the projects those stacks deploy into (+12); the 9 read roles for drift on both and for previews on
    # dev, where the stacks they look at live (+27).
    # #26: 159 (+6). AWS +19: a deploy role per environment instead of one (+2 roles, +2 state policies); each
    # deploy policy in two parts to fit IAM's 6,144 characters (3 environments x 2 = 6 policies and 6
    # attachments instead of 1 and 1: +5, +5); previews lose ReadOnlyAccess (-1 attachment); a secrets key and
    # alias per trust zone (dev, staging, prod, sandbox) instead of the one protected key (+3, +3). GCP -13:
    # a deploy account per environment (+2 accounts); per-zone secrets keys (+3 keys, +2 grants net); scoped
    # state writers per deploy account (+4 bucket members); project roles: none on the state project and each
    # deploy account only in its environment's project (75 -> 51).
    # Then 33 for GitHub as code (#26): the subject template (1), 5 environments (dev, staging, prod, drift,
    # sandbox) each with its deploy-branch policy (10) and 14 variables (each environment's role ARN and
    # service account, the deploy and sandbox environments' secrets provider), 7 runner groups (a deploy and a
    # ci group per environment, dev's preview group) and the component.
    # Then 2: the sandbox policy grew past 6,144 characters with the per-zone key denies, so it is in two
    # parts as well (a policy and its attachment). Then -2: it names only the teardown of the sandbox template
    # (components/aws/ci_teardown.py) and fits one document again.
    # Then -9: the drift identity reads only unprotected stacks (main's code runs as it unreviewed): its 9 read
    # roles leave prod's project (-9), its grants on staging's and prod's secrets keys go (-2), and it gets a
    # policy denying ReadOnlyAccess's data reads (+2: the policy and its attachment).
    # Then +3 (#26): the deploy repository (repository, its workflow file, Actions access, branch protection, the
    # reviewers' team) (+5), and no AWS_DEPLOY_ROLE_ARN variable for staging and prod, whose deploys take the
    # role from their deployer pods (-2).
    # Then 5: the GCP sandbox account's teardown roles in the sandbox project (components/gcp/sandbox_teardown.py).
    assert (document["project"], document["counts"]["custom"]) == ("mlinfra-bootstrap", 191)
    assert document["policy"]["violations"] == []


def test_a_folder_without_a_pulumi_project_is_a_config_error(tmp_path):
    outcome = make_plan("bootstrap", None, tmp_path)
    assert (outcome.exit_code, outcome.error) == (
        EXIT_CONFIG, f"no Pulumi project here: {tmp_path / 'Pulumi.yaml'} does not exist")


def test_the_project_file_names_the_program_and_its_stacks():
    project = load_project(BOOTSTRAP)
    assert (project.name, project.program, project.stacks_dir) == (
        "mlinfra-bootstrap", BOOTSTRAP / "__main__.py", BOOTSTRAP / "stacks")
    main = load_project(ROOT)
    assert (main.name, main.program, main.stacks_dir) == ("mlinfra", ROOT / "infra" / "__main__.py", ROOT / "stacks")
