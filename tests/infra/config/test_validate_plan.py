"""Config the clouds would reject, settings that would be silently dropped: `mlinfra plan` exits 2, naming them.

Each case mutates a committed stack file, plans it through `make_plan` (what `mlinfra plan` runs), and
asserts the exit code, the exact line naming the key path, and that nothing was registered.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

import infra.plan.make as make
from infra.config.load import ConfigError, parse_stack_config
from infra.offline.engine import ProgramError
from infra.plan.make import EXIT_CONFIG, make_plan
from tests.helpers import DELETE, ROOT, changed

SECURE = {"secure": "v1:bWxpbmZyYS1leGFtcGxl:UmVwbGFjZSB3aXRoIHB1bHVtaSBjb25maWcgc2V0IC0tc2VjcmV0"}


def stack(name: str) -> dict[str, Any]:
    """A committed stack file as a document."""
    return yaml.safe_load((ROOT / "stacks" / f"Pulumi.{name}.yaml").read_text())


@pytest.fixture
def refused(tmp_path, monkeypatch):
    """Plan a document as stack `name`; assert exit 2, nothing registered; return the error text."""
    registered: list[str] = []
    real = make.run_stack_file

    def recording(*args, **kwargs):
        try:
            return real(*args, **kwargs)
        except ProgramError as exc:
            registered.extend(r.type for r in exc.resources if r.type != "pulumi:pulumi:Stack")
            raise

    monkeypatch.setattr(make, "run_stack_file", recording)

    def _plan(document: dict[str, Any], name: str) -> str:
        (tmp_path / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
        outcome = make_plan(name, tmp_path)
        assert outcome.exit_code == EXIT_CONFIG, outcome.error
        assert outcome.document is None
        assert registered == []
        assert "Traceback" not in outcome.error
        return outcome.error

    return _plan


def test_the_internet_split_in_two_halves_is_refused_on_eks(refused):
    document = changed(stack("staging"), "config.mlinfra:clusters.train.endpoint.public_access_cidrs",
                       ["0.0.0.0/1", "128.0.0.0/1"])
    error = refused(document, "staging")
    assert ("  - clusters.train.endpoint.public_access_cidrs.0: 0.0.0.0/1 alone opens the Kubernetes API to "
            "2,092,957,696 public addresses (49% of the internet; more than a /8 counts as open to the world, "
            "like 0.0.0.0/0); list only the office, VPN or CI ranges that need access (got 0.0.0.0/1)") in error
    assert "  - clusters.train.endpoint.public_access_cidrs.1: 128.0.0.0/1 alone opens the Kubernetes API to " \
        "1,609,300,992 public addresses (37% of the internet" in error


def test_the_internet_split_in_two_halves_is_refused_on_gke(refused):
    document = changed(stack("prod"), "config.mlinfra:clusters.infer-gcp.gcp.master_authorized_networks",
                       ["0.0.0.0/1", "128.0.0.0/1"])
    assert ("  - clusters.infer-gcp.gcp.master_authorized_networks.1: 128.0.0.0/1 alone opens the Kubernetes "
            "API to 1,609,300,992 public addresses") in refused(document, "prod")


def test_ranges_each_small_but_together_over_a_8_are_refused(refused):
    document = changed(stack("prod"), "config.mlinfra:clusters.infer-gcp.gcp.master_authorized_networks",
                       ["10.100.0.0/16", "11.0.0.0/9", "11.128.0.0/9", "12.0.0.0/9"])
    assert ("  - clusters.infer-gcp.gcp.master_authorized_networks: together these ranges open the Kubernetes "
            "API to 25,165,824 public addresses (1% of the internet; more than a /8 counts as open to the world, "
            "like 0.0.0.0/0); list only the office, VPN or CI ranges that need access "
            "(got 10.100.0.0/16, 11.0.0.0/9, 11.128.0.0/9, 12.0.0.0/9)") in refused(document, "prod")


def test_a_vpc_wider_than_a_16_is_refused(refused):
    document = changed(stack("staging"), "config.mlinfra:clusters.train.network.cidr", "10.0.0.0/8")
    assert ("  - clusters.train.network.cidr: an AWS VPC is at most a /16 (65,536 addresses); use e.g. "
            "10.0.0.0/16 (got 10.0.0.0/8)") in refused(document, "staging")


def test_a_gke_control_plane_range_inside_the_network_is_refused(refused):
    document = changed(stack("dev"), "config.mlinfra:clusters.dev-gke.gcp.master_cidr", "10.20.0.0/28")
    assert ("  - clusters.dev-gke.gcp.master_cidr: 10.20.0.0/28 overlaps network.cidr 10.20.0.0/16, which holds "
            "the nodes, pods and services; pick a /28 outside it, e.g. the default 172.16.0.0/28"
            ) in refused(document, "dev")


def test_a_stack_name_with_a_space_and_capitals_is_refused(refused):
    assert ("  - (stack name): 'Dev Copy' cannot be part of cloud resource names: use lowercase letters, digits "
            "and hyphens, starting with a letter and not ending with a hyphen, e.g. 'dev-copy'"
            ) in refused(stack("dev"), "Dev Copy")


def test_a_stack_name_that_overflows_a_physical_name_names_the_resource_and_limit(refused):
    name = "dev-" + "x" * 48
    error = refused(stack("dev"), name)
    assert (f"  - clusters.dev-gke: the GKE cluster would be named '{name}-dev-gke', 60 characters; the cloud "
            f"allows 40: use a shorter stack name (got '{name}', 52 characters) or key") in error
    assert f"  - buckets.checkpoints: the S3 bucket would be named 'acme-ml-{name}-checkpoints', 72 characters" \
        in error


def test_reserved_s3_and_gcs_bucket_forms_are_refused(refused):
    document = changed(stack("dev"), "config.mlinfra:buckets.logs-s3alias", {"cloud": "aws"})
    document = changed(document, "config.mlinfra:buckets.google-data", {"cloud": "gcp"})
    document = changed(document, "config.mlinfra:name_prefix", "xn--acme")
    error = refused(document, "dev")
    assert ("  - name_prefix: S3 reserves bucket names starting with 'xn--', and bucket 'xn--acme-dev-datasets' "
            "would; choose another name_prefix (got 'xn--acme')") in error
    assert ("  - buckets.logs-s3alias: S3 reserves bucket names ending in '-s3alias', and bucket "
            "'xn--acme-dev-logs-s3alias' would; rename the bucket key") in error
    assert ("  - buckets.google-data: GCS refuses bucket names containing 'google' or a close misspelling, and the "
            "bucket key 'google-data' puts one in bucket 'xn--acme-dev-google-data'; choose another bucket key"
            ) in error


def test_a_goog_prefix_is_refused_for_gcs(refused):
    document = changed(stack("dev"), "config.mlinfra:name_prefix", "goog-ml")
    assert ("  - name_prefix: GCS refuses bucket names starting with 'goog', and bucket "
            "'goog-ml-dev-datasets-gcs' would; choose another name_prefix (got 'goog-ml')") in refused(document, "dev")


def test_tags_aws_refuses(refused):
    document = changed(stack("staging"), "config.mlinfra:tags.extra", {"aws:team": "ml", "note": "x" * 300})
    error = refused(document, "staging")
    assert ("  - tags.extra.aws:team: AWS reserves the 'aws:' prefix for its own tags, in keys and values; "
            "remove it") in error
    assert "  - tags.extra.note: an AWS tag value has at most 256 characters (got 300)" in error


def test_tags_that_become_gcp_labels_must_fit_labels(refused):
    document = changed(stack("dev"), "config.mlinfra:tags.extra", {"Team": "ml", "team": "infra"})
    assert ("  - tags.extra.team: on GCP both 'Team' and 'team' become the label 'team', so one would be lost; "
            "rename one of them") in refused(document, "dev")


@pytest.mark.parametrize(("path", "bound"), [
    ("config.mlinfra:clusters.train.runners.cpu.max_runners", 1000),
    ("config.mlinfra:buckets.checkpoints.lifecycle.noncurrent_version_expiration_days", 36500),
    ("config.mlinfra:clusters.train.gpu_pools.l4.max_nodes", 1000),
])
def test_absurd_numbers_are_refused_with_their_bound(refused, path, bound):
    # 10**15 fits the 64-bit integers the stack-file reader accepts (10**30 is refused there, on its
    # line, before the config is read), so this reaches the bound of the field itself.
    document = changed(stack("staging"), path, 10**15)
    key = path.removeprefix("config.mlinfra:")
    assert f"  - {key}: must be less than or equal to {bound} (got {10**15})" in refused(document, "staging")


def test_an_infinite_budget_is_refused(refused):
    # The stack-file reader refuses `.inf` on its line; under `pulumi` (JSON config) the model's
    # own allow_inf_nan=False is what refuses it.
    document = changed(stack("staging"), "config.mlinfra:budget_per_hour", float("inf"))
    assert ("config.mlinfra:budget_per_hour: '.inf' is not a finite number and has no JSON form; "
            "use a number or quote it") in refused(document, "staging")
    with pytest.raises(ConfigError) as err:
        values = {k.removeprefix("mlinfra:"): v for k, v in stack("staging")["config"].items()
                  if k.startswith("mlinfra:")}
        parse_stack_config({**values, "budget_per_hour": float("inf")}, "staging", None)
    assert ("budget_per_hour", "must be a finite number") in [(p, m.split(" (got")[0]) for p, m in err.value.problems]


@pytest.mark.parametrize("version", ["1.99", "1.10"])
def test_a_kubernetes_version_the_cloud_does_not_offer_is_refused(refused, version):
    document = changed(stack("prod"), "config.mlinfra:clusters.infer-gcp.kubernetes_version", version)
    assert (f"  - clusters.infer-gcp.kubernetes_version: gcp does not create clusters at Kubernetes {version}; "
            f"it offers 1.35 (infra/catalog/kubernetes.py) (got '{version}')") in refused(document, "prod")


def test_a_misspelt_namespace_is_refused_before_anything_runs(refused):
    document = changed(stack("staging"), "config.mlinfr:budget_per_hour", 3)
    error = refused(document, "staging")
    assert ("  - mlinfr:budget_per_hour: unknown config namespace 'mlinfr', so this setting would be ignored; "
            "did you mean 'mlinfra:'? namespaces read: mlinfra, aws, gcp, kubernetes, pulumi") in error
    assert "Pulumi.staging.yaml" in error


def test_aws_keys_on_gcp_pools_clusters_and_buckets_are_refused(refused):
    document = changed(stack("dev"), "config.mlinfra:clusters.dev-gke.gpu_pools.l4.aws", {"efa": True})
    document = changed(document, "config.mlinfra:clusters.dev-gke.aws", {"gpu_addons": False})
    document = changed(document, "config.mlinfra:buckets.datasets-gcs.aws", {"log_target": True})
    error = refused(document, "dev")
    assert ("  - clusters.dev-gke.aws: only applies to aws clusters; remove it or set cloud: aws (got gcp)"
            ) in error
    assert ("  - clusters.dev-gke.gpu_pools.l4.aws: only applies to pools of aws clusters; remove it (the cluster "
            "is on gcp)") in error
    assert "  - buckets.datasets-gcs.aws: only applies to aws buckets; remove it or set cloud: aws (got gcp)" in error


def test_an_empty_name_prefix_is_refused_not_read_as_null(refused):
    document = changed(stack("staging"), "config.mlinfra:name_prefix", None)
    assert "  - name_prefix: is empty; set a value or remove the key" in refused(document, "staging")


def test_a_sandbox_stack_needs_its_sandbox_section(refused):
    document = changed(stack("sandbox"), "config.mlinfra:sandbox", DELETE)
    assert ("  - sandbox: required in a sandbox stack; add `mlinfra:sandbox: {budget_per_hour: ...}` "
            "(docs/how-to/sandbox.md)") in refused(document, "sandbox")


@pytest.mark.parametrize("value", [SECURE, "-----BEGIN RSA PRIVATE KEY-----"], ids=["secure", "plain"])
def test_a_stack_file_that_still_has_the_app_key_is_refused_with_where_it_goes_now(refused, value):
    # #26: the key is not config any more, `secure:` or not; the message says where it goes and how.
    document = changed(stack("staging"), "config.mlinfra:github_app.private_key", value)
    error = refused(document, "staging")
    assert ("  - github_app.private_key: the App's private key is no longer config: previews decrypt a previewed "
            "stack's secrets, so a key here is readable by every pull request. Remove it (`pulumi config rm "
            "--path 'mlinfra:github_app.private_key'`); after `pulumi up` the stack's cloud secret "
            "`<name_prefix>-<stack>-github-app` exists empty, and an administrator puts the key once: `aws "
            "secretsmanager put-secret-value --secret-id <name_prefix>-<stack>-github-app --secret-string "
            "file://key.pem` (EKS) or `gcloud secrets versions add <name_prefix>-<stack>-github-app --project "
            "<gcp.project> --data-file=key.pem` (GKE)") in error
    assert "BEGIN RSA" not in error and "UmVwbGFjZS" not in error


NOT_A_CREDENTIAL = ("is `secure:`, but it is not a credential field: the program uses it as plain text, so it "
                    "would show unmasked in plan output and in the state; write it in plain text. Only these "
                    "fields take `secure:` values: observability.notify.webhook_url")


def test_a_secure_value_outside_the_credential_fields_is_refused(refused):
    # #26 (low): the program would use it as plain text, so json and terraform-plan output would show it.
    document = changed(stack("dev"), "config.mlinfra:aws.region", SECURE)
    document = changed(document, "config.mlinfra:tags", {"team": SECURE})
    error = refused(document, "dev")
    assert f"  - aws.region: {NOT_A_CREDENTIAL}" in error
    assert f"  - tags.team: {NOT_A_CREDENTIAL}" in error
    assert "UmVwbGFjZS" not in error


def test_under_pulumi_a_secret_key_without_a_credential_field_is_refused():
    # Under the CLI secrecy is per top-level key: `mlinfra:aws` marked secret holds no credential.
    values = stack("dev")["config"]
    values = {k.removeprefix("mlinfra:"): v for k, v in values.items() if k.startswith("mlinfra:")}
    with pytest.raises(ConfigError) as caught:
        parse_stack_config(values, "dev", secret_keys={"aws"})
    assert str(caught.value).splitlines()[1:] == [f"  - aws: {NOT_A_CREDENTIAL}"]
    assert parse_stack_config(values, "dev", secret_keys=set()).aws is not None


@pytest.mark.parametrize(("text", "expected"), [
    ("name: mlinfra\nmain: [infra\n", "Pulumi.yaml: not valid YAML:"),
    ("", "Pulumi.yaml: expected a mapping with a 'name'"),
    ("name: mlinfra\nmain: nowhere/\nstackConfigDir: stacks\n", "Pulumi.yaml: main: the program "),
    ("name: mlinfra\nmain: infra/\nstackConfigDir: stackz\n", "Pulumi.yaml: stackConfigDir: "),
    ("name: ml-infra\nmain: infra/\nstackConfigDir: stacks\n", "Pulumi.yaml: name: the program reads its config "
     "under 'mlinfra:', so the project must be named 'mlinfra' (got 'ml-infra')"),
])
def test_a_broken_root_pulumi_yaml_is_exit_2_naming_the_file_and_key(tmp_path, monkeypatch, text, expected):
    # A copy of the project's layout whose Pulumi.yaml is broken one way.
    (tmp_path / "infra").symlink_to(ROOT / "infra")
    (tmp_path / "stacks").symlink_to(ROOT / "stacks")
    (tmp_path / "Pulumi.yaml").write_text(text)
    monkeypatch.setattr(make, "ROOT_PROJECT_DIR", tmp_path)
    outcome = make_plan("dev")
    assert outcome.exit_code == EXIT_CONFIG
    assert outcome.document is None
    assert outcome.error.startswith(str(tmp_path / "Pulumi.yaml")), outcome.error
    assert expected in outcome.error


def test_the_root_pulumi_yaml_decides_where_the_stacks_are(tmp_path, monkeypatch):
    (tmp_path / "infra").symlink_to(ROOT / "infra")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "Pulumi.yaml").write_text("name: mlinfra\nmain: infra/\nstackConfigDir: elsewhere\n")
    monkeypatch.setattr(make, "ROOT_PROJECT_DIR", tmp_path)
    outcome = make_plan("dev")
    assert outcome.exit_code == EXIT_CONFIG
    assert f"no {tmp_path / 'elsewhere' / 'Pulumi.dev.yaml'}" in outcome.error


def test_a_sandbox_expiry_past_what_a_date_can_hold_is_refused(refused):
    document = changed(stack("sandbox"), "config.mlinfra:sandbox.expires_at", 253_402_300_800)
    assert ("  - sandbox.expires_at: must be epoch seconds from 1 to 253402300799 (9999-12-31T23:59:59Z); "
            "set by `mlinfra sandbox create` and `extend`, not by hand (got 253402300800)"
            ) in refused(document, "sandbox")


def test_a_stack_name_ending_in_a_hyphen_is_refused_for_sandboxes_too(refused):
    assert "  - (stack name): 'sandbox-bob-box-' cannot be part of cloud resource names" in refused(
        stack("sandbox"), "sandbox-bob-box-")


def test_no_value_changes_kind_on_the_way_in(refused):
    # Lax parsing read `true` as 1 and "yes" as true (#30); both are exit 2 naming the field.
    document = changed(stack("dev"), "config.mlinfra:observability.scrape_interval_seconds", True)
    document = changed(document, "config.mlinfra:observability.enabled", "yes")
    error = refused(document, "dev")
    assert "  - observability.scrape_interval_seconds: must be a number, not true or false (got True)" in error
    assert "  - observability.enabled: must be true or false (got 'yes')" in error


def test_booleans_as_pulumi_passes_them_still_read():
    # Under `pulumi` a top-level boolean arrives as text: "true" and "false" (any case) still read.
    from infra.config.base import Model

    class Flag(Model):
        on: bool
        count: int | None = None

    assert Flag.model_validate({"on": "TRUE"}).on is True
    assert Flag.model_validate({"on": "false", "count": "3"}) == Flag(on=False, count=3)
