"""The pack as the CLI sees it (metadata, files, config) and the analyzer client's failure modes."""

from __future__ import annotations

import json
import re
import shutil
import time
import tomllib
from pathlib import Path

import pytest
import yaml
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import rpc

from infra.offline.analyzer import PolicyAnalyzer, PolicyPackError
from infra.offline.analyzer_inputs import analyzer_struct
from infra.offline.engine import REPO_ROOT
from infra.offline.policy_check import PACK_DIR
from infra.offline.policy_config import (
    PolicyConfigError,
    PolicySetting,
    load_policy_config,
    parse_policy_config,
    reconcile,
)
from tests.policies.conftest import resource
from tests.policies.test_stack_rules import gpu_pools

CONFIGS = sorted((PACK_DIR / "config").glob("*.json"))


def _levels(config) -> dict[str, int]:
    return {name: c.enforcementLevel for name, c in config.items()}


def test_every_rule_is_described_for_people(pack):
    info = pack.info
    assert info.name == "mlinfra" and info.supportsConfig
    # 44, then 3 over ARC runner scale set releases, 1 over chart pins, 3 cluster contracts (k8s_contracts),
    # 2 over CI identities (#16), 7 from issue #17 (aws_baseline, lb-waf, gke-gateway-cloud-armor, two GKE rules),
    # 5 over datasets (#27, policies/datasets.py), the two GPU-platform stack rules (#32),
    # 5 IAM document rules from issue #25 (aws_iam_documents), 2 keeping the GitHub App key out of state (#26)
    assert len(info.policies) == 81
    for policy in info.policies:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", policy.name), policy.name
        assert policy.description and "\n" not in policy.description
        assert re.search(r"\((CIS|practice|AWS)[^)]*\)$", policy.description), policy.description
        assert policy.severity != 0, policy.name
        assert policy.remediation_steps, policy.name


def test_pack_files_are_what_pulumi_preview_expects():
    project = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python" and project["version"] == "0.1.0"
    requirements = (PACK_DIR / "requirements.txt").read_text().split()
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for package in ("pulumi-policy", "pulumi"):
        [wanted] = [d for d in pyproject if re.match(rf"{package}[><=]", d)]
        assert wanted in requirements


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_config_files_name_only_real_policies(pack, path):
    reconcile(pack.info, load_policy_config(path))


@pytest.mark.parametrize("env", ["prod", "staging"])
def test_prod_and_staging_make_every_rule_mandatory(pack, env):
    config = reconcile(pack.info, load_policy_config(PACK_DIR / "config" / f"{env}.json"))
    assert set(_levels(config).values()) == {1}


NEVER_RELAXED = ("iam-no-admin-policies", "iam-trust-scoped", "iam-role-permissions-boundary",
                 "gcp-no-admin-project-roles")


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_no_config_relaxes_the_ci_identity_rules(pack, path):
    """Admin policies on CI identities are refused in every environment, the bootstrap's included."""
    levels = _levels(reconcile(pack.info, load_policy_config(path)))
    assert {rule: levels[rule] for rule in NEVER_RELAXED} == dict.fromkeys(NEVER_RELAXED, 1)


def test_a_config_cannot_empty_the_list_of_admin_policies(pack):
    attach = resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "ci-attach",
                      {"role": "r", "policyArn": "arn:aws:iam::aws:policy/PowerUserAccess"})
    pack.configure(parse_policy_config(json.dumps({"iam-no-admin-policies": {"forbiddenPolicies": []}})))
    try:
        assert [(f.policy, f.level) for f in pack.analyze(attach)] == [("iam-no-admin-policies", "mandatory")]
    finally:
        pack.configure({})


@pytest.mark.parametrize("env", ["dev", "sandbox"])
def test_dev_and_sandbox_relax_only_what_they_name(pack, env):
    named = json.loads((PACK_DIR / "config" / f"{env}.json").read_text())
    defaults = _levels(reconcile(pack.info, {}))
    relaxed = _levels(reconcile(pack.info, load_policy_config(PACK_DIR / "config" / f"{env}.json")))
    assert {n for n in defaults if defaults[n] != relaxed[n]} == set(named)


