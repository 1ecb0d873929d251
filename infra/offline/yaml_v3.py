"""What an untagged plain scalar means to the Pulumi CLI, which reads stack files with gopkg.in/yaml.v3.

PyYAML resolves plain scalars by YAML 1.1: `no`, `off`, `yes`, `on` are booleans and `1:30` is 90.
The CLI does not: it unmarshals a stack file with gopkg.in/yaml.v3 (pulumi/pulumi,
sdk/go/common/encoding/marshal.go: `yamlMarshaler.Unmarshal` calls `yaml.Unmarshal`), whose
`resolve()` (go-yaml/yaml, branch v3, resolve.go; read 2026-12-07) follows YAML 1.2's core schema
with two 1.1 leftovers, and config values decode into untyped values, so `name_prefix: no` is
the string "no". This mirrors that function for the tags a stack file may use:

- a fixed map: true/True/TRUE, false/False/FALSE; "", ~, null/Null/NULL; .nan/.inf/+.inf/-.inf in
  three spellings; `<<` is a merge key. Nothing else starting with y/n/t/f/o/~ is special.
- starting with a digit or a sign: a timestamp (`2006-1-2` and the other layouts), else with `_`
  removed Go's `strconv.ParseInt(s, 0, 64)` (so 0x1F, 0o17, 0b101 and the 1.1 octal 0777), else
  `ParseUint`, else a float matching `^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
- starting with `.`: Go's `strconv.ParseFloat` (`.5`).
- anything else is a string.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

TIMESTAMP = object()  # the caller refuses timestamps, as they have no JSON form
MERGE = object()

_FIXED: dict[str, Any] = {
    **dict.fromkeys(("true", "True", "TRUE"), True), **dict.fromkeys(("false", "False", "FALSE"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf), "<<": MERGE,
}
_YAML_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_GO_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+\.?[0-9]*)([eE][-+]?[0-9]+)?$")
_BASES = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}
_DIGITS = {16: "0123456789abcdefABCDEF", 8: "01234567", 2: "01", 10: "0123456789"}
# yaml.v3's allowedTimestampFormats, as (regex, strptime layout) pairs: one- or two-digit fields.
_TIMESTAMP = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([Tt ]\d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$")


def _go_int(text: str) -> int | None:
    """Go's strconv.ParseInt(text, 0, 64) with ParseUint as the fallback, or None."""
    sign, body = (text[0], text[1:]) if text[:1] in "+-" else ("", text)
    base = _BASES.get(body[:2])
    if base:
        body = body[2:]
    elif len(body) > 1 and body.startswith("0"):
        base = 8  # Go's base-0 rule: a leading 0 is octal (YAML 1.1's 0777, kept by yaml.v3)
    else:
        base = 10
    if not body or any(c not in _DIGITS[base] for c in body):
        return None
    value = int(body, base) * (-1 if sign == "-" else 1)
    if -(2**63) <= value < 2**63 or (sign != "-" and value < 2**64):
        return value
    return None


def resolve_plain(text: str) -> Any:
    """The value yaml.v3 gives an untagged plain scalar; TIMESTAMP or MERGE for those two kinds."""
    if text in _FIXED:
        return _FIXED[text]
    first = text[:1]
    if first == ".":
        return float(text) if _GO_FLOAT.match(text) else text
    if first.isdigit() or first in "+-":
        if _TIMESTAMP.match(text) and _valid_date(text[:10]):
            return TIMESTAMP
        plain = text.replace("_", "")
        number = _go_int(plain)
        if number is not None:
            return number
        if _YAML_FLOAT.match(plain):
            return float(plain)
    return text


def _valid_date(text: str) -> bool:
    try:
        datetime.strptime(text.split("T")[0].split("t")[0].split(" ")[0], "%Y-%m-%d")
    except ValueError:
        return False
    return True
