"""Sandbox lifecycle against an in-memory backend: naming, TTLs, budget refusal, reaping."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from infra.catalog.accelerators import Accelerator, Cloud
from infra.sandbox.lifecycle import Sandboxes
from infra.sandbox.plan import plan_sandbox
from infra.sandbox.spec import (
    TAG_CLOUD,
    TAG_CREATOR,
    TAG_EXPIRES,
    TAG_OWNER,
    TAG_PEAK,
    TAG_RESOURCES,
    SandboxFailed,
    SandboxRefused,
    cloud_neutral,
    hours,
    parse_gpu,
    parse_ttl,
    stack_name,
)
from tests.infra.sandbox.fake import FakeBackend

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
_plans: dict = {}


def cached_plan(stack_file):
    # Planning runs the real offline engine; tests that plan the same sandbox share one run.
    key = (stack_file.name, json.dumps(stack_file.config, sort_keys=True))
    if key not in _plans:
        _plans[key] = plan_sandbox(stack_file)
    return _plans[key]


class Clock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def backend():
    return FakeBackend()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def sandboxes(backend, clock):
    return Sandboxes(backend, planner=cached_plan, clock=clock)


def test_small_l4_sandbox_passes_the_budget_and_is_deployed_tagged(sandboxes, backend):
    lines = []
    info = sandboxes.create("alice", gpu="nvidia-l4", ttl="8h", creator="alice-laptop", on_output=lines.append)
    stack = backend.stacks["sandbox-alice-box"]
    assert stack["deployed"] and lines == ["Updating (sandbox-alice-box)"]
    assert stack["tags"] == {TAG_OWNER: "alice", TAG_EXPIRES: "2026-11-23T17:00:00Z", TAG_CREATOR: "alice-laptop",
                             TAG_CLOUD: "aws", TAG_PEAK: "0.7897", TAG_RESOURCES: "62"}  # 54, +2 #15, +3 #17, +3 #32
    # The peak prices the spot L4 at the snapshot's us-east-1 spot row (0.4011), not on-demand (0.8048), and the
    # nodes' gp3 boot volumes (#29).
    assert json.loads(stack["config"]["mlinfra:tags"])["owner"] == "alice"
    pool = json.loads(stack["config"]["mlinfra:clusters"])["sandbox"]["gpu_pools"]
    assert pool == {"gpu": {"accelerator": "nvidia-l4", "gpus_per_node": 1, "min_nodes": 0, "max_nodes": 1,
                            "capacity": "spot"}}
    # Tags before up, so a failed deployment can still be reaped.
    assert [c[0] for c in backend.calls] == ["list_stacks", "create", "set_tags", "set_config", "up"]
    assert (info.stack, info.time_left, info.peak_per_hour) == ("sandbox-alice-box", "8h 00m", "0.7897")


def test_h100_sandbox_is_refused_with_budget_and_estimate_before_pulumi(sandboxes, backend):
    with pytest.raises(SandboxRefused) as err:
        sandboxes.create("alice", gpu="nvidia-h100-80gb:8")
    assert str(err.value) == (
        "sandbox 'sandbox-alice-box' is over budget: estimated peak cost 55.43 USD/h exceeds the budget of "
        "5.00 USD/h; node pools at peak: sandbox-gpu-ng 55.04 USD/h (p5.48xlarge spot x 0..1), "
        "sandbox-system-ng 0.20 USD/h (m7i.large on-demand x 1..2)")
    assert backend.calls == []


def test_ttl_over_the_maximum_is_refused_before_pulumi(sandboxes, backend):
    with pytest.raises(SandboxRefused) as err:
        sandboxes.create("alice", ttl="25h")
    assert str(err.value) == "--ttl 25h is longer than the sandbox maximum of 24h (mlinfra:sandbox.max_ttl_hours)"
    assert backend.calls == []


def test_other_cloud_keeps_only_the_templates_cloud_neutral_keys(sandboxes, backend):
    info = sandboxes.create("bob", cloud=Cloud.GCP, on_output=lambda line: None)
    assert (info.stack, info.cloud) == ("sandbox-bob-box", "gcp")
    cluster = json.loads(backend.stacks["sandbox-bob-box"]["config"]["mlinfra:clusters"])["sandbox"]
    # zones, NAT, log retention and the aws: block mean nothing on GKE; the pool spec carries over.
    assert cluster == {"cloud": "gcp", "kubernetes_version": "1.35", "network": {"cidr": "10.40.0.0/16"},
                       "gpu_pools": {"gpu": {"accelerator": "nvidia-l4", "gpus_per_node": 1, "min_nodes": 0,
                                             "max_nodes": 1, "capacity": "spot"}}}


def test_cloud_neutral_drops_cloud_specific_keys():
    cluster = {"cloud": "aws", "kubernetes_version": "1.34", "log_retention_days": 7,
               "network": {"cidr": "10.1.0.0/16", "zones": 3, "nat": "single"}, "aws": {"x": 1},
               "endpoint": {"public_access_cidrs": ["203.0.113.0/24"]}, "gpu_pools": {}}
    assert cloud_neutral(cluster) == {"kubernetes_version": "1.34", "network": {"cidr": "10.1.0.0/16"},
                                      "endpoint": {"public_access_cidrs": ["203.0.113.0/24"]}, "gpu_pools": {}}


def test_gpu_count_the_cloud_does_not_offer_is_refused(sandboxes, backend):
    with pytest.raises(SandboxRefused) as err:
        sandboxes.create("bob", gpu="nvidia-l4:3")
    assert str(err.value) == (
        "invalid config for stack 'sandbox-bob-box' (1 problem):\n"
        "  - clusters.sandbox.gpu_pools.gpu.gpus_per_node: nvidia-l4 on aws comes in nodes of 1, 4 or 8 GPUs; "
        "set gpus_per_node to one of those (got 3)")
    assert backend.calls == []


def test_existing_sandbox_is_refused(sandboxes, backend):
    backend.add("sandbox-alice-box")
    with pytest.raises(SandboxRefused) as err:
        sandboxes.create("alice")
    assert str(err.value) == "sandbox 'sandbox-alice-box' already exists; choose another --name or destroy it first"
    assert "create" not in [c[0] for c in backend.calls]


def test_failed_up_keeps_the_expiry_for_the_reaper(sandboxes, backend):
    backend.fail[("up", "sandbox-alice-box")] = "quota exceeded"
    with pytest.raises(SandboxFailed) as err:
        sandboxes.create("alice", ttl="2h")
    assert str(err.value) == ("pulumi up failed for 'sandbox-alice-box': quota exceeded. It keeps its expiry tag "
                              "(2026-11-23T11:00:00Z); `mlinfra sandbox destroy sandbox-alice-box` or the reaper "
                              "cleans it up")
    assert backend.stacks["sandbox-alice-box"]["tags"][TAG_EXPIRES] == "2026-11-23T11:00:00Z"


@pytest.mark.parametrize("owner, name, message", [
    ("Alice", "box", "owner 'Alice' must be lower-case letters, digits and hyphens, starting with a letter or digit"),
    ("alice", "my_box", "--name 'my_box' must be lower-case letters, digits and hyphens, starting with a letter "
                        "or digit"),
    # `re.match` with `$` let a trailing newline through: stack 'sandbox-bob\n-box' (issue #18).
    ("bob\n", "box", "owner 'bob\\n' must be lower-case letters, digits and hyphens, starting with a letter or digit"),
    ("bob", "box\n", "--name 'box\\n' must be lower-case letters, digits and hyphens, starting with a letter "
                     "or digit"),
    ("bob", "bo x", "--name 'bo x' must be lower-case letters, digits and hyphens, starting with a letter or digit"),
    ("a" * 80, "b" * 12, f"stack name 'sandbox-{'a' * 80}-{'b' * 12}' is 101 characters; Pulumi allows at most 100: "
                         "use a shorter owner or --name"),
])
def test_names_follow_pulumi_rules(owner, name, message):
    with pytest.raises(SandboxRefused) as err:
        stack_name(owner, name)
    assert str(err.value) == message


def test_longest_allowed_name_is_100_characters():
    assert len(stack_name("a" * 80, "b" * 11)) == 100


def test_ttl_and_gpu_parsing():
    assert parse_ttl("90m") == timedelta(minutes=90)
    assert parse_ttl("8h") == timedelta(hours=8)
    assert parse_ttl("2d") == timedelta(days=2)
    assert parse_ttl("365d") == parse_ttl("8760h") == parse_ttl("525600m") == timedelta(days=365)
    # The last three overflowed timedelta or int() before; '٣' is an Arabic-Indic digit `\d` accepts.
    for bad in ("8", "0h", "h", "-1h", "1.5h", "366d", "1000000000d", "99999999999999999999h", "٣h", "²h"):
        with pytest.raises(SandboxRefused) as err:
            parse_ttl(bad)
        assert str(err.value) == (f"--ttl '{bad}' must be a positive number of minutes, hours or days of at most "
                                  "365d, e.g. 90m, 8h, 2d")
    assert parse_gpu("nvidia-l4") == (Accelerator.L4, 1)
    assert parse_gpu("nvidia-h100-80gb:8") == (Accelerator.H100_80GB, 8)
    for bad in ("x", "²", "٣", "0", "99999", "4\n"):
        with pytest.raises(SandboxRefused) as err:
            parse_gpu(f"nvidia-l4:{bad}")
        assert str(err.value) == (f"--gpu 'nvidia-l4:{bad}': the count after ':' must be a positive whole number "
                                  "(digits 0-9, at most 9999)")
    with pytest.raises(SandboxRefused) as err:
        parse_gpu("nvidia-l5")
    assert str(err.value).startswith("--gpu 'nvidia-l5': unknown accelerator 'nvidia-l5'; one of: nvidia-t4, ")
    assert (hours(timedelta(minutes=330)), hours(timedelta(minutes=5)), hours(timedelta(0))) == (
        "5h 30m", "5m", "expired")


def _tags(expires, owner="alice"):
    return {TAG_OWNER: owner, TAG_EXPIRES: expires, TAG_CLOUD: "aws", TAG_PEAK: "1.1578", TAG_RESOURCES: "59"}


def test_list_shows_only_sandboxes_with_time_left(sandboxes, backend):
    backend.add("dev")
    backend.add("sandbox-alice-box", _tags("2026-11-23T14:30:00Z"))
    backend.add("sandbox-bob-x", _tags("2026-11-23T08:00:00Z", "bob"))
    rows = sandboxes.list()
    assert [(r.stack, r.owner, r.time_left, r.peak_per_hour, r.resources) for r in rows] == [
        ("sandbox-alice-box", "alice", "5h 30m", "1.1578", "59"), ("sandbox-bob-x", "bob", "expired", "1.1578", "59")]


def test_extend_adds_to_the_expiry_within_the_maximum(sandboxes, backend, clock):
    backend.add("sandbox-alice-box", _tags("2026-11-23T17:00:00Z"))
    info = sandboxes.extend("sandbox-alice-box", "4h")
    assert backend.stacks["sandbox-alice-box"]["tags"][TAG_EXPIRES] == "2026-11-23T21:00:00Z"
    assert info.time_left == "12h 00m"
    with pytest.raises(SandboxRefused) as err:
        sandboxes.extend("sandbox-alice-box", "13h")
    assert str(err.value) == ("extending 'sandbox-alice-box' by 13h would expire it at 2026-11-24T10:00:00Z, past the "
                              "maximum TTL of 24h from now (2026-11-24T09:00:00Z)")
    # An expired sandbox is extended from now, not from its old expiry.
    clock.now = NOW + timedelta(days=1)
    sandboxes.extend("sandbox-alice-box", "1h")
    assert backend.stacks["sandbox-alice-box"]["tags"][TAG_EXPIRES] == "2026-11-24T10:00:00Z"


@pytest.mark.parametrize("stack, message", [
    ("dev", "'dev' is not a sandbox: only stacks named sandbox-... can be extended here"),
    ("sandbox-nobody-x", "no sandbox named 'sandbox-nobody-x'; `mlinfra sandbox list` shows them"),
])
def test_extend_refuses_other_stacks(sandboxes, backend, stack, message):
    backend.add("dev")
    with pytest.raises(SandboxRefused) as err:
        sandboxes.extend(stack, "1h")
    assert str(err.value) == message


def test_destroy_removes_the_stack_and_refuses_non_sandboxes(sandboxes, backend):
    backend.add("sandbox-alice-box", _tags("2026-11-23T17:00:00Z"))
    backend.add("prod")
    sandboxes.destroy("sandbox-alice-box", on_output=lambda line: None)
    assert "sandbox-alice-box" not in backend.stacks
    with pytest.raises(SandboxRefused) as err:
        sandboxes.destroy("prod")
    assert str(err.value) == "'prod' is not a sandbox: only stacks named sandbox-... can be destroyed here"
    assert backend.stacks["prod"]["deployed"]


def test_destroy_failure_keeps_the_stack(sandboxes, backend):
    backend.add("sandbox-alice-box", _tags("2026-11-23T17:00:00Z"))
    backend.fail[("destroy", "sandbox-alice-box")] = "dependency violation"
    with pytest.raises(SandboxFailed) as err:
        sandboxes.destroy("sandbox-alice-box", on_output=lambda line: None)
    assert str(err.value) == ("pulumi destroy failed for 'sandbox-alice-box': dependency violation; the stack is "
                              "kept, run the command again")
    assert "sandbox-alice-box" in backend.stacks


def _reap_world(backend):
    backend.add("prod", _tags("2020-01-01T00:00:00Z"))  # expired-looking tag, but not a sandbox
    backend.add("sandbox-a-old", _tags("2026-11-23T08:59:00Z", "a"))
    backend.add("sandbox-b-old", _tags("2026-11-22T00:00:00Z", "b"))
    backend.add("sandbox-c-live", _tags("2026-11-23T10:30:00Z", "c"))
    backend.add("sandbox-d-notag", {TAG_OWNER: "d"})


def test_reap_dry_run_changes_nothing(sandboxes, backend):
    _reap_world(backend)
    outcomes = sandboxes.reap(dry_run=True)
    assert [(o.stack, o.action, o.detail) for o in outcomes] == [
        ("sandbox-a-old", "would-destroy", "expired 2026-11-23T08:59:00Z"),
        ("sandbox-b-old", "would-destroy", "expired 2026-11-22T00:00:00Z"),
        ("sandbox-c-live", "kept", "expires 2026-11-23T10:30:00Z (in 1h 30m)"),
        ("sandbox-d-notag", "skipped", "no valid mlinfra-expires tag; destroy it by hand"),
    ]
    assert not [c for c in backend.calls if c[0] in ("destroy", "remove")]


def test_reap_destroys_expired_only_carries_on_past_failure_and_is_safe_twice(sandboxes, backend):
    _reap_world(backend)
    backend.fail[("destroy", "sandbox-a-old")] = "timeout"
    outcomes = sandboxes.reap(on_output=lambda line: None)
    assert [(o.stack, o.action, o.detail) for o in outcomes[:2]] == [
        ("sandbox-a-old", "failed", "destroy failed: timeout"),
        ("sandbox-b-old", "destroyed", "expired 2026-11-22T00:00:00Z; resources destroyed, stack removed"),
    ]
    assert sorted(backend.stacks) == ["prod", "sandbox-a-old", "sandbox-c-live", "sandbox-d-notag"]
    assert backend.stacks["prod"]["deployed"] and ("destroy", "prod") not in backend.calls
    del backend.fail[("destroy", "sandbox-a-old")]
    second = sandboxes.reap(on_output=lambda line: None)
    assert [(o.stack, o.action) for o in second] == [
        ("sandbox-a-old", "destroyed"), ("sandbox-c-live", "kept"), ("sandbox-d-notag", "skipped")]
    third = sandboxes.reap()
    assert [(o.stack, o.action) for o in third] == [("sandbox-c-live", "kept"), ("sandbox-d-notag", "skipped")]


def test_reap_reports_a_failed_remove_and_retries_it_next_time(sandboxes, backend):
    backend.add("sandbox-a-old", _tags("2026-11-23T08:00:00Z", "a"))
    backend.fail[("remove", "sandbox-a-old")] = "backend unavailable"
    [outcome] = sandboxes.reap(on_output=lambda line: None)
    assert (outcome.action, outcome.detail) == ("failed", "destroyed, but removing the stack failed: "
                                                          "backend unavailable")
    del backend.fail[("remove", "sandbox-a-old")]
    assert [o.action for o in sandboxes.reap(on_output=lambda line: None)] == ["destroyed"]
    assert backend.stacks == {}


@pytest.mark.parametrize("tag, action, detail", [
    # No zone: UTC, as the policy pack reads it. The reaper once skipped these forever (issue #18).
    ("2026-11-23T08:59:00", "would-destroy", "expired 2026-11-23T08:59:00Z"),
    ("2026-11-23T10:30:00", "kept", "expires 2026-11-23T10:30:00Z (in 1h 30m)"),
    ("2026-11-23T08:59:00+02:00", "would-destroy", "expired 2026-11-23T06:59:00Z"),
    ("1795424340", "would-destroy", "expired 2026-11-23T08:59:00Z"),  # epoch seconds, as GCP labels hold it
    ("100000000000000000000", "skipped", "no valid mlinfra-expires tag; destroy it by hand"),
])
def test_the_reaper_reads_an_expiry_as_the_policy_pack_does(sandboxes, backend, tag, action, detail):
    backend.add("sandbox-a-box", _tags(tag, "a"))
    [outcome] = sandboxes.reap(dry_run=True)
    assert (outcome.action, outcome.detail) == (action, detail)
