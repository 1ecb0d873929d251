"""Folding clock-only changes is exact: only derived expiries that moved with the clock, same TTL."""

from infra.plan.diff import diff_stack

T0, T1, TTL = 1795953600, 1795957217, 8 * 3600


def _document(time: int | None, expiries: list[int], resources: dict[str, dict]) -> dict:
    document = {"project": "mlinfra", "stack": "sandbox", "resources": [
        {"urn": f"urn:{name}", "type": "t:x:Y", "name": name, "inputs": inputs} for name, inputs in resources.items()]}
    if time is not None:
        document["planClock"] = {"time": time, "expiries": expiries}
    return document


def _paths(stack: dict) -> list[tuple[str, str]]:
    return [(r["name"], c["path"]) for r in stack["resources"] for c in r["changes"]]


def test_only_a_derived_expiry_moving_with_the_clock_is_folded():
    base = _document(T0, [T0 + TTL], {
        "a": {"tags": {"expires-at": str(T0 + TTL), "size": "1"}},
        "b": {"labels": {"expires-at": str(T0 + TTL)}},
        "c": {"tags": {"expires-at": "[secret]"}},
        "d": {"tags": {"expires-at": str(T0 + TTL)}}})
    head = _document(T1, [T1 + TTL], {
        "a": {"tags": {"expires-at": str(T1 + TTL), "size": "2"}},  # a real change rides along
        "b": {"labels": {"expires-at": str(T1 + TTL)}},
        "c": {"tags": {"expires-at": str(T1 + TTL)}},  # secret on one side: never folded
        "d": {"tags": {"expires-at": T1 + TTL}}})  # a string became a number: a real change
    stack = diff_stack(base, head)
    assert _paths(stack) == [("a", "tags.size"), ("c", "tags.expires-at"), ("d", "tags.expires-at")]
    assert stack["summary"]["change"] == 3
    assert stack["clock"] == {"baseTime": T0, "headTime": T1, "ttlSeconds": [TTL], "folded": 2}


def test_a_ttl_change_or_a_configured_expiry_is_never_folded():
    base = _document(T0, [T0 + TTL], {"a": {"tags": {"expires-at": str(T0 + TTL)}},
                                      "b": {"tags": {"expires-at": str(T0 + 5)}}})
    # a: 9h instead of 8h; b: an expiry from config, moved by exactly the clock's step.
    head = _document(T1, [T1 + TTL + 3600], {"a": {"tags": {"expires-at": str(T1 + TTL + 3600)}},
                                              "b": {"tags": {"expires-at": str(T1 + 5)}}})
    stack = diff_stack(base, head)
    assert _paths(stack) == [("a", "tags.expires-at"), ("b", "tags.expires-at")]
    assert stack["clock"] is None


def test_documents_without_a_clock_fold_nothing():
    base = _document(None, [], {"a": {"tags": {"expires-at": str(T0 + TTL)}}})
    head = _document(T1, [T1 + TTL], {"a": {"tags": {"expires-at": str(T1 + TTL)}}})
    stack = diff_stack(base, head)
    assert _paths(stack) == [("a", "tags.expires-at")] and stack["clock"] is None
