"""The strict YAML reader: what JSON cannot hold is exit-2 material naming the file, line, key path and fix."""

import time
import tracemalloc

import pytest

from infra.offline.strict_yaml import MAX_DEPTH, StrictYamlError, parse_yaml, read_yaml

# An alias bomb like the 392-byte one of issue 18: each line nine aliases of the one before.
BOMB = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]\n"
                  for a, b in zip("abcdefgh", "bcdefghi", strict=True))).encode()


def refused(data: bytes) -> str:
    with pytest.raises(StrictYamlError) as err:
        parse_yaml(data, "stacks/Pulumi.x.yaml")
    return str(err.value)


def test_plain_json_shaped_yaml_is_read_as_before():
    data = b"config:\n  a:b: 1\n  a:c: [x, 2.5, true, null]\n  a:d: {'1': y, 2: z}\n  a:e: !!str 2024-01-01\n"
    assert parse_yaml(data, "f") == {"config": {"a:b": 1, "a:c": ["x", 2.5, True, None], "a:d": {"1": "y", 2: "z"},
                                                "a:e": "2024-01-01"}}


@pytest.mark.parametrize("value, what", [
    ("2024-01-01", "value '2024-01-01' is a date/timestamp"),
    ("2001-12-14t21:59:43.10-05:00", "value '2001-12-14t21:59:43.10-05:00' is a date/timestamp"),
    ("!!binary aGVsbG8=", "value 'aGVsbG8=' is binary data (!!binary)"),
    ("!!set {x, y}", "value is a set (!!set)"),
    ("!!omap [a: 1]", "value is an ordered map (!!omap)"),
    ("!vault secret", "value 'secret' is a value tagged '!vault'"),
])
def test_values_with_no_json_form_name_the_key_path_and_line_and_say_to_quote(value, what):
    message = refused(f"config:\n  mlinfra:tags:\n    owner: {value}\n".encode())
    assert message == (f"stacks/Pulumi.x.yaml: line 3: config.mlinfra:tags.owner: {what}, which has no JSON form; "
                       "quote it to keep it as text")


@pytest.mark.parametrize("text, line, key, first", [
    ("config:\n  a:b: 1\n  a:c: 2\n  a:b: {}\n", 4, "config.a:b", 2),
    ("config:\n  mlinfra:clusters:\n    dev:\n      max_nodes: 1\n      max_nodes: 2\n", 5,
     "config.mlinfra:clusters.dev.max_nodes", 4),
    ("config:\n  a:b:\n    - {x: 1, x: 2}\n", 3, "config.a:b[0].x", 3),
    ("config:\n  a:b:\n    1: x\n    '1': y\n", 4, "config.a:b.1", 3),
])
def test_a_duplicate_key_at_any_depth_names_it_and_both_lines(text, line, key, first):
    assert refused(text.encode()) == (f"stacks/Pulumi.x.yaml: line {line}: duplicate key '{key}' (first on line "
                                      f"{first}, again on line {line}); keep only one of them")


def test_bytes_that_are_not_utf8_name_the_offset_and_line_even_in_a_comment():
    assert refused(b"config:\n  # caf\xe9\n  a:b: 1\n") == (
        "stacks/Pulumi.x.yaml: line 2: byte 0xe9 at byte offset 15 is not UTF-8; save the file as UTF-8")


@pytest.mark.parametrize("encoding, name", [("utf-16", "UTF-16"), ("utf-32", "UTF-32"), ("utf-8-sig", "UTF-8")])
def test_a_byte_order_mark_is_refused(encoding, name):
    assert refused("config: {}\n".encode(encoding)) == (
        f"stacks/Pulumi.x.yaml: starts with a {name} byte-order mark (byte offset 0); save it as UTF-8 without a BOM")


def test_huge_integers_and_infinities_are_refused_before_python_converts_them():
    assert refused(b"config:\n  a:b: " + b"9" * 5000 + b"\n") == (
        "stacks/Pulumi.x.yaml: line 2: config.a:b: integer of 5000 characters is too large; quote it if it is an id")
    assert refused(b"config:\n  a:b: 99999999999999999999\n") == (
        "stacks/Pulumi.x.yaml: line 2: config.a:b: integer 99999999999999999999 is outside the 64-bit range; "
        "quote it if it is an id")
    assert parse_yaml(b"a: 9223372036854775807\n", "f") == {"a": 2**63 - 1}
    assert refused(b"config:\n  a:b: .inf\n") == (
        "stacks/Pulumi.x.yaml: line 2: config.a:b: '.inf' is not a finite number and has no JSON form; "
        "use a number or quote it")


