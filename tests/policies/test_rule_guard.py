"""The guard around every rule check, on its own: what passes through, what becomes a named failure.

The failures as mlinfra reports them, through the real pack process, are in test_analyzer.py.
"""

import time

import pytest
from pulumi.runtime import rpc
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError

from policies import rule_guard
from policies.rule_guard import RuleFailed, guarded


@pytest.mark.parametrize("signal", [lambda: UnknownValueError(rpc.UNKNOWN, ["a"]),
                                    lambda: _NotApplicableError("not here")], ids=["unknown", "not-applicable"])
def test_engine_signals_pass_through_untouched(signal):
    raised = signal()
    with pytest.raises(type(raised)), guarded("r", "urn:a"):
        raise raised


def test_an_exception_is_named_with_rule_resource_and_place():
    with pytest.raises(RuleFailed) as err, guarded("r", "urn:a"):
        {}["missing"]
    assert str(err.value).startswith("policy rule 'r' failed on urn:a: KeyError: 'missing' (at test_rule_guard.py:")


def test_a_loop_is_stopped_and_the_thread_carries_on(monkeypatch):
    monkeypatch.setattr(rule_guard, "RULE_TIMEOUT_SECONDS", 0.3)
    with pytest.raises(RuleFailed, match=r"^policy rule 'r' ran longer than 0.3s on urn:a and was stopped"), \
            guarded("r", "urn:a"):
        while True:
            pass
    time.sleep(0.5)  # no stray timeout lands after the guard
    with guarded("r", "urn:b"):
        pass
    assert rule_guard._running == {}
