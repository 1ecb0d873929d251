"""Typed, validated stack config: the one place config is read.

The `mlinfra:*` keys arrive from whichever engine runs the program (Pulumi or the offline
engine) as `namespace:key -> string`. They are parsed into `StackConfig` once; every problem is
reported together, each with its path and the fix, before any resource is registered.
"""

from __future__ import annotations

import difflib
import json
import types
import typing
from collections.abc import Collection, Mapping
from typing import Any, Protocol

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import BaseModel, ValidationError

from infra.config.rules.names import name_problems
from infra.config.rules.observability import observability_secret_problems
from infra.config.rules.physical import stack_name_problems
from infra.config.rules.stack import Problem, stack_problems
from infra.config.runners import PRIVATE_KEY_MOVED
from infra.config.secrets import (
    credential_paths,
    masked,
    misplaced_secret_problems,
    plain_credential_problems,
    secret_key_problems,
)
from infra.config.stack import StackConfig

NAMESPACE = "mlinfra"
# Config namespaces a stack of this project may use: its own, and the providers' and Pulumi's own
# (`aws:region`, `gcp:project`, `kubernetes:...`, `pulumi:...`). Anything else is a typo
# (`mlinfr:budget_per_hour`) whose setting would silently be ignored.
KNOWN_NAMESPACES = (NAMESPACE, "aws", "gcp", "kubernetes", "pulumi")
# Keys this project once read and refuses now, with where their value goes instead: "unknown key" would not say.
RETIRED_KEYS = {"github_app.private_key": PRIVATE_KEY_MOVED}
# A key set to nothing (`mlinfra:name_prefix:`) arrives as "" or JSON null, never as "no value".
EMPTY_VALUES = ("", "null")


class StackFileLike(Protocol):
    """What parsing needs of a stack file (the offline engine's StackFile has it): name and wire config."""

    name: str
    config: Mapping[str, str]
    secret_keys: list[str]


class ConfigError(pulumi.RunError):
    """The stack config is invalid. Pulumi prints a RunError without a traceback."""

    def __init__(self, stack: str, problems: list[Problem]) -> None:
        self.stack = stack
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines = [f"invalid config for stack '{stack}' ({count}):"]
        lines += [f"  - {path}: {message}" for path, message in problems]
        super().__init__("\n".join(lines))


def namespace_values(flat: Mapping[str, Any], namespace: str = NAMESPACE) -> dict[str, Any]:
    """`namespace:key -> wire value` entries as `key -> value`, objects decoded."""
    prefix = f"{namespace}:"
    return {key[len(prefix):]: _decode(value) for key, value in flat.items() if key.startswith(prefix)}


def raw_config(namespace: str = NAMESPACE) -> tuple[dict[str, Any], set[str]]:
    """This namespace's keys as the engine provides them (objects decoded), and the secret ones."""
    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{namespace}:"
    secrets = {key[len(prefix):] for key in merged
               if key.startswith(prefix) and runtime_config.is_config_secret(key)}
    return namespace_values(merged, namespace), secrets


def _decode(value: Any) -> Any:
    # Pulumi passes objects and lists JSON-encoded and scalars as strings; pydantic coerces scalars.
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def parse_stack_config(values: dict[str, Any], stack: str,
                       secret_keys: Collection[str] | None = None) -> StackConfig:
    """Validate `mlinfra:*` values (namespace stripped) into a StackConfig or raise ConfigError.

    `secret_keys` are the keys the engine marks secret: their values are never echoed in a
    message, and keys that must be secret are refused in plain text. None skips that check.
    """
    hidden = set(secret_keys or ())
    empty = [key for key, value in values.items() if value is None or value in EMPTY_VALUES]
    problems: list[Problem] = [(key, "is empty; set a value or remove the key") for key in empty]
    try:
        config = StackConfig.model_validate({k: v for k, v in values.items() if k not in empty})
    except ValidationError as exc:
        problems += [_describe(error, hidden) for error in exc.errors(include_url=False)
                     if not (error["loc"] and error["loc"][0] in empty)]
        raise ConfigError(stack, masked(problems, values, hidden)) from None
    if problems:
        raise ConfigError(stack, problems)
    problems = stack_problems(config)
    # Rules on names made from config and the stack: only here is the stack known.
    problems += list(stack_name_problems(config, stack))
    problems += list(name_problems(config, stack))
    if secret_keys is not None:
        problems += list(secret_key_problems(hidden, credential_paths(StackConfig)))
        problems += list(observability_secret_problems(config, hidden))
    if problems:
        # One cause can trip a rule once per resource it names (a prefix in every bucket): say it once.
        raise ConfigError(stack, masked(list(dict.fromkeys(problems)), values, hidden))
    return config


