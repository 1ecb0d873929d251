"""Runs a CrossGuard policy pack the way the Pulumi CLI does: as a process spoken to over gRPC.

The pack (`python -u -m pulumi.policy ENGINE PACK_DIR`, cwd the pack) prints the port it serves
on as its first line; then come GetAnalyzerInfo, Configure, one Analyze per resource and one
AnalyzeStack. `-u` matters: the pack writes the port without flushing. The engine address is
never dialled by Python packs, so a placeholder is passed.

The pack must never outlive the command that started it, however that command ends (an
exception, Ctrl-C, SIGTERM, even SIGKILL, which runs no cleanup at all). So the pack starts
through `_BOOTSTRAP`: a thread in the pack reads its stdin, a pipe whose only writer is this
process, and ends the pack when it reads end-of-file, which the kernel delivers as soon as this
process is gone for any reason. Chosen over Linux's PR_SET_PDEATHSIG because that fires when
the *thread* that spawned the pack ends (not the process) and exists only on Linux; a pipe works
on a developer's macOS laptop too. It is set up in the pack itself, not in a `preexec_fn`,
which Python documents as unsafe once threads exist (the CLI's spinner thread always does).
"""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2 as apb
from pulumi.runtime.proto import analyzer_pb2_grpc

from infra.offline.analyzer_inputs import PolicyInput
from infra.offline.policy_config import LEVEL_NAMES, PolicySetting, reconcile

PLACEHOLDER_ENGINE = "127.0.0.1:1"
# Run as `python -u -c _BOOTSTRAP ENGINE PACK_DIR`: the end-of-stdin watch, then exactly what
# `python -m pulumi.policy ENGINE PACK_DIR` runs.
_BOOTSTRAP = """\
import os, runpy, threading

def _end_with_parent():
    while os.read(0, 4096):
        pass  # nothing is ever written: end-of-file means the command that started the pack is gone
    os._exit(1)

threading.Thread(target=_end_with_parent, name="mlinfra-parent-watch", daemon=True).start()
runpy.run_module("pulumi.policy", run_name="__main__", alter_sys=True)
"""
# Every pack this process started and has not stopped yet, for `kill_running_packs`.
_RUNNING: set[subprocess.Popen] = set()
# Analyze calls in flight at once: enough to hide the round trips, few enough that none waits
# behind thousands of others past its deadline (an unbounded burst failed on a 3,500-resource stack).
# 128, not 16: the stream's thread refills the window only when it gets the GIL back from the busy
# program, and at 16 it fell 400-480 resources behind a 1,233-resource program, which the plan then
# waited for after the program (0.4 s); at 128, 0-114 behind and 0.1 s (2 shared cores, 2026-12-08).
# 128 calls are about 20 ms of the pack's work, far inside any deadline.
ANALYZE_WINDOW = 128
# AnalyzeStack's work grows with the stack (every stack rule walks every resource), so its deadline
# does too: the base deadline per this many resources. A fixed 60 s failed a 4,000-resource plan
# (500 GPU pools) with DEADLINE_EXCEEDED on a loaded 2-core machine; a rule that is really stuck is
# still named by policies/rule_guard.py long before this.
STACK_DEADLINE_RESOURCES = 1000


def stack_deadline(base: float, resources: int) -> float:
    """AnalyzeStack's deadline: `base` seconds per STACK_DEADLINE_RESOURCES resources, never less than `base`."""
    return base * max(1.0, resources / STACK_DEADLINE_RESOURCES)
# "can't run policy 'x' from policy pack 'p@v1' during preview: string value at .a can't be known"
_NOT_CHECKED = re.compile(r"^can't run policy '(?P<policy>[^']+)' from policy pack '[^']*' during preview: ")
# What policies/rule_guard.py makes of a rule that raised or overran, as gRPC passes it on, and
# the line its watchdog writes when a rule is stuck where it cannot be stopped.
_RULE_FAILED = re.compile(r"Exception calling application: (?P<message>policy rule '.*)", re.S)
_RULE_STUCK = re.compile(r"^policy rule '[^']+' has run longer than ")
_SEVERITIES = {apb.POLICY_SEVERITY_LOW: "low", apb.POLICY_SEVERITY_MEDIUM: "medium",
               apb.POLICY_SEVERITY_HIGH: "high", apb.POLICY_SEVERITY_CRITICAL: "critical"}


class PolicyPackError(RuntimeError):
    """The pack did not start, crashed, or answered with an error; the message carries its stderr."""


@dataclass
class Finding:
    """One diagnostic: a violation, or a rule that could not be checked because a value was unknown."""

    policy: str
    level: str
    message: str
    urn: str | None
    severity: str | None = None
    not_checked: bool = False


