import pytest

from components.routes import (
    BackendSpec,
    RouteSpec,
    by_specificity,
    check_routes,
    path_patterns,
    route_table,
    short_name,
)

SPLIT = RouteSpec("/v1", {"stable": BackendSpec("models", "llama-v1", 8000, 90),
                          "canary": BackendSpec("models", "llama-v2", 8000, 10, target_port=8080)})


def test_pod_port_defaults_to_the_service_port():
    assert SPLIT.backends["stable"].pod_port == 8000
    assert SPLIT.backends["canary"].pod_port == 8080


def test_check_routes_refuses_what_a_balancer_cannot_express():
    check_routes({"chat": SPLIT})
    with pytest.raises(ValueError, match="at least one route"):
        check_routes({})
    with pytest.raises(ValueError, match="route chat has no backends"):
        check_routes({"chat": RouteSpec("/v1", {})})
    with pytest.raises(ValueError, match=r"route chat: weights must add up to 100 \(got 90\)"):
        check_routes({"chat": RouteSpec("/", {"a": BackendSpec("m", "s", 80, 90)})})


def test_longest_prefix_first_and_root_last():
    routes = {"root": RouteSpec("/"), "v1": RouteSpec("/v1"), "chat": RouteSpec("/v1/chat"), "v2": RouteSpec("/v2")}
    assert [name for name, _ in by_specificity(routes)] == ["chat", "v1", "v2", "root"]


def test_path_patterns_cover_the_prefix_and_below():
    assert path_patterns("/") == ["/*"]
    assert path_patterns("/v1") == ["/v1", "/v1/*"]
    assert path_patterns("/v1/") == ["/v1", "/v1/*"]


def test_route_table_is_the_configured_routes_as_data():
    assert route_table({"chat": SPLIT}) == {"chat": {"path_prefix": "/v1", "backends": {
        "stable": {"namespace": "models", "service": "llama-v1", "port": 8000, "weight": 90},
        "canary": {"namespace": "models", "service": "llama-v2", "port": 8000, "weight": 10}}}}


def test_short_name_fits_and_stays_unique_after_truncation():
    one = short_name("prod-serve-inference-gateway", "chat-completions", "stable", "8000")
    two = short_name("prod-serve-inference-gateway", "chat-completions", "canary", "8000")
    assert len(one) <= 32 and len(two) <= 32
    assert one != two
    assert one.startswith("prod-serve-inference-ga")
    assert short_name("a", "b") == short_name("a", "b")
    assert short_name("dev", "api", limit=20) == "dev-api-" + short_name("dev", "api")[-6:]