def namespace_problems(keys: Collection[str], known: Collection[str] = KNOWN_NAMESPACES) -> list[Problem]:
    """A problem for each config key whose `namespace:` is not one this project reads."""
    problems = []
    for key in keys:
        namespace = key.split(":", 1)[0]
        if namespace not in known:
            close = difflib.get_close_matches(namespace, known, n=1)
            hint = f"did you mean '{close[0]}:'? " if close else ""
            problems.append((key, f"unknown config namespace '{namespace}', so this setting would be ignored; "
                                  f"{hint}namespaces read: {', '.join(known)}"))
    return problems


def load_stack_config() -> StackConfig:
    """Read and validate the running stack's config. Call once, from the program entry point."""
    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    unknown = namespace_problems(merged)
    if unknown:
        raise ConfigError(pulumi.get_stack(), unknown)
    values, secrets = raw_config()
    return parse_stack_config(values, pulumi.get_stack(), secrets)


def _describe(error: dict[str, Any], secret_keys: Collection[str] = (),
              model: type[BaseModel] = StackConfig) -> Problem:
    loc = tuple(str(part) for part in error["loc"])
    path = ".".join(loc) or "(top level)"
    kind = error["type"]
    got = error.get("input")
    if kind == "extra_forbidden":
        return path, RETIRED_KEYS.get(path) or _unknown_key_message(loc, model)
    if kind == "missing":
        return path, "required; add this key"
    message = str(error["msg"])
    if message.startswith("Input should be "):
        message = "must be " + message[len("Input should be "):]
    elif message.startswith("String should match pattern "):
        message = "not a valid value; " + message[0].lower() + message[1:]
    # A secret's value never reaches a message, even when it is the wrong shape.
    if not isinstance(got, (dict, list)) and not (loc and loc[0] in secret_keys):
        message += f" (got {got!r})"
    return path, message


def _unknown_key_message(loc: tuple[str, ...], model: type[BaseModel] = StackConfig) -> str:
    allowed = _allowed_keys(model, loc[:-1])
    if not allowed:
        return "unknown key; remove it"
    close = difflib.get_close_matches(loc[-1], allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown key; {hint}allowed keys: {', '.join(allowed)}"


def _allowed_keys(model: type[BaseModel], loc: tuple[str, ...]) -> list[str]:
    """The keys a config mapping at `loc` accepts, found by walking the model's fields."""
    current: Any = model
    parts = list(loc)
    while parts:
        current = _unwrap_optional(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            part = parts.pop(0)
            field = next((f for n, f in current.model_fields.items() if (f.alias or n) == part), None)
            if field is None:
                return []
            current = field.annotation
        elif typing.get_origin(current) is dict:
            parts.pop(0)
            current = typing.get_args(current)[1]
        else:
            return []
    current = _unwrap_optional(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or n for n, f in current.model_fields.items()]
    return []


def _unwrap_optional(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return args[0]
    return annotation


def stack_file_problems(stack_file: StackFileLike, secret_placeholder: str) -> list[Problem]:
    """What is wrong with a stack file before its program runs: unknown namespaces, plain-text credentials.

    `secret_placeholder` is what the offline engine puts in place of each `secure:` value.
    """
    problems = namespace_problems(stack_file.config)
    values = namespace_values(stack_file.config)
    secret = {key.removeprefix(f"{NAMESPACE}:") for key in stack_file.secret_keys}
    credentials = [path for path in credential_paths(StackConfig) if path.split(".")[0] in secret]
    problems += plain_credential_problems(values, credentials, secret_placeholder)
    # A retired key says where its value went, `secure:` or not (not "this is no credential field").
    problems += [(path, RETIRED_KEYS.get(path, message))
                 for path, message in misplaced_secret_problems(values, credential_paths(StackConfig),
                                                                secret_placeholder)]
    return problems


def config_from_stack_file(stack_file: StackFileLike) -> StackConfig:
    """Parse a stack file's `mlinfra:*` values, as the program does (raises ConfigError)."""
    return parse_stack_config(namespace_values(stack_file.config), stack_file.name)