@pytest.mark.parametrize("value, kind", [("!!int dev", "int"), ("!!float dev", "float"), ("!!bool dev", "bool")])
def test_an_explicit_tag_the_text_does_not_fit_is_refused(value, kind):
    # Found by the property test over the real stack files: `!!int dev` raised ValueError.
    assert refused(f"config:\n  a:b: {value}\n".encode()) == (
        f"stacks/Pulumi.x.yaml: line 2: config.a:b: 'dev' is not a valid {kind}; remove the tag or fix the value")


def test_keys_that_are_collections_and_merge_keys_are_refused():
    assert refused(b"config:\n  ? [a]\n  : 1\n") == (
        "stacks/Pulumi.x.yaml: line 2: config: a key must be a plain value, not a list or mapping")
    assert refused(b"config:\n  a:b:\n    <<: {x: 1}\n") == (
        "stacks/Pulumi.x.yaml: line 3: config.a:b: merge key '<<' is not allowed in a stack file; "
        "write the keys out in full")


def hostile(data: bytes) -> tuple[str, float, int]:
    tracemalloc.start()
    started = time.perf_counter()
    message = refused(data)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return message, elapsed, peak


def test_an_alias_bomb_is_refused_at_its_first_alias_fast_and_in_bounded_memory():
    assert len(BOMB) < 400  # it would expand to 9**9 strings
    message, elapsed, peak = hostile(BOMB)
    assert message == ("stacks/Pulumi.x.yaml: line 2: alias '*a' is not allowed in a stack file; "
                       "write the value out in full")
    assert elapsed < 0.5 and peak < 5_000_000


@pytest.mark.parametrize("data", [b"config:\n  a:b: " + b"[" * 2000 + b"]" * 2000 + b"\n",
                                  b"config:\n  a:b: " + b"[" * 100_000 + b"\n"])
def test_deep_nesting_is_refused_fast_and_in_bounded_memory(data):
    message, elapsed, peak = hostile(data)
    assert message == (f"stacks/Pulumi.x.yaml: line 2: nested more than {MAX_DEPTH} levels deep; "
                       "a stack file needs far fewer")
    assert elapsed < 0.5 and peak < 5_000_000


def test_an_unreadable_or_huge_file_names_it(tmp_path, monkeypatch):
    big = tmp_path / "Pulumi.big.yaml"
    big.write_bytes(b"#" * (4 * 1024 * 1024 + 1))
    with pytest.raises(StrictYamlError, match=r"^.*Pulumi\.big\.yaml: larger than 4 MiB; a stack file is a few KB$"):
        read_yaml(big)
    locked = tmp_path / "Pulumi.locked.yaml"
    locked.write_text("config: {}\n")
    locked.chmod(0)

    def denied(self, *args, **kwargs):  # root reads a mode-000 file anyway, so the OS error is simulated
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(type(locked), "open", denied)
    with pytest.raises(StrictYamlError) as err:
        read_yaml(locked)
    assert str(err.value) == f"{locked}: cannot be read: Permission denied; check that it is a readable file"


def test_invalid_yaml_keeps_the_message_that_shows_the_line():
    assert refused(b"config: [unclosed\n").startswith(
        'stacks/Pulumi.x.yaml: not valid YAML: while parsing a flow sequence\n'
        '  in "<unicode string>", line 1, column 9:')


def test_every_yaml_file_the_project_reads_this_way_passes_and_reads_as_pyyaml_does():
    import yaml

    from infra.offline.engine import REPO_ROOT

    files = [*REPO_ROOT.glob("stacks/Pulumi.*.yaml"), *REPO_ROOT.glob("infra/bootstrap/stacks/Pulumi.*.yaml"),
             REPO_ROOT / "Pulumi.yaml", REPO_ROOT / "infra/bootstrap/Pulumi.yaml",
             REPO_ROOT / "policies/PulumiPolicy.yaml"]
    assert len(files) == 8
    for path in files:  # no alias, duplicate or tag anywhere, and the same data as before
        assert read_yaml(path) == yaml.safe_load(path.read_text()), path