def test_reconcile_fills_schema_defaults_then_all_then_named(pack):
    settings = parse_policy_config(json.dumps({
        "sandbox-gpu-cap": {"maxGpus": 2}, "all": "advisory", "s3-versioning": "disabled"}))
    config = reconcile(pack.info, settings)
    assert json_format.MessageToDict(config["sandbox-gpu-cap"].properties) == {"maxGpus": 2}
    assert json_format.MessageToDict(config["sandbox-expiry"].properties) == {"expiryTag": "expires-at",
                                                                              "maxTtlHours": 72}
    assert config["s3-versioning"].enforcementLevel == 2 and config["eks-private-endpoint"].enforcementLevel == 0


@pytest.mark.parametrize("text, message", [
    ('{"s3-versioning": "strict"}', "cfg: s3-versioning: must be one of advisory, mandatory, disabled, remediate "
                                    "(got 'strict')"),
    ('[1]', "cfg: must be a JSON object keyed by policy name"),
    ('{"s3-versioning": 3}', "cfg: s3-versioning: must be an enforcement level or an object"),
])
def test_bad_policy_config_is_refused(text, message):
    with pytest.raises(PolicyConfigError) as err:
        parse_policy_config(text, "cfg")
    assert str(err.value) == message


def test_unknown_policy_name_is_refused(pack):
    with pytest.raises(PolicyConfigError, match="unknown policies in policy config: s3-versoning"):
        reconcile(pack.info, {"s3-versoning": PolicySetting("advisory")})


def test_configure_reaches_the_pack(pack):
    try:
        pack.configure({"sandbox-gpu-cap": PolicySetting("advisory", {"maxGpus": 1})})
        findings = pack.analyze_stack(gpu_pools(max_nodes=2))
        assert [(f.policy, f.level, f.message) for f in findings] == [
            ("sandbox-gpu-cap", "advisory", "sandbox can grow to 2 GPUs (l4-ng: 2); the cap is 1")]
    finally:
        pack.configure({})


def test_resource_references_and_output_values_become_plain_values():
    struct = struct_pb2.Struct()
    struct.update({
        "role": {rpc._special_sig_key: rpc._special_resource_sig, "urn": "urn:pulumi:a::b::c::d", "id": "role-1"},
        "parent": {rpc._special_sig_key: rpc._special_resource_sig, "urn": "urn:pulumi:a::b::comp::e"},
        "arn": {rpc._special_sig_key: rpc._special_output_value_sig},
        "list": [{rpc._special_sig_key: rpc._special_output_value_sig, "value": "x"}],
        "secret": {rpc._special_sig_key: rpc._special_secret_sig, "value": "s"},
    })
    assert json_format.MessageToDict(analyzer_struct(struct)) == {
        "role": "role-1", "parent": "urn:pulumi:a::b::comp::e", "arn": rpc.UNKNOWN, "list": ["x"],
        "secret": {rpc._special_sig_key: rpc._special_secret_sig, "value": "s"}}


