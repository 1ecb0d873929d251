"""`mlinfra sandbox ...` commands: output and exit codes, with the in-memory backend and a fixed clock."""

import os

import pytest
from click.testing import CliRunner

from infra.cli import sandbox as cli_sandbox
from infra.cli.main import main
from infra.sandbox.lifecycle import Sandboxes
from infra.sandbox.spec import TAG_EXPIRES
from tests.helpers import mlinfra
from tests.infra.sandbox.fake import FakeBackend
from tests.infra.sandbox.test_lifecycle import Clock, _tags, cached_plan


@pytest.fixture
def backend(monkeypatch):
    # The engineer running the commands: alice, whose sandboxes the tests destroy.
    monkeypatch.setenv("MLINFRA_USER", "alice")
    fake = FakeBackend()
    monkeypatch.setattr(cli_sandbox, "_sandboxes", lambda: Sandboxes(fake, planner=cached_plan, clock=Clock()))
    return fake


def run(*args):
    return CliRunner().invoke(main, ["sandbox", *args])


def flat(text):
    return " ".join(text.split())


def test_create_prints_the_sandbox_and_streams_pulumi(backend):
    result = run("create", "alice", "--gpu", "nvidia-l4", "--ttl", "8h")
    assert result.exit_code == 0, result.output
    # 54, then 2 for the cluster contracts (#15): the gp3 StorageClass and the GPU-label ASG tag;
    # then 3 for issue #17: the closed default security group, the control-plane and flow-log keys;
    # then 3 for the GPU platform (#32).
    assert result.stdout == ("created sandbox-alice-box: aws, peak 0.7897 USD/h, 62 resources, "
                             "expires 2026-11-23T17:00:00Z (in 8h 00m)\n")
    assert "Updating (sandbox-alice-box)" in result.stderr


def test_create_refusals_exit_1_with_the_reason(backend):
    result = run("create", "alice", "--ttl", "2d")
    assert result.exit_code == 1
    assert flat(result.stderr) == ("refused: --ttl 2d is longer than the sandbox maximum of 24h "
                                   "(mlinfra:sandbox.max_ttl_hours)")
    backend.add("sandbox-alice-gpu")
    result = run("create", "alice", "--name", "gpu")
    assert result.exit_code == 1
    assert flat(result.stderr) == ("refused: sandbox 'sandbox-alice-gpu' already exists; choose another --name "
                                   "or destroy it first")


def test_list_extend_destroy(backend):
    backend.add("sandbox-alice-box", _tags("2026-11-23T14:30:00Z"))
    result = run("list")
    assert result.exit_code == 0
    assert "│ sandbox-alice-box │ alice │ aws   │ 2026-11-23T14:30:00Z │ 5h 30m    │ 1.1578     │ 59" in result.stdout
    result = run("extend", "sandbox-alice-box", "--ttl", "2h")
    assert (result.exit_code, result.stdout) == (0, "sandbox-alice-box now expires 2026-11-23T16:30:00Z (in 7h 30m)\n")
    assert backend.stacks["sandbox-alice-box"]["tags"][TAG_EXPIRES] == "2026-11-23T16:30:00Z"
    result = run("extend", "sandbox-alice-box", "--ttl", "24h")
    assert result.exit_code == 1
    assert flat(result.stderr) == ("refused: extending 'sandbox-alice-box' by 24h would expire it at "
                                   "2026-11-24T16:30:00Z, past the maximum TTL of 24h from now (2026-11-24T09:00:00Z)")
    result = run("destroy", "sandbox-alice-box", "--yes")
    assert (result.exit_code, result.stdout) == (0, "destroyed and removed sandbox-alice-box\n")
    result = run("destroy", "sandbox-alice-box", "--yes")
    assert result.exit_code == 1
    assert flat(result.stderr) == ("refused: no sandbox named 'sandbox-alice-box'; `mlinfra sandbox list` shows "
                                   "them")
    assert run("list").stdout == "no sandboxes\n"


def test_destroy_failure_exits_3(backend):
    backend.add("sandbox-alice-box", _tags("2026-11-23T14:30:00Z"))
    backend.fail[("destroy", "sandbox-alice-box")] = "boom"
    result = run("destroy", "sandbox-alice-box", "--yes")
    assert result.exit_code == 3
    assert flat(result.stderr).endswith("pulumi destroy failed for 'sandbox-alice-box': boom; the stack is kept, "
                                        "run the command again")


def test_reap_reports_each_sandbox_and_exits_1_on_a_failure(backend):
    backend.add("sandbox-a-old", _tags("2026-11-23T08:00:00Z", "a"))
    backend.add("sandbox-b-old", _tags("2026-11-23T07:00:00Z", "b"))
    assert run("reap", "--dry-run").stdout == ("sandbox-a-old: would-destroy: expired 2026-11-23T08:00:00Z\n"
                                               "sandbox-b-old: would-destroy: expired 2026-11-23T07:00:00Z\n")
    backend.fail[("destroy", "sandbox-a-old")] = "timeout"
    result = run("reap")
    assert result.exit_code == 1
    assert result.stdout == ("sandbox-a-old: failed: destroy failed: timeout\n"
                             "sandbox-b-old: destroyed: expired 2026-11-23T07:00:00Z; resources destroyed, "
                             "stack removed\n")
    del backend.fail[("destroy", "sandbox-a-old")]
    assert run("reap").exit_code == 0
    result = run("reap")
    assert (result.exit_code, result.stdout) == (0, "no sandboxes\n")


