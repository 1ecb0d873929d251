"""Reads a Pulumi YAML file (stack file or Pulumi.yaml) as JSON-shaped data, refusing what JSON cannot hold.

Pulumi hands config to a program as strings and JSON, so anything YAML can say that JSON cannot
(timestamps, `!!binary`, `!!set`, custom tags, non-finite floats, keys that are lists) would
either crash later or be silently reshaped. A duplicate key is refused too: YAML loaders let the
last one win, which once dropped a whole cluster from a stack without a word.

Aliases (`*name`) are refused, not bounded: a 392-byte file of nested aliases expands without
bound, and no stack file needs one. An alias is only shorthand for a value written out in full,
and none of the files read here (stacks/, infra/bootstrap/stacks/, the Pulumi.yaml files,
PulumiPolicy.yaml) uses an anchor or an alias (checked 2026-11-29). Refusing at the first alias
event means nothing is ever expanded. Nesting depth, integer size and file size are capped so
hostile input fails fast in bounded memory.

Untagged plain scalars mean what they mean to the Pulumi CLI (gopkg.in/yaml.v3, see yaml_v3.py),
not what PyYAML's YAML 1.1 rules make of them: `name_prefix: no` is the string "no", never false.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import yaml

from infra.offline.yaml_v3 import MERGE, TIMESTAMP, resolve_plain

# libyaml builds the same data about 6x faster than the pure-Python loader (0.26 s -> 0.04 s for 500 pools).
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 4 * 1024 * 1024  # our largest stack (prod) is 9 KB; the 500-pool benchmark stack 78 KB
MAX_DEPTH = 64  # our deepest stack file nests 10 levels (counting the top mapping)
# Beyond 64 bits no setting means a number: it is an id that wants quotes. The bound also keeps
# int() far from Python's 4300-digit limit (ValueError) and from slow big-number work.
MAX_INT = 2**63 - 1
_MAX_INT_CHARS = 40  # digits, sign, underscores and a base prefix of any int within MAX_INT

_JSON_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")}
_TAG_NAMES = {"timestamp": "a date/timestamp", "binary": "binary data (!!binary)", "set": "a set (!!set)",
              "omap": "an ordered map (!!omap)", "pairs": "pairs (!!pairs)"}
_BOMS = ((b"\xef\xbb\xbf", "UTF-8"), (b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
         (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


class StrictYamlError(ValueError):
    """The file is not a YAML document that maps onto JSON; the message names the file, line and fix."""


def read_yaml(path: Path) -> Any:
    """The one YAML document in `path` as dicts, lists, str, int, float, bool and None."""
    return parse_yaml(_read_bytes(path), str(path))


def parse_yaml(data: bytes, where: str) -> Any:
    """Parse `data` (the bytes of file `where`, named in every error) strictly; see the module doc."""
    text = _decode(data, where)
    try:
        plain = _check_events(text, where)
        root = yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.YAMLError as exc:
        raise StrictYamlError(f"{where}: not valid YAML: {_yaml_message(text, exc)}") from None
    return None if root is None else _Builder(where, plain).value(root, "")


def _read_bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise StrictYamlError(f"{path}: cannot be read: {exc.strerror or exc}; "
                              "check that it is a readable file") from None
    if len(data) > MAX_BYTES:
        raise StrictYamlError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MiB; a stack file is a few KB")
    return data


def _decode(data: bytes, where: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            raise StrictYamlError(f"{where}: starts with a {encoding} byte-order mark (byte offset 0); "
                                  "save it as UTF-8 without a BOM")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise StrictYamlError(f"{where}: line {line}: byte 0x{data[exc.start]:02x} at byte offset {exc.start} "
                              "is not UTF-8; save the file as UTF-8") from None


def _check_events(text: str, where: str) -> set[int]:
    """Refuse aliases and deep nesting from the event stream, before anything is built.

    Returns where each untagged plain scalar starts (character index): those are resolved as yaml.v3 does.
    """
    depth = 0
    plain: set[int] = set()
    for event in yaml.parse(text, Loader=_FAST_LOADER):
        if isinstance(event, yaml.ScalarEvent) and event.implicit[0] and event.tag is None:
            plain.add(event.start_mark.index)
        if isinstance(event, yaml.AliasEvent):
            raise StrictYamlError(f"{where}: line {event.start_mark.line + 1}: alias '*{event.anchor}' is not "
                                  "allowed in a stack file; write the value out in full")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise StrictYamlError(f"{where}: line {event.start_mark.line + 1}: nested more than {MAX_DEPTH} "
                                      "levels deep; a stack file needs far fewer")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return plain


def _yaml_message(text: str, exc: yaml.YAMLError) -> str:
    # libyaml's messages lack the offending line; the pure-Python parser's show it.
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as pure:
        return str(pure)
    except RecursionError:
        pass
    return str(exc)


class _Builder:
    """Turns a composed node tree into plain data, naming the key path and line of anything refused.

    Recursive: _check_events has already bounded the depth to MAX_DEPTH.
    """

    def __init__(self, where: str, plain: set[int] | None = None) -> None:
        self.where = where
        self.constructor = yaml.SafeLoader("")
        self.plain = plain or set()

    def fail(self, node: yaml.Node, path: str, problem: str) -> StrictYamlError:
        at = f" {path}:" if path else ""
        return StrictYamlError(f"{self.where}: line {node.start_mark.line + 1}:{at} {problem}")

    def value(self, node: yaml.Node, path: str) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.start_mark.index in self.plain:
            return self.plain_scalar(node, path)
        if node.tag not in _JSON_TAGS:
            raise self.fail(node, path, _tag_problem(node))
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, f"{path}[{i}]") for i, item in enumerate(node.value)]
        return self.scalar(node, path)

    def mapping(self, node: yaml.MappingNode, path: str) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, path, "a key must be a plain value, not a list or mapping")
            key = self.value(key_node, path)
            name = key if isinstance(key, str) else json.dumps(key)  # the key JSON will write
            child = f"{path}.{name}" if path else name
            line = key_node.start_mark.line + 1
            if name in lines:
                raise StrictYamlError(f"{self.where}: line {line}: duplicate key '{child}' (first on line "
                                      f"{lines[name]}, again on line {line}); keep only one of them")
            lines[name] = line
            out[key] = self.value(value_node, child)
        return out

    def plain_scalar(self, node: yaml.ScalarNode, path: str) -> Any:
        """An untagged plain scalar, resolved as the Pulumi CLI's yaml.v3 resolves it."""
        if len(node.value) > _MAX_INT_CHARS and node.value.lstrip("+-")[:1].isdigit() \
                and node.value.lstrip("+-").replace("_", "").isdigit():
            raise self.fail(node, path, f"integer of {len(node.value)} characters is too large; "
                                        "quote it if it is an id")
        value = resolve_plain(node.value)
        if value is TIMESTAMP:
            raise self.fail(node, path, _TAG_PROBLEM_TIMESTAMP.format(value=node.value))
        if value is MERGE:
            raise self.fail(node, path, "merge key '<<' is not allowed in a stack file; write the keys out in full")
        digits = node.value.lstrip("+-").replace("_", "")
        if isinstance(value, float) and digits.isdigit() and not digits.startswith("0"):
            # yaml.v3 makes a float of an integer beyond 64 bits, losing digits: an id wants quotes.
            value = int(node.value.replace("_", ""))
        return self.checked(node, path, value)

    def scalar(self, node: yaml.ScalarNode, path: str) -> Any:
        if node.tag.endswith(":int") and len(node.value) > _MAX_INT_CHARS:
            raise self.fail(node, path, f"integer of {len(node.value)} characters is too large; "
                                        "quote it if it is an id")
        try:
            value = self.constructor.construct_object(node)
        except (ValueError, KeyError, yaml.YAMLError):  # an explicit tag the text does not fit: `!!int dev`
            kind = node.tag.removeprefix("tag:yaml.org,2002:")
            raise self.fail(node, path, f"'{node.value[:60]}' is not a valid {kind}; remove the tag or fix "
                                        "the value") from None
        return self.checked(node, path, value)

    def checked(self, node: yaml.ScalarNode, path: str, value: Any) -> Any:
        """Refuse numbers JSON cannot carry or a program should not get."""
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            raise self.fail(node, path, f"integer {value} is outside the 64-bit range; quote it if it is an id")
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(node, path, f"'{node.value}' is not a finite number and has no JSON form; "
                                        "use a number or quote it")
        return value


_TAG_PROBLEM_TIMESTAMP = "value '{value}' is a date/timestamp, which has no JSON form; quote it to keep it as text"


def _tag_problem(node: yaml.Node) -> str:
    short = node.tag.removeprefix("tag:yaml.org,2002:")
    if short == "merge":
        return "merge key '<<' is not allowed in a stack file; write the keys out in full"
    what = _TAG_NAMES.get(short, f"a value tagged '{node.tag}'")
    shown = f" '{node.value}'" if isinstance(node, yaml.ScalarNode) and len(node.value) <= 60 else ""
    return f"value{shown} is {what}, which has no JSON form; quote it to keep it as text"