class PolicyAnalyzer:
    """A running policy pack. Use as a context manager so the process always stops."""

    def __init__(self, pack_dir: Path, *, start_timeout: float = 30.0, rpc_timeout: float = 60.0,
                 stack: str = "offline", project: str = "mlinfra") -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self.start_timeout, self.rpc_timeout = start_timeout, rpc_timeout
        self.env = {**os.environ, "PULUMI_PROJECT": project, "PULUMI_STACK": stack,
                    "PULUMI_ORGANIZATION": "organization", "PULUMI_DRY_RUN": "true"}
        self.proc: subprocess.Popen | None = None
        self.channel: grpc.Channel | None = None
        self._stderr: list[str] = []
        self.info: apb.AnalyzerInfo | None = None
        self.levels: dict[str, str] = {}
        self._first_line: queue.Queue[bytes] = queue.Queue()
        self._stderr_done = threading.Thread(target=self._drain_stderr, daemon=True)

    def __enter__(self) -> PolicyAnalyzer:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def start(self) -> None:
        """Spawn the pack (unless `spawn` already did), read its port and fetch its AnalyzerInfo."""
        if self.proc is None:
            self.spawn()
        if self.channel is None:
            self.connect()

    def spawn(self) -> None:
        """Start the pack process without waiting for it, so it can load while the program runs.

        `connect` finishes the start; `close` (or `abort`) must follow on every path.
        """
        command = [sys.executable, "-u", "-c", _BOOTSTRAP, PLACEHOLDER_ENGINE, str(self.pack_dir)]
        # stdin is the pipe the pack watches (see the module docstring); nothing is written to it.
        self.proc = subprocess.Popen(command, cwd=self.pack_dir, env=self.env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _RUNNING.add(self.proc)
        try:
            threading.Thread(target=self._drain_stdout, args=(self._first_line,), daemon=True).start()
            self._stderr_done.start()
        except BaseException:
            self.abort()
            raise

    def connect(self) -> None:
        """Read the spawned pack's port and fetch its AnalyzerInfo; on any failure the pack is stopped."""
        try:
            self._connect()
        except BaseException:
            self.close()
            raise

    def _connect(self) -> None:
        assert self.proc is not None, "spawn() first"
        stderr_done = self._stderr_done
        try:
            line = self._first_line.get(timeout=self.start_timeout)
        except queue.Empty:
            raise PolicyPackError(f"policy pack {self.pack_dir} printed no port within "
                                  f"{self.start_timeout:g}s{self._stderr_tail()}") from None
        if not line.strip().isdigit():
            # End of output means the pack is exiting; let it finish writing its traceback.
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10 if not line else 1)
            stderr_done.join(timeout=5)
            what = (f"failed to start (exit code {self.proc.returncode})" if self.proc.returncode is not None
                    else f"printed {line[:80]!r} instead of its port")
            raise PolicyPackError(f"policy pack {self.pack_dir} {what}{self._stderr_tail()}")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{int(line)}",
                                             options=[("grpc.max_receive_message_length", 400 << 20)])
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        self.info = self._call("GetAnalyzerInfo", empty_pb2.Empty())
        self.levels = {p.name: LEVEL_NAMES[p.enforcementLevel] for p in self.info.policies}

    def _drain_stdout(self, first_line: queue.Queue) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        first_line.put(self.proc.stdout.readline())
        for _ in iter(self.proc.stdout.readline, b""):
            pass  # rules may print; the pipe must never fill up and block the pack

    def _drain_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for raw in iter(self.proc.stderr.readline, b""):
            self._stderr.append(raw.decode(errors="replace").rstrip("\n"))

    def _stderr_tail(self) -> str:
        tail = "\n".join(self._stderr[-40:]).strip()
        return f":\n{tail}" if tail else ""

    def _call(self, name: str, request, timeout: float | None = None):
        try:
            return getattr(self.stub, name)(request, timeout=timeout or self.rpc_timeout)
        except grpc.RpcError as exc:
            raise self._rpc_error(name, exc, timeout) from exc

    def _rpc_error(self, name: str, exc: grpc.RpcError, timeout: float | None = None) -> PolicyPackError:
        """The pack's error, led by the failing rule when the pack named it (policies/rule_guard.py)."""
        named = _RULE_FAILED.search(exc.details() or "")
        if named:
            return PolicyPackError(named.group("message"))
        stuck = [line for line in self._stderr if _RULE_STUCK.match(line)]
        if exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED and stuck:
            return PolicyPackError(f"policy pack did not answer {name} within {timeout or self.rpc_timeout:g}s: "
                                   f"{stuck[-1]}")
        return PolicyPackError(f"policy pack {self.pack_dir} failed in {name}: {exc.code().name}: "
                               f"{exc.details()}{self._stderr_tail()}")

    def configure(self, settings: dict[str, PolicySetting]) -> None:
        """Send the reconciled config; every policy gets its level and schema defaults."""
        assert self.info is not None
        config = reconcile(self.info, settings)
        self._call("Configure", apb.ConfigureAnalyzerRequest(policyConfig=config))
        self.levels = {name: LEVEL_NAMES[c.enforcementLevel] for name, c in config.items()}

    def analyze(self, resource: PolicyInput) -> list[Finding]:
        """Resource rules over one resource's inputs."""
        response = self._call("Analyze", resource.analyze_request())
        return [self._finding(d, resource.urn) for d in response.diagnostics]

    def analyze_stack(self, resources: list[PolicyInput]) -> list[Finding]:
        """Stack rules over every resource at once."""
        request = apb.AnalyzeStackRequest(resources=[r.stack_resource() for r in resources])
        response = self._call("AnalyzeStack", request, stack_deadline(self.rpc_timeout, len(resources)))
        return [self._finding(d, None) for d in response.diagnostics]

    def analyze_all(self, resources: list[PolicyInput]) -> list[Finding]:
        """What a preview runs: Analyze for each resource, then AnalyzeStack once."""
        return self.analyze_each(resources) + self.analyze_stack(resources)

    def analyze_each(self, resources: Iterable[PolicyInput]) -> list[Finding]:
        """Analyze for each resource, taken from `resources` as they come (it may still be filling).

        Up to ANALYZE_WINDOW Analyze calls are in flight at once, so the pack works through them
        back to back instead of waiting a round trip per resource (the CLI, too, sends them
        concurrently when steps run in parallel); the window keeps every call well inside its
        deadline on big stacks. Findings keep the resources' order.
        """
        findings: list[Finding] = []
        pending: collections.deque = collections.deque()
        queue_ = iter(resources)
        try:
            while True:
                while len(pending) < ANALYZE_WINDOW and (resource := next(queue_, None)) is not None:
                    pending.append((resource, self.stub.Analyze.future(resource.analyze_request(),
                                                                       timeout=self.rpc_timeout)))
                if not pending:
                    break
                resource, future = pending.popleft()
                try:
                    response = future.result()
                except grpc.RpcError as exc:
                    raise self._rpc_error("Analyze", exc) from exc
                findings += [self._finding(d, resource.urn) for d in response.diagnostics]
        finally:
            for _, future in pending:
                future.cancel()
        return findings

    def _finding(self, diagnostic: apb.AnalyzeDiagnostic, resource_urn: str | None) -> Finding:
        message = diagnostic.message
        prefix = diagnostic.description + "\n"
        if diagnostic.description and message.startswith(prefix):
            message = message[len(prefix):]
        match = _NOT_CHECKED.match(message)
        return Finding(
            policy=diagnostic.policyName,
            # A rule that could not run is reported at its configured level, so a reader sees
            # that a mandatory rule went unchecked.
            level=self.levels.get(diagnostic.policyName, "advisory") if match
            else LEVEL_NAMES[diagnostic.enforcementLevel],
            message=message, urn=diagnostic.urn or resource_urn,
            severity=_SEVERITIES.get(diagnostic.severity), not_checked=match is not None)

    def abort(self) -> None:
        """Stop the pack at once, without the graceful wait: the plan has failed and needs no answer."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        self.close()

    def release(self) -> None:
        """Stop the pack at once because every answer is in: what `close` does, without its wait.

        The graceful stop (SIGINT, then up to 5 s for the process to end, as the Pulumi CLI closes
        a plugin: pulumi/pulumi@0071211876 sdk/go/common/resource/plugin/plugin.go, `Plugin.Close`
        and the kill `ExecPlugin` sets up, read 2026-12-08 at the newest stored snapshot) waits for
        the pack's server and interpreter to wind down: 0.19 s, against 0.01 s for a kill (measured
        2026-12-07 on 2 shared cores at load 6), on every plan's path after its last answer. The pack
        holds nothing to save (its findings are in, it writes no files), so ending it is safe.
        """
        self.abort()

    def close(self) -> None:
        """Close the channel and stop the pack (SIGINT stops its server cleanly), killing it if stuck."""
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            _RUNNING.discard(self.proc)
            with contextlib.suppress(OSError):
                self.proc.stdin.close()


def kill_running_packs() -> None:
    """Kill every pack this process started, at once: the process is about to end on a signal.

    Safe inside a signal handler: no locks, no waiting (the pack's own end-of-stdin watch and
    the kernel do the rest once this process exits).
    """
    for proc in list(_RUNNING):
        with contextlib.suppress(OSError):
            proc.kill()
