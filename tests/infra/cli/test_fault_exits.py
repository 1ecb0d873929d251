"""Faults a user causes that used to end in exit 70: each now exit 2 with one message naming the cause."""

import errno
import json
import os
import shutil

import pytest
import yaml
from click.testing import CliRunner

from infra.cli import sandbox as cli_sandbox
from infra.cli.main import main
from infra.config.plan_clock import PlanTimeError, pinned_time
from infra.plan.make import make_plan
from infra.sandbox import lock
from infra.sandbox.lifecycle import Sandboxes
from tests.helpers import ROOT
from tests.infra.sandbox.fake import FakeBackend
from tests.infra.sandbox.test_lifecycle import Clock, cached_plan


@pytest.mark.parametrize("raw", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_a_plan_clock_that_overflows_in_its_time_zone_names_no_moment(raw):
    with pytest.raises(PlanTimeError, match="is not a moment"):
        pinned_time({"MLINFRA_PLAN_TIME": raw})


@pytest.mark.parametrize("raw, words", [("9999-12-31T23:00:00", "is too late"),
                                        ("1970-01-01T00:00:00Z", "is not after 1970-01-01T00:00:00Z")])
def test_a_plan_clock_at_the_edges_of_the_calendar_is_refused(raw, words):
    with pytest.raises(PlanTimeError, match=words):
        pinned_time({"MLINFRA_PLAN_TIME": raw})


def test_the_cli_refuses_an_overflowing_plan_clock_with_exit_2(monkeypatch):
    monkeypatch.setenv("MLINFRA_PLAN_TIME", "9999-12-31T23:59:59-01:00")
    result = CliRunner().invoke(main, ["plan", "dev"])
    assert result.exit_code == 2
    assert "MLINFRA_PLAN_TIME='9999-12-31T23:59:59-01:00' is not a moment" in result.output


def test_sandbox_create_in_a_read_only_checkout_is_exit_2_naming_the_lock(tmp_path, monkeypatch):
    shutil.copy(ROOT / "stacks" / "Pulumi.sandbox.yaml", tmp_path)
    fake = FakeBackend()
    monkeypatch.setattr(cli_sandbox, "_sandboxes",
                        lambda: Sandboxes(fake, planner=cached_plan, clock=Clock(), stacks_dir=tmp_path))
    real_open = os.open

    def read_only(path, flags, *args):
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_open(path, flags, *args)

    monkeypatch.setattr(lock.os, "open", read_only)
    result = CliRunner().invoke(main, ["sandbox", "create", "alice"])
    assert result.exit_code == 2, result.output
    assert " ".join(result.stderr.split()) == (
        f"cannot create {tmp_path}/.sandbox-alice-box.create.lock: read-only file system; sandbox create writes "
        f"the sandbox's stack file and this lock in {tmp_path}, so run it from a writable checkout")
    assert fake.list_stacks() == []  # refused before any stack was created


def test_an_aws_cluster_without_the_autoscaler_plans_at_a_version_with_no_autoscaler_pin(tmp_path):
    document = yaml.safe_load((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    clusters = document["config"]["mlinfra:clusters"]
    dev = clusters["dev"]
    dev["kubernetes_version"] = "1.33"
    dev.setdefault("aws", {})["cluster_autoscaler"] = False
    dev.pop("runners", None)
    dev.pop("gateways", None)
    document["config"]["mlinfra:observability"] = {"enabled": False}
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document))
    outcome = make_plan("dev", tmp_path)
    assert outcome.exit_code in (0, 1), outcome.error  # planned (policy findings allowed), not an internal error
    releases = [r for r in outcome.document["resources"] if r["type"] == "kubernetes:helm.sh/v3:Release"]
    assert not any("autoscaler" in json.dumps(r["inputs"].get("chart", "")) for r in releases)


@pytest.mark.parametrize("user, expected", [("alice", "alice"), ("al\nice", "unknown"), ("\u0430lice", "unknown"),
                                            ("a" * 65, "unknown")])
def test_the_creator_tag_takes_only_a_plain_login_name(monkeypatch, user, expected):
    monkeypatch.setattr(cli_sandbox.getpass, "getuser", lambda: user)
    assert cli_sandbox._creator() == expected


@pytest.mark.parametrize("args", [["plan", "dev", "--out", "plans/nul\x00name"],
                                  ["cost", "dev", "--out", "a\x00b"],
                                  ["plan", "dev", "--stacks-dir", "a\x00b"],
                                  ["diff", "a\x00b", "c", "--out", "d\x00e"]])
def test_a_nul_byte_in_any_path_option_is_a_usage_error_not_an_internal_one(args):
    # Found by the property test: click.Path's os.stat raised ValueError, which became exit 70.
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "the path holds a NUL byte" in result.output


def test_a_nul_byte_in_a_diff_side_is_read_as_a_path_and_refused_with_exit_2(tmp_path):
    # Found by the diff property test: pathlib's exists() answers False for a NUL byte, so the side went to
    # git as a revision and subprocess raised ValueError (exit 70).
    result = CliRunner().invoke(main, ["diff", str(tmp_path / "a\x00b"), str(tmp_path / "c.json"), "--repo",
                                       str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "embedded null byte" in result.output
