"""Two creates of one sandbox at once: the second is refused and changes nothing (real processes, real flock)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys

import pytest

from infra.sandbox.lifecycle import Sandboxes
from infra.sandbox.lock import creation_lock, lock_path
from infra.sandbox.spec import SandboxRefused
from tests.helpers import ROOT
from tests.infra.sandbox.fake import FakeBackend
from tests.infra.sandbox.hold_create import fixed_estimate

STACK = "sandbox-alice-box"


@pytest.fixture
def stacks_dir(tmp_path):
    shutil.copy(ROOT / "stacks" / "Pulumi.sandbox.yaml", tmp_path)
    return tmp_path


@pytest.fixture
def first(stacks_dir):
    """A first `create` of sandbox-alice-box in another process, stopped inside `pulumi up`."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.infra.sandbox.hold_create", str(stacks_dir), "alice"],
                            cwd=ROOT, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    line = proc.stdout.readline()
    assert line == "up\n", proc.communicate()
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _create(stacks_dir, backend):
    return Sandboxes(backend, planner=fixed_estimate, stacks_dir=stacks_dir).create("alice", on_output=print)


def test_a_second_create_while_the_first_deploys_is_refused_and_touches_nothing(stacks_dir, first):
    second = FakeBackend()
    with pytest.raises(SandboxRefused) as err:
        _create(stacks_dir, second)
    assert str(err.value) == (f"sandbox '{STACK}' is being created by another process; wait for it to finish, "
                              f"then `mlinfra sandbox list` (lock: {lock_path(stacks_dir, STACK)})")
    assert second.calls == []  # not even a look at the backend
    out, err_text = first.communicate("", timeout=30)  # let the first one finish
    assert first.returncode == 0, err_text
    assert out.startswith(f"created {STACK}, expires ")
    assert not lock_path(stacks_dir, STACK).exists()
    _create(stacks_dir, FakeBackend())  # and the lock is free again


def test_a_killed_creator_leaves_no_lock_behind(stacks_dir, first):
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert lock_path(stacks_dir, STACK).exists()  # the file stays, the flock went with the process
    backend = FakeBackend()
    _create(stacks_dir, backend)
    assert [c[0] for c in backend.calls] == ["list_stacks", "create", "set_tags", "set_config", "up"]


def test_other_sandboxes_are_not_blocked(stacks_dir, first):
    info = Sandboxes(FakeBackend(), planner=fixed_estimate, stacks_dir=stacks_dir).create("bob", on_output=print)
    assert info.stack == "sandbox-bob-box"


def test_a_stack_made_elsewhere_after_the_check_is_refused_before_any_change(stacks_dir):
    class MadeMeanwhile(FakeBackend):
        """Another machine creates the stack between `list_stacks` and `create` (a shared backend)."""

        def list_stacks(self):
            found = super().list_stacks()
            self.add(STACK, {"mlinfra-expires": "2026-11-30T00:00:00Z"})
            return found

    backend = MadeMeanwhile()
    with pytest.raises(SandboxRefused) as err:
        _create(stacks_dir, backend)
    assert str(err.value) == f"sandbox '{STACK}' already exists; choose another --name or destroy it first"
    assert [c[0] for c in backend.calls] == ["list_stacks", "create"]
    assert backend.stacks[STACK]["tags"] == {"mlinfra-expires": "2026-11-30T00:00:00Z"}  # not overwritten


def test_the_lock_file_goes_on_release_and_a_held_lock_refuses_even_in_one_process(tmp_path):
    # flock belongs to an open file, so a second open in the same process is refused too.
    with creation_lock(tmp_path, STACK):
        assert lock_path(tmp_path, STACK).exists()
    assert not lock_path(tmp_path, STACK).exists()
    with creation_lock(tmp_path, STACK), pytest.raises(SandboxRefused), creation_lock(tmp_path, STACK):
        pass


def test_the_command_refuses_the_second_create_with_exit_1(stacks_dir, first, monkeypatch):
    from click.testing import CliRunner

    from infra.cli import sandbox as cli_sandbox
    from infra.cli.main import main

    second = FakeBackend()
    monkeypatch.setattr(cli_sandbox, "_sandboxes",
                        lambda: Sandboxes(second, planner=fixed_estimate, stacks_dir=stacks_dir))
    result = CliRunner().invoke(main, ["sandbox", "create", "alice"])
    assert result.exit_code == 1
    assert " ".join(result.stderr.split()) == (
        f"refused: sandbox '{STACK}' is being created by another process; wait for it to finish, then "
        f"`mlinfra sandbox list` (lock: {lock_path(stacks_dir, STACK)})")
    assert second.calls == []
