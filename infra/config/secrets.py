"""Secrets in config: never echoed in a message, and credential fields never given in plain text.

Under `pulumi`, the value of a `secure:` key reaches the program decrypted. A config error that quotes
it (`got 'https://...'`) would print it in CI logs, so every message is masked against every value of
every secret key before it is shown. Pulumi marks secrecy per top-level key (`mlinfra:github_app`), so
all values under a secret key are treated as secret.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from pydantic import BaseModel, SecretStr

MASK = "[secret]"


def secret_values(values: Mapping[str, Any], secret_keys: Collection[str]) -> list[str]:
    """Every scalar under the secret keys, as text, longest first (so a value inside another is masked last)."""
    found: set[str] = set()
    for key in secret_keys:
        found.update(_scalars(values.get(key)))
    found.discard(MASK)
    return sorted((v for v in found if v), key=len, reverse=True)


def _scalars(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)
    elif isinstance(value, str) and value[:1] in "{[":
        try:
            yield from _scalars(json.loads(value))
        except ValueError:
            yield value
    elif value is not None:
        yield str(value)


def masked(problems: list[tuple[str, str]], values: Mapping[str, Any],
           secret_keys: Collection[str]) -> list[tuple[str, str]]:
    """The problems with every secret value in their messages replaced by [secret] (paths are keys, never values)."""
    secrets = secret_values(values, secret_keys)
    if not secrets:
        return problems
    # Whole tokens only, so a short secret (`cpu`) does not mangle the words around it.
    pattern = re.compile("|".join(rf"(?<![\w-]){re.escape(s)}(?![\w-])" for s in secrets))
    return [(path, pattern.sub(MASK, message)) for path, message in problems]


def credential_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Dotted paths of the SecretStr fields of `model` (through nested models): the credentials."""
    paths = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{field.alias or name}"
        for kind in (field.annotation, *typing.get_args(field.annotation)):
            if kind is SecretStr:
                paths.append(key)
            elif isinstance(kind, type) and issubclass(kind, BaseModel):
                paths += credential_paths(kind, f"{key}.")
    return sorted(set(paths))


def plain_credential_problems(values: Mapping[str, Any], credentials: Collection[str],
                              placeholder: str) -> Iterator[tuple[str, str]]:
    """Credential fields given in plain text in an offline stack file, whose secure values read `placeholder`.

    Pulumi marks a whole key secret when any value under it is `secure:`, so a plain private key next
    to a secure sibling would pass a key-level check; offline each secure value is the placeholder, which
    tells the two apart.
    """
    for path in credentials:
        node: Any = values
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None and node != placeholder:
            yield (path, f"a credential, so it must itself be a Pulumi secret, never plain text in the stack "
                   f"file (a `secure:` sibling does not hide it); set it with "
                   f"`pulumi config set --secret --path 'mlinfra:{path}'`")


def misplaced_secret_problems(values: Mapping[str, Any], credentials: Collection[str],
                              placeholder: str) -> Iterator[tuple[str, str]]:
    """`secure:` values outside the credential fields of an offline stack file (each reads `placeholder`).

    The program treats every other field as plain text: a secret there would reach resource inputs, the plan's
    json and terraform-plan output and the state unmasked, so it is refused rather than half-protected.
    """
    for path, value in _leaves(values):
        if value == placeholder and re.sub(r"\[\d+\]", "", path) not in credentials:
            yield (path, _not_a_credential(credentials))


def secret_key_problems(secret_keys: Collection[str], credentials: Collection[str]) -> Iterator[tuple[str, str]]:
    """Secret top-level keys (as the engine marks them, `mlinfra:` stripped) that hold no credential field:
    under `pulumi` secrecy is per key, so this is the check the program can make there."""
    holders = {path.split(".")[0] for path in credentials}
    for key in sorted(set(secret_keys) - holders):
        yield (key, _not_a_credential(credentials))


def _not_a_credential(credentials: Collection[str]) -> str:
    fields = ", ".join(sorted(credentials))
    return (f"is `secure:`, but it is not a credential field: the program uses it as plain text, so it would show "
            f"unmasked in plan output and in the state; write it in plain text. Only these fields take "
            f"`secure:` values: {fields}")


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}[{index}]")
    else:
        yield path, value
