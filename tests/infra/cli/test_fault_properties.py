"""Property tests: no command ends in exit 70 ("internal error") or hangs on faults a user causes.

Hypothesis walks every command (plan, plan --all, cost, diff, names check, sandbox with the in-memory backend,
prices refresh and stack new on the files they are given to read)
over output paths (missing folders, files in the way, FIFOs, sockets, devices, links, odd names), the
environment (the plan clock, the price date, COLUMNS, locale variables) and the shapes of documents given to
`diff`. Planning itself is replaced by recorded plans, so each example takes milliseconds and the whole file
runs in well under a minute; the real planner is covered by the stack tests. Exit 70 is for real bugs only:
any example that reaches it, raises, or runs past the alarm fails.

Standard output faults (closed, full, a reader gone, ASCII-only) need a real process: a few examples run
`diff` as a subprocess (tests/infra/cli/test_stdout_faults.py pins each case exactly).
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import infra.cli.plan_all as cli_plan_all
import infra.plan.make as make
import infra.plan.name_plans as name_plans
from infra.cli import sandbox as cli_sandbox
from infra.cli.internal_error import EXIT_INTERNAL
from infra.cli.main import main
from infra.offline.document import build_document
from infra.plan.cost import add_cost
from infra.plan.make import PlanOutcome
from infra.plan.make_all import AllPlans, CheckOutcome, StackPlan
from infra.sandbox.lifecycle import Sandboxes
from tests.helpers import ROOT, stack_run
from tests.infra.sandbox.fake import FakeBackend
from tests.infra.sandbox.hold_create import fixed_estimate
from tests.infra.sandbox.test_lifecycle import Clock

EXAMPLE_SECONDS = 20  # far above any example (milliseconds); only a hang reaches it
FAULT_PATHS = ("missing/x.out", "afile/x.out", "fifo", "socket", "adir", "existing.out", "link-to-fifo",
               "dangling-link", "chardev", "ro-file", "x" * 300, "new.out", "nul\0name", "line\nbreak.out")


class Hang(Exception):
    """An example ran past EXAMPLE_SECONDS."""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Recorded plans, and a folder of every kind of thing an output path can name."""
    document = build_document(stack_run("dev"))
    add_cost(document, None)
    root = tmp_path_factory.mktemp("faults")
    docs = root / "docs"
    docs.mkdir()
    (docs / "dev.json").write_text(json.dumps(document))
    return {"document": document, "root": root, "docs": docs}


def make_fault_paths(where: Path) -> None:
    where.mkdir()
    (where / "afile").write_text("")
    os.mkfifo(where / "fifo")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(where / "socket"))
    server.close()
    (where / "adir").mkdir()
    (where / "existing.out").write_text("previous")
    (where / "ro-file").write_text("previous")
    (where / "ro-file").chmod(0o444)
    (where / "link-to-fifo").symlink_to(where / "fifo")
    (where / "dangling-link").symlink_to(where / "nowhere" / "x")
    if os.geteuid() == 0:  # a device node of our own, so a regression could only ever replace this copy
        os.mknod(where / "chardev", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    else:
        os.mkfifo(where / "chardev")


def kinds(where: Path) -> dict[str, int]:
    """The file type of each special path, to prove none was replaced."""
    return {name: stat.S_IFMT(os.lstat(where / name).st_mode) for name in ("fifo", "socket", "chardev",
                                                                             "link-to-fifo", "adir")}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=12)


