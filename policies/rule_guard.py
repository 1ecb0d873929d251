"""A rule that raises or hangs is reported by its name and the resource it was checking.

pulumi_policy runs each rule inside the gRPC handler; an exception reaches the caller only as
`UNKNOWN: Exception calling application: <message>` (a hang: a deadline, nothing more), so
`mlinfra plan` said `rule bug` without saying which of 60 rules failed. `guarded` re-raises any
exception as RuleFailed with the rule, the resource's URN and where the rule failed, and a
watchdog bounds each check: past RULE_TIMEOUT_SECONDS it raises RuleTimeout inside the stuck
rule's thread (PyThreadState_SetAsyncExc, the only way to stop a thread in CPython: it lands at
the next bytecode, so a rule blocked inside one C call ends when that call returns) and writes
a line naming the rule to stderr, which the caller shows if its own deadline comes first.
"""

from __future__ import annotations

import ctypes
import sys
import threading
import time
import traceback
from dataclasses import dataclass

from pulumi_policy import policy as _policy
from pulumi_policy.proxy import UnknownValueError

# Not failures, signals to the engine: an unknown value (the rule is reported as not checked)
# and `args.not_applicable()` (pulumi-policy 1.21.0, pulumi_policy/policy.py, a private class,
# hence getattr).
_ENGINE_SIGNALS = (UnknownValueError, getattr(_policy, "_NotApplicableError", UnknownValueError))

# Well above any rule's real cost (the slowest stack rule takes milliseconds per resource) and
# well below the caller's 60 s deadline per call (infra/offline/analyzer.py), so the rule is
# named before the call as a whole times out.
RULE_TIMEOUT_SECONDS = 20.0
_WATCH_EVERY_SECONDS = 0.1


class RuleFailed(Exception):
    """A rule raised, or ran past its time; the message names the rule and the resource."""


class RuleTimeout(BaseException):
    """Raised inside a rule's thread by the watchdog; a BaseException so rules' `except Exception` miss it."""


@dataclass
class _Check:
    rule: str
    urn: str
    deadline: float
    fired: bool = False


_running: dict[int, _Check] = {}  # thread id -> the check it runs
_lock = threading.Lock()
_watchdog: threading.Thread | None = None


class guarded:  # noqa: N801 - used as `with guarded(rule, urn):`, like a function
    """Run one rule's check on one resource; any failure or overrun becomes RuleFailed naming both.

    A class, not a generator context manager: it runs once per rule and resource (tens of
    thousands of times on a prod plan), and this costs about half as much.
    """

    __slots__ = ("rule", "urn", "thread")

    def __init__(self, rule: str, urn: str) -> None:
        self.rule, self.urn = rule, urn

    def __enter__(self) -> None:
        if _watchdog is None:
            _start_watchdog()
        self.thread = threading.get_ident()
        with _lock:
            _running[self.thread] = _Check(self.rule, self.urn, time.monotonic() + RULE_TIMEOUT_SECONDS)

    def __exit__(self, kind, exc, _tb) -> bool:
        with _lock:
            check = _running.pop(self.thread, None)
            if check is not None and check.fired:
                # Clear a timeout set just as the rule finished, before it lands elsewhere.
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.thread), None)
        if exc is None or isinstance(exc, _ENGINE_SIGNALS):
            return False
        if isinstance(exc, RuleTimeout):
            raise RuleFailed(f"policy rule '{self.rule}' ran longer than {RULE_TIMEOUT_SECONDS:g}s on {self.urn} "
                             "and was stopped; fix the rule (a loop that never ends?)") from None
        if isinstance(exc, Exception):
            raise RuleFailed(f"policy rule '{self.rule}' failed on {self.urn}: {type(exc).__name__}: {exc}"
                             f"{_where(exc)}") from exc
        return False


def _where(exc: BaseException) -> str:
    """` (at file.py:line in function)` for the innermost frame of the failure."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f" (at {last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name})"


def _start_watchdog() -> None:
    global _watchdog
    if _watchdog is None:
        with _lock:
            if _watchdog is None:
                _watchdog = threading.Thread(target=_watch, name="mlinfra-rule-watchdog", daemon=True)
                _watchdog.start()


def _watch() -> None:
    while True:
        time.sleep(_WATCH_EVERY_SECONDS)
        now = time.monotonic()
        with _lock:
            for thread, check in _running.items():
                if check.fired or now < check.deadline:
                    continue
                check.fired = True
                sys.stderr.write(f"policy rule '{check.rule}' has run longer than {RULE_TIMEOUT_SECONDS:g}s on "
                                 f"{check.urn}; stopping it\n")
                sys.stderr.flush()
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread), ctypes.py_object(RuleTimeout))
