"""Reads `stacks/Pulumi.<stack>.yaml` into the flat config map the Pulumi runtime expects.

Pulumi hands a program its config as `namespace:key -> string`, objects JSON-encoded, and a
list of secret keys. The offline engine builds the same shape so `infra.config.load` cannot tell
which engine it runs under. `secure:` values cannot be decrypted without the stack's secrets
provider, so offline they become a placeholder that is still marked secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.offline.strict_yaml import StrictYamlError, read_yaml

SECRET_PLACEHOLDER = "[secret]"


class UnknownStackError(LookupError):
    """The stack has no file in stacks/; the message lists the stacks that exist."""


class StackFileError(ValueError):
    """The stack file is not valid YAML or not shaped like a Pulumi stack file."""


@dataclass(frozen=True)
class StackFile:
    """A stack's config as the Pulumi runtime would receive it."""

    name: str
    path: Path
    config: dict[str, str]
    secret_keys: list[str] = field(default_factory=list)


def available_stacks(stacks_dir: Path) -> list[str]:
    """Names of the stacks that have a `Pulumi.<name>.yaml` file, sorted."""
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in stacks_dir.glob("Pulumi.*.yaml"))


def config_section(document: object, path: object) -> dict:
    """The `config` mapping of a parsed stack file (an empty file has none); StackFileError naming `path` when
    the document is not shaped like one."""
    document = document or {}
    if not isinstance(document, dict) or not isinstance(document.get("config", {}), dict):
        raise StackFileError(f"{path}: expected a mapping with a 'config' mapping inside")
    return document.get("config") or {}


def load_stack_file(stacks_dir: Path, stack: str) -> StackFile:
    """Parse one stack file; raise UnknownStackError or StackFileError with a readable message."""
    path = stacks_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = ", ".join(available_stacks(stacks_dir)) or "none"
        raise UnknownStackError(f"unknown stack '{stack}': no {path}. Stacks that exist: {known}")
    try:
        document = read_yaml(path)
    except StrictYamlError as exc:
        raise StackFileError(str(exc)) from None
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in config_section(document, path).items():
        if ":" not in str(key):
            raise StackFileError(f"{path}: config key '{key}' needs a namespace, e.g. mlinfra:{key}")
        encoded, is_secret = encode_value(value)
        config[str(key)] = encoded
        if is_secret:
            secret_keys.append(str(key))
    return StackFile(stack, path, config, secret_keys)


def encode_value(value: Any) -> tuple[str, bool]:
    """One config value in Pulumi's wire form, and whether any part of it was `secure:`."""
    plain, is_secret = _strip_secure(value)
    if isinstance(plain, str):
        return plain, is_secret
    if isinstance(plain, bool):
        return ("true" if plain else "false"), is_secret
    if isinstance(plain, (int, float)):
        return str(plain), is_secret
    return json.dumps(plain), is_secret


def _strip_secure(value: Any) -> tuple[Any, bool]:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER, True
        found = False
        out = {}
        for k, v in value.items():
            out[k], inner = _strip_secure(v)
            found = found or inner
        return out, found
    if isinstance(value, list):
        pairs = [_strip_secure(v) for v in value]
        return [p[0] for p in pairs], any(p[1] for p in pairs)
    return value, False
