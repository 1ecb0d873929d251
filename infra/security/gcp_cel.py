"""The part of CEL (Common Expression Language) that the plans' Google Cloud conditions use, and nothing more.

Two kinds of expression reach the matrix: a workload identity pool provider's attribute condition and mapping
(over `assertion`, the GitHub OIDC token's claims) and IAM conditions on bindings (over `resource.name`). The
plans use string literals, dotted names, `==`, `!=`, `&&`, `||`, `!`, `+` (string concatenation), parentheses
and `.startsWith(...)`. Anything else (another function, a number, `in`, a macro) is refused with
`Unsupported`, which the evaluator reports as an undecided cell: a condition we do not understand is never
guessed to be true or false.

Semantics follow the CEL language definition (github.com/google/cel-spec, doc/langdef.md, read 2026-12-08):
`&&` and `||` are commutative and absorb errors (`false && error` is false, `true || error` is true), and a
field missing from a map is an error ("no such key"). What an error means at the top is the caller's business.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"""\s*(?:(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(?P<op>==|!=|&&|\|\||[()!+.,])"""
                    r"""|(?P<name>[A-Za-z_][A-Za-z0-9_]*))""")


class Unsupported(ValueError):
    """The expression uses CEL the evaluator does not implement (so no verdict is given)."""


@dataclass(frozen=True)
class CelError:
    """A CEL runtime error value (e.g. a missing claim); absorbed by `&&`/`||` where CEL says so."""

    reason: str


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise Unsupported(f"cannot read CEL at {text[pos:pos + 20]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str):
        self.tokens, self.i = _tokens(text), 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise Unsupported(f"expected {value or 'more'} in CEL, found {token[1] if token else 'the end'}")
        self.i += 1
        return token

    def parse(self) -> tuple:
        tree = self.disjunction()
        if self.peek() is not None:
            raise Unsupported(f"unexpected {self.peek()[1]!r} in CEL")
        return tree

    def disjunction(self) -> tuple:
        left = self.conjunction()
        while self.peek() == ("op", "||"):
            self.take()
            left = ("or", left, self.conjunction())
        return left

    def conjunction(self) -> tuple:
        left = self.equality()
        while self.peek() == ("op", "&&"):
            self.take()
            left = ("and", left, self.equality())
        return left

    def equality(self) -> tuple:
        left = self.sum()
        while self.peek() in (("op", "=="), ("op", "!=")):
            op = self.take()[1]
            left = ("eq" if op == "==" else "ne", left, self.sum())
        return left

    def sum(self) -> tuple:
        left = self.unary()
        while self.peek() == ("op", "+"):
            self.take()
            left = ("add", left, self.unary())
        return left

    def unary(self) -> tuple:
        if self.peek() == ("op", "!"):
            self.take()
            return ("not", self.unary())
        return self.member()

    def member(self) -> tuple:
        node = self.primary()
        while self.peek() == ("op", "."):
            self.take()
            name = self.take()
            if name[0] != "name":
                raise Unsupported(f"expected a field after '.', found {name[1]!r}")
            if self.peek() == ("op", "("):
                if name[1] != "startsWith":
                    raise Unsupported(f"CEL function {name[1]}() is not implemented")
                self.take("(")
                argument = self.disjunction()
                self.take(")")
                node = ("startsWith", node, argument)
            else:
                node = ("field", node, name[1])
        return node

    def primary(self) -> tuple:
        kind, value = self.take()
        if kind == "str":
            if "\\" in value:
                raise Unsupported("escape sequences in CEL strings are not implemented")
            return ("lit", value[1:-1])
        if kind == "name":
            if value in ("true", "false", "null", "in"):
                raise Unsupported(f"CEL {value!r} is not implemented")
            return ("var", value)
        if value == "(":
            inner = self.disjunction()
            self.take(")")
            return inner
        raise Unsupported(f"unexpected {value!r} in CEL")


def parse(text: str) -> tuple:
    """The expression's tree, or `Unsupported` if it uses CEL outside the implemented part."""
    return _Parser(text).parse()


def evaluate(text: str, variables: Mapping[str, Any]) -> Any:
    """The value of `text` with `variables` (e.g. {"assertion": {...}} or {"resource": {"name": ...}}): a str, a
    bool, or a `CelError`. Raises `Unsupported` for CEL outside the implemented part."""
    return _eval(parse(text), variables)


def _eval(node: tuple, env: Mapping[str, Any]) -> Any:
    op = node[0]
    if op == "lit":
        return node[1]
    if op == "var":
        if node[1] not in env:
            raise Unsupported(f"CEL variable {node[1]!r} is not known here")
        return env[node[1]]
    if op == "field":
        base = _eval(node[1], env)
        if isinstance(base, CelError):
            return base
        if not isinstance(base, Mapping):
            raise Unsupported(f"field {node[2]!r} of a non-map in CEL")
        return base[node[2]] if node[2] in base else CelError(f"no such key: {node[2]}")
    if op in ("and", "or"):
        left, right = _eval(node[1], env), _eval(node[2], env)
        for side in (left, right):
            if not isinstance(side, (bool, CelError)):
                raise Unsupported(f"{op} of a non-boolean in CEL")
        absorbing = op == "or"  # true absorbs in ||, false in &&
        if left is absorbing or right is absorbing:
            return absorbing
        return next((s for s in (left, right) if isinstance(s, CelError)), not absorbing)
    if op == "not":
        value = _eval(node[1], env)
        if isinstance(value, CelError):
            return value
        if not isinstance(value, bool):
            raise Unsupported("! of a non-boolean in CEL")
        return not value
    left, right = _eval(node[1], env), _eval(node[2], env)
    error = next((s for s in (left, right) if isinstance(s, CelError)), None)
    if error:
        return error
    if not isinstance(left, str) or not isinstance(right, str):
        raise Unsupported(f"{op} on values other than strings is not implemented")
    if op == "eq":
        return left == right
    if op == "ne":
        return left != right
    if op == "add":
        return left + right
    return left.startswith(right)  # startsWith