def _mlinfra_without_pulumi(*args):
    env = {**os.environ, "PATH": "/nonexistent"}
    return mlinfra(*args, env=env)


def test_h100_sandbox_is_refused_by_the_real_command_before_pulumi_is_needed():
    result = _mlinfra_without_pulumi("sandbox", "create", "alice", "--gpu", "nvidia-h100-80gb:8")
    assert result.returncode == 1, result.stderr
    assert flat(result.stderr) == (
        "refused: sandbox 'sandbox-alice-box' is over budget: estimated peak cost 55.43 USD/h exceeds the budget "
        "of 5.00 USD/h; node pools at peak: sandbox-gpu-ng 55.04 USD/h (p5.48xlarge spot x 0..1), "
        "sandbox-system-ng 0.20 USD/h (m7i.large on-demand x 1..2)")


def test_commands_that_need_pulumi_say_so_without_it():
    result = _mlinfra_without_pulumi("sandbox", "list")
    assert result.returncode == 2
    assert flat(result.stderr) == ("pulumi CLI not on PATH: sandboxes deploy with the Pulumi CLI; install it "
                                   "(https://www.pulumi.com/docs/install/) and log in to a backend")


def test_a_name_with_a_trailing_newline_is_refused_by_the_real_command():
    result = _mlinfra_without_pulumi("sandbox", "create", "bob", "--name", "box\n")
    assert result.returncode == 1
    assert result.stderr == ("refused: --name 'box\\n' must be lower-case letters, digits and hyphens, starting "
                             "with a letter or digit\n")


def test_destroy_asks_first_and_keeps_the_sandbox_unless_confirmed(backend):
    backend.add("sandbox-alice-box", _tags("2026-11-23T14:30:00Z"))
    result = CliRunner().invoke(main, ["sandbox", "destroy", "sandbox-alice-box"], input="n\n")
    assert result.exit_code == 1
    assert "Destroy sandbox-alice-box (owner alice, 59 resources)? Its resources and data are deleted [y/N]: " \
        in result.stderr
    assert flat(result.stderr).endswith("refused: not confirmed; nothing was destroyed (--yes skips the question)")
    # No answer at all (stdin closed, as in a script) is a no too.
    result = CliRunner().invoke(main, ["sandbox", "destroy", "sandbox-alice-box"], input="")
    assert result.exit_code == 1 and "sandbox-alice-box" in backend.stacks
    assert not [c for c in backend.calls if c[0] in ("destroy", "remove")]
    result = CliRunner().invoke(main, ["sandbox", "destroy", "sandbox-alice-box"], input="y\n")
    assert (result.exit_code, result.stdout) == (0, "destroyed and removed sandbox-alice-box\n")


def test_destroying_another_owners_sandbox_needs_force(backend):
    backend.add("sandbox-bob-box", _tags("2026-11-23T14:30:00Z", owner="bob"))
    result = run("destroy", "sandbox-bob-box", "--yes")
    assert result.exit_code == 1
    assert flat(result.stderr) == ("refused: sandbox-bob-box belongs to bob, not alice; pass --force to destroy it "
                                   "anyway (nothing was destroyed)")
    assert "sandbox-bob-box" in backend.stacks
    result = run("destroy", "sandbox-bob-box", "--yes", "--force")
    assert (result.exit_code, result.stdout) == (0, "destroyed and removed sandbox-bob-box\n")


def test_create_dry_run_needs_no_pulumi_cli_and_no_backend(monkeypatch):
    # No backend at all: a dry run that tried to reach Pulumi would fail here.
    monkeypatch.setattr(cli_sandbox, "_sandboxes", lambda: pytest.fail("a dry run must not touch Pulumi"))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    result = run("create", "alice", "--gpu", "nvidia-l4", "--ttl", "8h", "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "dry run: sandbox-alice-box (nothing was created; no Pulumi CLI needed)"
    assert lines[1] == "  cloud aws, cluster sandbox; GPU pools: gpu: nvidia-l4 x1 per node, 0..1 nodes, spot"
    assert lines[2].startswith("  expires ") and lines[2].endswith(" if created now (in 8h 00m; at most 24h)")
    # 62 resources and 2 more physical names since the GPU platform (#32); the spot L4 at its spot price (#29).
    assert lines[3] == "  62 cloud resources; cost idle 0.2604 USD/h, peak 0.7897 USD/h (budget 5 USD/h)"
    assert lines[4:] == ["  policy: clean", "  names: 15 physical names, none claimed by another stack",
                         "`create` would go ahead: within budget, policy-clean, no name claimed twice"]


def test_create_dry_run_says_every_reason_it_would_refuse(monkeypatch):
    monkeypatch.setattr(cli_sandbox, "_sandboxes", lambda: pytest.fail("a dry run must not touch Pulumi"))
    # 8 A10Gs: g5.48xlarge, over the 5 USD/h budget even at its spot price (8 L4s on spot fit since #29).
    result = run("create", "alice", "--gpu", "nvidia-a10g:8", "--ttl", "2d", "--dry-run")
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "refused, `create` would stop before Pulumi runs:" in out
    assert "  - --ttl 2d is longer than the sandbox maximum of 24h (mlinfra:sandbox.max_ttl_hours)" in out
    assert "budget" in out.split("refused,")[1]