@st.composite
def documents(draw, base: dict) -> bytes:
    """What a user may give `diff`: a plan, a plan with one value replaced anywhere, other JSON, deep JSON, bytes."""
    kind = draw(st.sampled_from(["plan", "mutated", "json", "deep", "bytes"]))
    if kind == "plan":
        return json.dumps(base).encode()
    if kind == "mutated":
        document = copy.deepcopy(base)
        node: object = document
        for _ in range(draw(st.integers(1, 5))):
            if isinstance(node, dict) and node:
                key = draw(st.sampled_from(sorted(node)))
                if not isinstance(node[key], (dict, list)) or draw(st.booleans()):
                    node[key] = draw(json_values)
                    break
                node = node[key]
            elif isinstance(node, list) and node:
                index = draw(st.integers(0, len(node) - 1))
                if not isinstance(node[index], (dict, list)) or draw(st.booleans()):
                    node[index] = draw(json_values)
                    break
                node = node[index]
            else:
                break
        return json.dumps(document).encode()
    if kind == "json":
        return json.dumps(draw(json_values)).encode()
    if kind == "deep":
        depth = draw(st.integers(60, 3000))
        return b"[" * depth + b"]" * depth
    return draw(st.binary(max_size=64))


env_values = st.fixed_dictionaries({}, optional={
    "MLINFRA_PLAN_TIME": st.one_of(
        st.text(max_size=30), st.integers(-10**15, 10**15).map(str),
        st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
        st.sampled_from(["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "253402300799", "0"])),
    "MLINFRA_PRICE_DATE": st.one_of(st.text(max_size=12), st.dates().map(str)),
    "COLUMNS": st.one_of(st.integers(-5, 400).map(str), st.text(max_size=4)),
    "LC_ALL": st.sampled_from(["C", "POSIX", "en_US.UTF-8", "xx_YY.bogus"]),
    "NO_COLOR": st.sampled_from(["1", ""]),
    "TERM": st.sampled_from(["dumb", "xterm-256color", ""]),
})
# Environment values are text without NUL bytes: the OS cannot hold a NUL in one.
env_values = env_values.map(lambda env: {k: v.replace("\0", "") for k, v in env.items()})


def command_lines(out: str | None):
    """Every command, with `out` (when given) as its output path."""
    plan_formats = st.sampled_from(["table", "json", "markdown", "terraform-plan"])
    with_out = ["--out", out] if out else []
    return st.one_of(
        plan_formats.map(lambda f: ["plan", "dev", "--format", f, *with_out]),
        st.sampled_from(["table", "json", "markdown"]).map(
            lambda f: ["plan", "--all", "--format", f, *(["--out-dir", out] if out else [])]),
        st.sampled_from(["table", "json", "markdown"]).map(lambda f: ["cost", "dev", "--format", f, *with_out]),
        st.sampled_from(["text", "json"]).map(lambda f: ["names", "check", "--format", f]),
    )


sandbox_lines = st.one_of(
    st.tuples(st.text(max_size=12), st.text(max_size=6), st.text(max_size=10)).map(
        lambda t: ["sandbox", "create", t[0] or "x", "--ttl", t[1] or "1h", "--gpu", t[2] or "nvidia-l4"]),
    st.just(["sandbox", "list"]),
    st.text(max_size=20).map(lambda name: ["sandbox", "extend", name or "x", "--ttl", "1h"]),
    st.text(max_size=20).map(lambda name: ["sandbox", "destroy", name or "x"]),
    st.just(["sandbox", "reap", "--dry-run"]),
)


@contextlib.contextmanager
def alarm():
    def hang(signum, frame):
        raise Hang(f"an example ran past {EXAMPLE_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(EXAMPLE_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def recorded_planning(world, stacks_dir: Path):
    """Planning answered from the recorded dev plan; sandboxes from the in-memory backend."""
    outcome = PlanOutcome(0, document=world["document"])
    every = AllPlans([StackPlan("mlinfra", "dev", outcome), StackPlan("mlinfra", "prod", PlanOutcome(2, error="bad"))],
                     [CheckOutcome("names", 0, {"claims": []})])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(make, "make_plan", lambda *a, **k: outcome)
        patch.setattr(cli_plan_all, "plan_all", lambda *a, **k: every)
        patch.setattr(name_plans, "plan_inputs", lambda *a, **k: [])
        patch.setattr(name_plans, "plan_documents", lambda inputs: [world["document"]])
        backend = FakeBackend()
        backend.add("sandbox-alice-box")
        patch.setattr(cli_sandbox, "_sandboxes",
                      lambda: Sandboxes(backend, planner=fixed_estimate, clock=Clock(), stacks_dir=stacks_dir))
        yield


def run_and_check(args: list[str], env: dict[str, str]) -> None:
    with alarm():
        result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code != EXIT_INTERNAL, (args, env, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, env, result.exception)
    assert "Traceback" not in result.output


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=st.data(), env=env_values)
def test_no_command_ends_in_exit_70_whatever_the_output_path_and_environment(world, tmp_path_factory, data, env):
    where = tmp_path_factory.mktemp("out") / "paths"
    make_fault_paths(where)
    before = kinds(where)
    name = data.draw(st.sampled_from((None, *FAULT_PATHS)), label="out")
    out = str(where / name) if name else None
    args = data.draw(st.one_of(command_lines(out), sandbox_lines), label="args")
    stacks_dir = where.parent / "stacks"
    stacks_dir.mkdir()
    shutil.copy(ROOT / "stacks" / "Pulumi.sandbox.yaml", stacks_dir)
    with recorded_planning(world, stacks_dir):
        run_and_check(args, env)
    assert kinds(where) == before, "a special file was replaced"
    assert (where / "existing.out").exists() and not any(p.name.endswith(".tmp") for p in where.iterdir())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_diff_never_ends_in_exit_70_whatever_the_documents(world, tmp_path_factory, data):
    where = tmp_path_factory.mktemp("diff")
    sides = []
    for side in ("base", "head"):
        shape = data.draw(st.sampled_from(["file", "file", "file", "fifo", "dir", "index", "name"]), label=side)
        path = where / f"{side}.json"
        if shape == "name":  # any text: a missing file, a name too long, a NUL byte, not a git revision here
            path = where / data.draw(st.one_of(st.text(min_size=1, max_size=20), st.just("x" * 300)), label="name")
        elif shape == "fifo":
            os.mkfifo(path)  # nobody writes to it: reading it would hang
        elif shape == "dir":
            path = where / side
            path.mkdir()
            (path / "mlinfra.dev.json").write_bytes(data.draw(documents(world["document"])))
        elif shape == "index":
            path = where / side
            path.mkdir()
            (path / "index.json").write_bytes(data.draw(st.one_of(
                documents(world["document"]),
                st.builds(lambda v: json.dumps({"planVersion": 1, "stacks": v}).encode(), json_values))))
        else:
            path.write_bytes(data.draw(documents(world["document"])))
        sides.append(str(path))
    fmt = data.draw(st.sampled_from(["table", "json", "markdown"]))
    run_and_check(["diff", *sides, "--format", fmt, "--repo", str(where)], {})


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stdout=st.sampled_from(["closed", "full", "gone", "ascii"]), fmt=st.sampled_from(["table", "json", "markdown"]))
def test_standard_output_faults_end_with_a_documented_code(world, stdout, fmt):
    base = str(world["docs"] / "dev.json")
    empty = world["root"] / "empty.json"
    if not empty.exists():
        empty.write_text(json.dumps({**world["document"], "resources": []}))
    argv = [sys.executable, "-m", "infra.cli", "diff", base, str(empty), "--format", fmt]
    env = {**os.environ, "LC_ALL": "C", "PYTHONIOENCODING": "ascii"} if stdout == "ascii" else None
    if stdout == "closed":
        process = subprocess.run(["bash", "-c", 'exec "$@" >&-', "_", *argv], cwd=ROOT, capture_output=True,
                                 timeout=60)
        code = process.returncode
    elif stdout == "full":
        with open("/dev/full", "w") as full:
            code = subprocess.run(argv, cwd=ROOT, stdout=full, stderr=subprocess.PIPE, timeout=60).returncode
    elif stdout == "gone":
        process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        process.stdout.read(1)
        process.stdout.close()
        process.stderr.read()
        code = process.wait(timeout=60)
    else:
        code = subprocess.run(argv, cwd=ROOT, capture_output=True, env=env, timeout=60).returncode
    assert code == {"closed": 74, "full": 74, "gone": 141, "ascii": 0}[stdout]


INPUT_PATHS = ("fifo", "socket", "adir", "chardev", "link-to-fifo", "dangling-link", "missing/x", "afile",
               "contents", "nul\0name")
LOOPBACK_PRICE_APIS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                       "MLINFRA_AWS_PRICING_ENDPOINT": "http://127.0.0.1:9/", "MLINFRA_GCP_BILLING_API_KEY": "test",
                       "MLINFRA_GCP_BILLING_ENDPOINT": "http://127.0.0.1:9"}
input_contents = st.one_of(
    st.sampled_from([b"", b"\xff\xfe", b"[" * 50_000, b"{}", b"config: [", b"config:\n  a: !!binary x\n",
                     json.dumps({"snapshotVersion": 1, "rows": []}).encode()]),
    st.binary(max_size=64),
    json_values.map(lambda value: json.dumps(value).encode()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_commands_reading_a_named_file_never_end_in_exit_70_or_hang(tmp_path_factory, data):
    """`prices refresh --snapshot` and `stack new --bootstrap-file/--accepted-file` (#29, #31) on every kind of
    path and content: no exit 70, no hang, and on a refusal (exit 2) no file changed."""
    where = tmp_path_factory.mktemp("inputs") / "paths"
    make_fault_paths(where)
    (where / "contents").write_bytes(data.draw(input_contents, label="contents"))
    stacks = where.parent / "stacks"
    shutil.copytree(ROOT / "stacks", stacks, ignore=shutil.ignore_patterns("Pulumi.sandbox*", ".*"))
    shutil.copy(ROOT / "infra" / "bootstrap" / "stacks" / "Pulumi.bootstrap.yaml", where / "boot.yaml")
    shutil.copy(ROOT / "policies" / "checkov-accepted.yaml", where / "accepted.yaml")
    pick = lambda label: str(where / data.draw(st.sampled_from(INPUT_PATHS + (label,)), label=label))  # noqa: E731
    if data.draw(st.booleans(), label="prices"):
        args, env = ["prices", "refresh", "--snapshot", pick("contents")], LOOPBACK_PRICE_APIS
    else:
        args, env = ["stack", "new", "research", "--from", "dev", "--stacks-dir", str(stacks),
                     "--bootstrap-file", pick("boot.yaml"), "--accepted-file", pick("accepted.yaml")], {}
    before = {p: p.read_bytes() for p in [*where.glob("*"), *stacks.glob("*")] if p.is_file() and not p.is_symlink()
              and stat.S_ISREG(p.stat().st_mode)}
    with alarm():
        result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code != EXIT_INTERNAL, (args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
    assert "Traceback" not in result.output
    assert kinds(where) == before_kinds(where)
    if result.exit_code != 0:
        after = {p: p.read_bytes() for p in before}
        assert after == before, (args, result.output)
        assert not (stacks / "Pulumi.research.yaml").exists()
    assert not [p for p in [*where.iterdir(), *stacks.iterdir()] if p.name.endswith(".tmp")]


def before_kinds(where: Path) -> dict[str, int]:
    """The special files' kinds as make_fault_paths made them (FIFO, socket, device, link, folder)."""
    expected = {"fifo": stat.S_IFIFO, "socket": stat.S_IFSOCK, "link-to-fifo": stat.S_IFLNK, "adir": stat.S_IFDIR,
                "chardev": stat.S_IFCHR if os.geteuid() == 0 else stat.S_IFIFO}
    return expected