def _pack_copy(tmp_path: Path) -> Path:
    shutil.copytree(PACK_DIR, tmp_path / "policies", ignore=shutil.ignore_patterns("__pycache__"))
    # The pack reads the catalog's shared facts, so the copy needs them beside it (nothing else of infra/).
    shutil.copytree(REPO_ROOT / "infra" / "catalog", tmp_path / "infra" / "catalog",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "policies"


def test_a_broken_rule_module_fails_loudly(tmp_path):
    pack_dir = _pack_copy(tmp_path)
    with (pack_dir / "gcp.py").open("a") as module:
        module.write("\nRULES.append(undefined_rule())\n")
    started = time.monotonic()
    with pytest.raises(PolicyPackError) as err:
        PolicyAnalyzer(pack_dir).start()
    assert time.monotonic() - started < 30
    assert f"policy pack {pack_dir} failed to start (exit code 1)" in str(err.value)
    assert "NameError: name 'undefined_rule' is not defined" in str(err.value)


def test_a_pack_that_never_serves_times_out(tmp_path):
    pack_dir = _pack_copy(tmp_path)
    (pack_dir / "__main__.py").write_text("import time\ntime.sleep(60)\n")
    analyzer = PolicyAnalyzer(pack_dir, start_timeout=2)
    with pytest.raises(PolicyPackError, match=r"printed no port within 2s"):
        analyzer.start()
    assert analyzer.proc is not None and analyzer.proc.poll() is not None


def _broken_rule(tmp_path, module: str, function: str, body: str, timeout: float | None = None) -> Path:
    """A pack copy with `function` in `module` starting with `body` (and the rule timeout set)."""
    pack_dir = _pack_copy(tmp_path)
    source = (pack_dir / module).read_text()
    (pack_dir / module).write_text(source.replace(
        f"def {function}(props, ctx):\n", f"def {function}(props, ctx):\n    {body}\n").replace(
        f"def {function}(resource, stack):\n", f"def {function}(resource, stack):\n    {body}\n"))
    if timeout is not None:
        guard = (pack_dir / "rule_guard.py").read_text()
        (pack_dir / "rule_guard.py").write_text(guard.replace("RULE_TIMEOUT_SECONDS = 20.0",
                                                              f"RULE_TIMEOUT_SECONDS = {timeout}"))
    return pack_dir


def _line_of(pack_dir: Path, module: str, body: str) -> int:
    """Where the injected `body` landed, as the failure message reports it."""
    return (pack_dir / module).read_text().splitlines().index(f"    {body}") + 1


CLUSTER = resource("aws:eks/cluster:Cluster", "c", {})
# Once `failed in Analyze: UNKNOWN: Exception calling application: rule bug`, naming no rule (issue #18).
RAISE = 'raise ValueError("rule bug")'


def _logs_rule_failed(pack_dir: Path) -> str:
    return ("policy rule 'eks-control-plane-logging' failed on urn:pulumi:test::mlinfra::aws:eks/cluster:"
            f"Cluster::c: ValueError: rule bug (at aws_compute.py:{_line_of(pack_dir, 'aws_compute.py', RAISE)} "
            "in _logs)")


def test_a_rule_that_crashes_is_named_with_the_resource(tmp_path):
    pack_dir = _broken_rule(tmp_path, "aws_compute.py", "_logs", RAISE)
    with PolicyAnalyzer(pack_dir) as analyzer, pytest.raises(PolicyPackError) as err:
        analyzer.analyze(CLUSTER)
    assert str(err.value) == _logs_rule_failed(pack_dir)


def test_a_rule_that_crashes_fails_the_pipelined_analysis_too(tmp_path):
    pack_dir = _broken_rule(tmp_path, "aws_compute.py", "_logs", RAISE)
    bucket = resource("aws:s3/bucket:Bucket", "b", {})
    with PolicyAnalyzer(pack_dir) as analyzer, pytest.raises(PolicyPackError) as err:
        analyzer.analyze_all([bucket, CLUSTER, bucket])
    assert str(err.value) == _logs_rule_failed(pack_dir)


def test_a_stack_rule_that_crashes_is_named_with_the_resource(tmp_path):
    pack_dir = _broken_rule(tmp_path, "platform_wide.py", "_expiry", 'raise KeyError("expires-at")')
    with PolicyAnalyzer(pack_dir) as analyzer, pytest.raises(PolicyPackError) as err:
        analyzer.analyze_stack([CLUSTER])
    line = _line_of(pack_dir, "platform_wide.py", 'raise KeyError("expires-at")')
    assert str(err.value) == ("policy rule 'sandbox-expiry' failed on urn:pulumi:test::mlinfra::aws:eks/cluster:"
                              f"Cluster::c: KeyError: 'expires-at' (at platform_wide.py:{line} in _expiry)")


def test_a_rule_that_loops_is_stopped_and_named(tmp_path):
    pack_dir = _broken_rule(tmp_path, "aws_compute.py", "_logs", "while True: pass", timeout=0.5)
    started = time.monotonic()
    with PolicyAnalyzer(pack_dir) as analyzer, pytest.raises(PolicyPackError) as err:
        analyzer.analyze(CLUSTER)
    assert str(err.value) == ("policy rule 'eks-control-plane-logging' ran longer than 0.5s on urn:pulumi:test::"
                              "mlinfra::aws:eks/cluster:Cluster::c and was stopped; fix the rule (a loop that "
                              "never ends?)")
    assert time.monotonic() - started < 10


def test_a_rule_stuck_in_one_call_is_named_when_the_call_times_out(tmp_path):
    # A rule blocked inside one C call cannot be stopped; its watchdog line names it instead.
    pack_dir = _broken_rule(tmp_path, "aws_compute.py", "_logs", "import time; time.sleep(60)", timeout=0.5)
    analyzer = PolicyAnalyzer(pack_dir, rpc_timeout=3)
    try:
        analyzer.start()
        with pytest.raises(PolicyPackError) as err:
            analyzer.analyze(CLUSTER)
    finally:
        analyzer.abort()
    assert str(err.value) == ("policy pack did not answer Analyze within 3s: policy rule 'eks-control-plane-"
                              "logging' has run longer than 0.5s on urn:pulumi:test::mlinfra::aws:eks/cluster:"
                              "Cluster::c; stopping it")


def test_the_policy_pack_page_lists_every_rule(pack):
    page = (REPO_ROOT / "docs" / "concepts" / "policy-pack.md").read_text()
    assert "pulumi preview --policy-pack policies --policy-pack-config policies/config/prod.json" in page
    missing = [p.name for p in pack.info.policies if f"| `{p.name}` | {p.description} |" not in page]
    assert missing == []


def test_a_pack_that_prints_something_else_is_stopped(tmp_path):
    pack_dir = _pack_copy(tmp_path)
    (pack_dir / "__main__.py").write_text("import time\nprint('hello', flush=True)\ntime.sleep(60)\n")
    analyzer = PolicyAnalyzer(pack_dir, start_timeout=10)
    with pytest.raises(PolicyPackError, match=r"printed b'hello\\n' instead of its port"):
        analyzer.start()
    assert analyzer.proc is not None and analyzer.proc.poll() is not None


def test_analyze_all_over_more_resources_than_the_window_matches_one_call_each(pack):
    """Windowed calls give exactly the findings of one Analyze per resource, in resource order."""
    from infra.offline.analyzer import ANALYZE_WINDOW

    resources = [resource("aws:eks/cluster:Cluster", f"c{i:02d}", {}) if i % 3 else
                 resource("aws:s3/bucket:Bucket", f"b{i:02d}", {}) for i in range(ANALYZE_WINDOW * 2 + 5)]
    one_by_one = [f for r in resources for f in pack.analyze(r)] + pack.analyze_stack(resources)
    windowed = pack.analyze_all(resources)
    assert len(windowed) > len(resources)  # empty clusters and buckets break several rules each
    assert [(f.policy, f.urn, f.message) for f in windowed] == [(f.policy, f.urn, f.message) for f in one_by_one]


def test_the_stack_deadline_grows_with_the_stack_and_never_falls_below_the_base():
    from infra.offline.analyzer import stack_deadline

    assert stack_deadline(60, 0) == 60
    assert stack_deadline(60, 999) == 60
    assert stack_deadline(60, 4000) == 240  # a 500-pool plan: 60 s failed it on a loaded machine


def test_release_kills_the_pack_and_forgets_it():
    from infra.offline import analyzer as analyzer_module

    analyzer = PolicyAnalyzer(PACK_DIR)
    analyzer.start()
    proc = analyzer.proc
    analyzer.release()
    assert proc.returncode == -9  # killed, not asked to wind down
    assert analyzer.channel is None and proc not in analyzer_module._RUNNING
