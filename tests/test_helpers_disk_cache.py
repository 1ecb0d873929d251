"""tests.helpers.kept_on_disk: a real tool's answer read back only for the very same inputs."""

from __future__ import annotations

import json

import pytest

from tests import helpers


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(helpers, "DISK_CACHE", tmp_path / "cache")
    monkeypatch.delenv("MLINFRA_TEST_DISK_CACHE", raising=False)
    return tmp_path / "cache"


def _counting():
    calls = []

    def compute():
        calls.append(1)
        return {"answer": len(calls)}

    return calls, compute


def keep(inputs, compute):
    return helpers.kept_on_disk("tool", inputs, compute, lambda v: v, lambda d: d)


def test_the_same_inputs_are_answered_from_disk_and_others_are_computed(cache_dir):
    calls, compute = _counting()
    assert keep({"plans": [1, 2], "version": "3.3.30"}, compute) == {"answer": 1}
    # Key order does not matter (canonical JSON); the value read back is the one first computed.
    assert keep({"version": "3.3.30", "plans": [1, 2]}, compute) == {"answer": 1}
    assert len(calls) == 1
    assert keep({"plans": [1, 2], "version": "3.3.31"}, compute) == {"answer": 2}
    assert keep({"plans": [2, 1], "version": "3.3.30"}, compute) == {"answer": 3}
    assert sorted(json.loads(p.read_text())["answer"] for p in cache_dir.glob("tool-*.json")) == [1, 2, 3]
    assert not list(cache_dir.glob("*.tmp"))


def test_off_always_computes_and_writes_nothing(cache_dir, monkeypatch):
    monkeypatch.setenv("MLINFRA_TEST_DISK_CACHE", "off")
    calls, compute = _counting()
    keep({"a": 1}, compute)
    keep({"a": 1}, compute)
    assert len(calls) == 2
    assert not cache_dir.exists()


def test_only_the_newest_few_answers_of_a_kind_are_kept(cache_dir):
    calls, compute = _counting()
    for n in range(helpers.KEEP_PER_KIND + 3):
        keep({"n": n}, compute)
    assert len(list(cache_dir.glob("tool-*.json"))) == helpers.KEEP_PER_KIND
    keep({"n": helpers.KEEP_PER_KIND + 2}, compute)  # the newest is still there
    assert len(calls) == helpers.KEEP_PER_KIND + 3
