"""Hostile stack and project files: `make_plan` answers exit 2 naming the file, line and key, never a crash."""

import shutil

import pytest
from click.testing import CliRunner

import infra.plan.make as make
from infra.cli.main import main
from infra.offline.engine import REPO_ROOT
from infra.plan.make import EXIT_CONFIG, EXIT_PACK, make_plan

STACKS = REPO_ROOT / "stacks"


@pytest.fixture
def stacks(tmp_path):
    for path in STACKS.glob("Pulumi.*.yaml"):
        shutil.copy(path, tmp_path)
    return tmp_path


def test_a_second_clusters_key_no_longer_silently_drops_staging_cluster(stacks):
    path = stacks / "Pulumi.staging.yaml"
    text = path.read_text()
    first = text.splitlines().index("  mlinfra:clusters:") + 1
    path.write_text(text + "  mlinfra:clusters: {}\n")
    outcome = make_plan("staging", stacks)
    assert outcome.exit_code == EXIT_CONFIG and outcome.document is None
    last = len(text.splitlines()) + 1
    assert outcome.error == (f"{path}: line {last}: duplicate key 'config.mlinfra:clusters' (first on line {first}, "
                             f"again on line {last}); keep only one of them")


def test_a_date_in_a_real_stack_file_names_its_key_and_line(stacks):
    path = stacks / "Pulumi.dev.yaml"
    text = path.read_text().replace("owner: ml-platform", "owner: 2024-01-01", 1)
    path.write_text(text)
    line = text.splitlines().index("    owner: 2024-01-01") + 1
    assert make_plan("dev", stacks).error == (
        f"{path}: line {line}: config.mlinfra:tags.owner: value '2024-01-01' is a date/timestamp, which has no JSON "
        "form; quote it to keep it as text")


def test_an_environment_of_300_characters_is_a_config_error_not_a_file_name_too_long(stacks):
    path = stacks / "Pulumi.dev.yaml"
    path.write_text(path.read_text().replace("mlinfra:environment: dev", "mlinfra:environment: " + "d" * 300, 1))
    outcome = make_plan("dev", stacks)
    assert outcome.exit_code == EXIT_CONFIG
    assert outcome.error == ("invalid config for stack 'dev' (1 problem):\n  - environment: must be 'dev', 'staging', "
                             f"'prod' or 'sandbox' (got '{'d' * 300}')")


def project(tmp_path, text):
    (tmp_path / "Pulumi.yaml").write_text(text)
    return make_plan("any", project_dir=tmp_path)


def test_a_project_file_that_is_invalid_or_points_main_nowhere_is_exit_2(tmp_path):
    path = tmp_path / "Pulumi.yaml"
    outcome = project(tmp_path, "name: x\nmain: [unclosed\n")
    assert outcome.exit_code == EXIT_CONFIG and outcome.error.startswith(f"{path}: not valid YAML: ")
    outcome = project(tmp_path, "name: x\nmain: nowhere/\n")
    assert outcome.exit_code == EXIT_CONFIG
    assert outcome.error == (f"{path}: main: the program {tmp_path}/nowhere does not exist; point 'main' at the "
                             "program's folder or file")
    outcome = project(tmp_path, "name: x\n")  # no main: the folder itself, which has no __main__.py
    assert outcome.error == (f"{path}: main: the program {tmp_path}/__main__.py does not exist; point 'main' at the "
                             "program's folder or file")
    outcome = project(tmp_path, "name: x\nname: y\n")
    assert outcome.error == (f"{path}: line 2: duplicate key 'name' (first on line 1, again on line 2); "
                             "keep only one of them")


@pytest.mark.parametrize("pinned", ["garbage", "2026-13-01", "20261129", "2026-02-30"])
def test_a_price_date_that_is_not_yyyy_mm_dd_is_exit_2_before_anything_runs(stacks, monkeypatch, pinned):
    monkeypatch.setenv("MLINFRA_PRICE_DATE", pinned)
    monkeypatch.setattr(make, "PolicyAnalyzer", None)  # starting a pack would raise: nothing may start
    outcome = make_plan("dev", stacks)
    assert (outcome.exit_code, outcome.document) == (EXIT_CONFIG, None)
    assert outcome.error == (f"MLINFRA_PRICE_DATE='{pinned}' is not a date: expected YYYY-MM-DD, e.g. 2026-11-29 "
                             "(or unset it to price at today's date)")


@pytest.mark.parametrize("command", [["plan", "dev"], ["cost", "dev"], ["names", "check"], ["sandbox", "list"]])
def test_every_command_refuses_a_bad_price_date_as_a_usage_error(command):
    result = CliRunner().invoke(main, command, env={"MLINFRA_PRICE_DATE": "garbage"})
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == ("Error: MLINFRA_PRICE_DATE='garbage' is not a date: expected YYYY-MM-DD, "
                                              "e.g. 2026-11-29 (or unset it to price at today's date)")


PLAN_TIME_ERROR = ("MLINFRA_PLAN_TIME='noonish' is not a moment: expected epoch seconds (e.g. 1795953600) or ISO "
                   "8601 (e.g. 2026-11-29T12:00:00Z; no zone means UTC), or unset it to plan at the real time")


def test_a_plan_time_that_names_no_moment_is_exit_2_before_anything_runs(stacks, monkeypatch):
    monkeypatch.setenv("MLINFRA_PLAN_TIME", "noonish")  # MLINFRA_PRICE_DATE is set too (conftest)
    monkeypatch.setattr(make, "PolicyAnalyzer", None)  # starting a pack would raise: nothing may start
    outcome = make_plan("sandbox", stacks)
    assert (outcome.exit_code, outcome.document, outcome.error) == (EXIT_CONFIG, None, PLAN_TIME_ERROR)


@pytest.mark.parametrize("command", [["plan", "sandbox"], ["diff", "HEAD~1", "HEAD"], ["sandbox", "list"]])
def test_every_command_refuses_a_bad_plan_time_as_a_usage_error(command):
    result = CliRunner().invoke(main, command, env={"MLINFRA_PLAN_TIME": "noonish"})
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"Error: {PLAN_TIME_ERROR}"


def test_a_missing_policy_pack_or_manifest_is_exit_3_naming_it(stacks, tmp_path, monkeypatch):
    missing = tmp_path / "no-policies"
    monkeypatch.setattr(make, "PACK_DIR", missing)
    monkeypatch.setattr(make, "PolicyAnalyzer", None)  # nothing may start
    outcome = make_plan("dev", stacks)
    assert (outcome.exit_code, outcome.document) == (EXIT_PACK, None)
    assert outcome.error == (f"policy check failed: policy pack {missing} does not exist; restore policies/ from the "
                             "repository")
    missing.mkdir()
    (missing / "__main__.py").write_text("")
    outcome = make_plan("dev", stacks)
    assert (outcome.exit_code, outcome.error) == (EXIT_PACK, (
        f"policy check failed: policy pack {missing} has no PulumiPolicy.yaml, so Pulumi would not run it; "
        "restore it from the repository"))
    (missing / "PulumiPolicy.yaml").write_text("runtime: python\nruntime: nodejs\n")
    assert make_plan("dev", stacks).error == (
        f"policy check failed: policy pack manifest {missing}/PulumiPolicy.yaml: line 2: duplicate key 'runtime' "
        "(first on line 1, again on line 2); keep only one of them")


def test_preflight_codes_are_make_plans():
    from infra.plan import preflight

    assert (preflight.EXIT_CONFIG, preflight.EXIT_PACK) == (EXIT_CONFIG, EXIT_PACK)
