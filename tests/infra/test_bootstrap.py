"""The bootstrap program (infra/bootstrap/): planned offline, trust conditions pinned exactly."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from components.aws.github_oidc import (
    deploy_subjects,
    github_trust_policy,
    provider_arn,
    pull_request_subjects,
    state_access_document,
)
from components.gcp.github_wif import repository_condition, subject_key, subject_principal
from components.gcp.iam import NODE_ROLES
from infra.config.bootstrap import GCP_READ_ROLES
from infra.offline.document import build_document, load_schema
from infra.offline.engine import load_project, run_stack
from infra.plan.make import EXIT_CONFIG, make_plan
from tests.helpers import mlinfra, stack_run

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = ROOT / "infra" / "bootstrap"
REPO = "acme/ml-platform"
ISSUER = "token.actions.githubusercontent.com"
POOL = "projects/100000000001/locations/global/workloadIdentityPools/github"
DEPLOYER = "serviceAccount:acme-ml-gh-deploy@acme-ml-platform.iam.gserviceaccount.com"
TAGGED = ("aws:kms/key:Key", "aws:s3/bucket:Bucket", "aws:iam/role:Role",
          "aws:iam/openIdConnectProvider:OpenIdConnectProvider")


@pytest.fixture(scope="module")
def plan() -> dict:
    project = load_project(BOOTSTRAP)
    return build_document(run_stack("bootstrap", project.stacks_dir, project.program, project.name))


def resource(plan: dict, resource_type: str, name: str) -> dict:
    found = [r for r in plan["resources"] if r["type"] == resource_type and r["name"] == name]
    assert len(found) == 1, [r["name"] for r in plan["resources"] if r["type"] == resource_type]
    return found[0]


def trust(plan: dict, role: str) -> dict:
    return json.loads(resource(plan, "aws:iam/role:Role", f"github-{role}")["inputs"]["assumeRolePolicy"])


def test_subject_helpers():
    assert pull_request_subjects("o/r") == ["repo:o/r:pull_request"]
    assert deploy_subjects("o/r", "main", ["dev", "prod"]) == [
        "repo:o/r:ref:refs/heads/main", "repo:o/r:environment:dev", "repo:o/r:environment:prod"]
    assert subject_key("repo:o/r:ref:refs/heads/main") == "ref-refs-heads-main"
    assert subject_key("repo:o/r:pull_request") == "pull-request"
    assert repository_condition("o/r") == "assertion.repository == 'o/r'"
    assert subject_principal("42", "gh", "repo:o/r:pull_request") == (
        "principal://iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/gh/subject/"
        "repo:o/r:pull_request")


def test_trust_policy_shape():
    policy = json.loads(github_trust_policy(provider_arn("111122223333"), ["repo:o/r:pull_request"]))
    assert policy["Statement"] == [{
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{ISSUER}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"},
                      "StringLike": {f"{ISSUER}:sub": ["repo:o/r:pull_request"]}},
    }]


def test_the_plan_is_of_the_bootstrap_project(plan):
    jsonschema.validate(plan, load_schema())
    assert (plan["project"], plan["stack"], plan["environment"]) == ("mlinfra-bootstrap", "bootstrap", "prod")
    assert plan["resources"][0]["urn"].startswith("urn:pulumi:bootstrap::mlinfra-bootstrap::")
    assert plan["invokes"] == []
    assert plan["outputs"]["pulumi_backend_url"] == "s3://acme-ml-pulumi-state?region=us-east-1"
    assert plan["outputs"]["secrets_provider"] == "awskms://alias/acme-ml-pulumi?region=us-east-1"
    assert plan["outputs"]["gcp_workload_identity_provider"] == f"{POOL}/providers/github"


def test_oidc_provider_is_github_for_sts(plan):
    provider = resource(plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "github-provider")
    assert provider["inputs"]["url"] == f"https://{ISSUER}"
    assert provider["inputs"]["clientIdLists"] == ["sts.amazonaws.com"]
    assert provider["protect"] is True


MAIN = "ref:refs/heads/main"


@pytest.mark.parametrize("role, subjects", [
    ("preview", [f"repo:{REPO}:pull_request:ref:refs/pull/*/merge"]),
    ("drift", [f"repo:{REPO}:environment:drift:{MAIN}"]),
    ("deploy", [f"repo:{REPO}:environment:{env}:{MAIN}" for env in ("dev", "staging", "prod")]),
    ("sandbox", [f"repo:{REPO}:environment:sandbox:{MAIN}"]),
])
def test_each_role_trusts_exactly_its_environment_on_main(plan, role, subjects):
    (statement,) = trust(plan, role)["Statement"]
    assert statement["Principal"] == {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{ISSUER}"}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {"StringEquals": {f"{ISSUER}:aud": "sts.amazonaws.com"},
                                      "StringLike": {f"{ISSUER}:sub": subjects}}


def test_no_identity_trusts_a_branch_without_an_environment_or_an_environment_from_any_branch(plan):
    for role in ("preview", "drift", "deploy", "sandbox"):
        for subject in trust(plan, role)["Statement"][0]["Condition"]["StringLike"][f"{ISSUER}:sub"]:
            assert subject.count(":ref:refs/") == 1, subject
            assert ":environment:" in subject or ":pull_request:" in subject, subject
            assert subject.endswith(f":{MAIN}") or role == "preview", subject


def test_read_only_roles_write_only_state_locks():
    read = json.loads(state_access_document("arn:aws:s3:::st", "arn:key", write=False))["Statement"]
    write = json.loads(state_access_document("arn:aws:s3:::st", "arn:key", write=True))["Statement"]
    assert [s["Resource"] for s in read] == ["arn:aws:s3:::st", "arn:aws:s3:::st/*", "arn:aws:s3:::st/.pulumi/locks/*",
                                            "arn:key"]
    assert write[2]["Resource"] == "arn:aws:s3:::st/*"
    assert read[3]["Action"] == ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"]
    assert write[3]["Action"] == [*read[3]["Action"], "kms:Encrypt"]
    assert not any("*" in action for statement in read + write for action in statement["Action"])


def test_roles_get_their_policies_and_no_admin_policy(plan):
    attached = {(r["name"], r["inputs"]["policyArn"]) for r in plan["resources"]
                if r["type"] == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"}
    assert attached == {
        ("github-preview-readonlyaccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
        ("github-drift-readonlyaccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
        ("github-deploy-main", "arn:aws:iam::123456789012:policy/acme-ml-github-deploy"),
        ("github-sandbox-main", "arn:aws:iam::123456789012:policy/acme-ml-github-sandbox")}
    names = {r["inputs"]["name"] for r in plan["resources"] if r["type"] == "aws:iam/policy:Policy"}
    assert names == {"acme-ml-github-deploy", "acme-ml-github-sandbox", "acme-ml-workload-boundary"}
    assert not any(admin in json.dumps(plan["resources"])
                   for admin in ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess"))


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
    assert plan["outputs"]["gcp_secrets_provider"] == f"gcpkms://{key}"


def test_gcs_previews_read_only_previewed_stacks_and_never_the_protected_key(plan):
    bucket_members = {}
    for r in plan["resources"]:
        if r["type"] == "gcp:storage/bucketIAMMember:BucketIAMMember":
            account = r["inputs"]["member"].split(":")[1].split("@")[0]
            bucket_members[(account, r["inputs"]["role"])] = r["inputs"].get("condition")
    objects = "projects/_/buckets/acme-ml-pulumi-state-gcs/objects/"
    locks = {"title": "pulumi-locks-only", "expression": f'resource.name.startsWith("{objects}.pulumi/locks/")'}
    assert bucket_members[("acme-ml-gh-drift", "roles/storage.objectViewer")] is None
    assert bucket_members[("acme-ml-gh-drift", "roles/storage.objectUser")] == locks
    assert bucket_members[("acme-ml-gh-deploy", "roles/storage.objectUser")] is None
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
    assert keys["pulumi"][sa.format("preview")] == "roles/cloudkms.cryptoKeyDecrypter"
    assert keys["pulumi"]["serviceAccount:service-100000000001@gs-project-accounts.iam.gserviceaccount.com"] == (
        "roles/cloudkms.cryptoKeyEncrypterDecrypter")
    assert set(keys["pulumi-protected"]) == {sa.format("drift"), sa.format("deploy")}
    assert plan["outputs"]["gcp_protected_secrets_provider"] == (
        "gcpkms://projects/acme-ml-platform/locations/us-central1/keyRings/acme-ml-pulumi/cryptoKeys/pulumi-protected")


def test_workload_identity_provider_admits_only_the_repository(plan):
    provider = resource(plan, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
                        "github-wif-provider")["inputs"]
    # The numeric id as well as the name: a deleted repository's name can be claimed again.
    assert provider["attributeCondition"] == (
        f"assertion.repository == '{REPO}' && assertion.repository_id == '600000001'")
    assert provider["oidc"] == {"issuerUri": f"https://{ISSUER}"}
    assert provider["attributeMapping"]["google.subject"] == "assertion.sub"
    assert provider["attributeMapping"]["attribute.repository"] == "assertion.repository"
    assert provider["attributeMapping"]["attribute.repository_id"] == "assertion.repository_id"


def test_service_accounts_are_impersonable_only_by_their_subjects(plan):
    members = {(r["name"], r["inputs"]["role"], r["inputs"]["member"]) for r in plan["resources"]
               if r["type"] == "gcp:serviceaccount/iAMMember:IAMMember"}
    subject = f"principal://iam.googleapis.com/{POOL}/subject/repo:{REPO}"
    expected = {
        ("github-wif-preview-wif-event-name-pull-request", "roles/iam.workloadIdentityUser",
         f"principalSet://iam.googleapis.com/{POOL}/attribute.event_name/pull_request"),
        ("github-wif-drift-wif-environment-drift-ref-refs-heads-main", "roles/iam.workloadIdentityUser",
         f"{subject}:environment:drift:{MAIN}"),
        ("github-wif-sandbox-wif-environment-sandbox-ref-refs-heads-main", "roles/iam.workloadIdentityUser",
         f"{subject}:environment:sandbox:{MAIN}"),
        *((f"github-wif-deploy-wif-environment-{env}-ref-refs-heads-main", "roles/iam.workloadIdentityUser",
           f"{subject}:environment:{env}:{MAIN}") for env in ("dev", "staging", "prod")),
        # The deployer may run node pools as each stack's node account, and as no other account.
        *((f"nodes-{stack}-act-as-deploy", "roles/iam.serviceAccountUser", DEPLOYER) for stack in ("dev", "prod")),
        # ...and bind a Kubernetes account to each stack's metrics reader (its IAM only; never act as it).
        *((f"metrics-{stack}-bind-deploy", "roles/iam.serviceAccountAdmin", DEPLOYER) for stack in ("dev", "prod")),
    }
    assert members == expected


def test_gcp_read_roles_are_narrow_and_no_account_holds_an_admin_role_on_the_project(plan):
    roles: dict[str, set[str]] = {}
    for r in plan["resources"]:
        if r["type"] == "gcp:projects/iAMMember:IAMMember":
            account = r["inputs"]["member"].split(":", 1)[1].split("@")[0]
            roles.setdefault(account, set()).add(r["inputs"]["role"])
    assert roles["acme-ml-gh-preview"] == roles["acme-ml-gh-drift"] == set(GCP_READ_ROLES)
    assert roles["acme-ml-gh-deploy"] == {"roles/container.admin", "roles/compute.admin", "roles/storage.admin",
                                          "roles/cloudkms.admin", "roles/certificatemanager.admin", "roles/dns.admin"}
    assert roles["acme-ml-dev-nodes"] == roles["acme-ml-prod-nodes"] == set(NODE_ROLES)
    assert roles["acme-ml-dev-metrics"] == roles["acme-ml-prod-metrics"] == {"roles/monitoring.viewer"}
    assert "acme-ml-gh-sandbox" not in roles
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
                                    "role": "roles/iam.serviceAccountUser", "member": DEPLOYER}
    # serviceAccountUser is only ever granted on a node account, never on a project.
    act_as_anywhere = [r["name"] for r in plan["resources"] if r["type"].startswith("gcp:")
                       and r["inputs"].get("role") == "roles/iam.serviceAccountUser"]
    assert sorted(act_as_anywhere) == ["nodes-dev-act-as-deploy", "nodes-prod-act-as-deploy"]


def test_the_deploy_account_holds_the_deploy_roles_in_every_project_a_gcp_stack_deploys_into(plan):
    by_project: dict[str, set[str]] = {}
    for r in plan["resources"]:
        if r["type"] == "gcp:projects/iAMMember:IAMMember" and r["inputs"]["member"] == DEPLOYER:
            by_project.setdefault(r["inputs"]["project"], set()).add(r["inputs"]["role"])
    roles = {"roles/container.admin", "roles/compute.admin", "roles/storage.admin", "roles/cloudkms.admin",
             "roles/certificatemanager.admin", "roles/dns.admin"}
    assert by_project == {"acme-ml-platform": roles, "acme-ml-dev": roles, "acme-ml-prod": roles}


def test_drift_reads_every_gcp_stack_project_and_previews_only_the_previewed_stacks(plan):
    by_account: dict[str, set[str]] = {}
    for r in plan["resources"]:
        if r["type"] == "gcp:projects/iAMMember:IAMMember" and r["inputs"]["role"] in GCP_READ_ROLES:
            account = r["inputs"]["member"].split(":", 1)[1].split("@")[0]
            if account.startswith("acme-ml-gh-"):  # node accounts hold a metric reader of their own
                by_account.setdefault(account, set()).add(r["inputs"]["project"])
    # Previews run pull-request code: they read dev (stacks.previewed), never prod's project.
    assert by_account == {"acme-ml-gh-drift": {"acme-ml-platform", "acme-ml-dev", "acme-ml-prod"},
                          "acme-ml-gh-preview": {"acme-ml-platform", "acme-ml-dev"}}


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
  bootstrap:github: {org: acme, repos: x}
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
        "environments, drift_environment, sandbox_environment")


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
  bootstrap:github: {org: acme, repo: x}
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
        "to what the stacks create"]


def test_previews_of_protected_stacks_and_shared_environments_are_refused(tmp_path):
    stacks = _write_stack(tmp_path, """\
config:
  bootstrap:tags: {owner: me, cost-center: cc}
  bootstrap:github: {org: acme, repo: x, environments: [dev, sandbox]}
  bootstrap:stacks: {previewed: [dev, prod]}
  bootstrap:aws: {region: us-east-1, account_id: "123456789012"}
""")
    outcome = make_plan("bootstrap", stacks, BOOTSTRAP)
    assert (outcome.exit_code, outcome.error.splitlines()[1:]) == (EXIT_CONFIG, [
        "  - github.environments.1: 'sandbox' is the drift or sandbox environment, which has an identity of its own",
        "  - stacks.previewed.1: 'prod' is protected (or a sandbox): pull requests may not read its state"])


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
    assert (document["project"], document["counts"]["custom"]) == ("mlinfra-bootstrap", 153)
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
