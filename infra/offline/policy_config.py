"""Policy config files (`--policy-pack-config FILE`) and how the CLI turns them into `Configure`.

Mirrors `pkg/resource/analyzer/config.go` in Pulumi: a JSON object keyed by policy name or
`all`; each value is an enforcement level string or an object with an optional
`enforcementLevel` and the policy's properties. Reconciliation starts from each policy's own
level and its schema defaults (the pack does not apply defaults itself), applies `all`, then
each named policy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as apb

LEVELS = {"advisory": apb.ADVISORY, "mandatory": apb.MANDATORY, "disabled": apb.DISABLED,
          "remediate": apb.REMEDIATE}
LEVEL_NAMES = {value: name for name, value in LEVELS.items()}


class PolicyConfigError(ValueError):
    """A policy config file the Pulumi CLI would refuse; the message says where and why."""


@dataclass
class PolicySetting:
    """One policy's enforcement level (None: unchanged) and properties."""

    level: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)


def parse_policy_config(text: str, source: str = "<config>") -> dict[str, PolicySetting]:
    """Parse the file format `pulumi preview --policy-pack-config` accepts."""
    if not text.strip():
        return {}
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise PolicyConfigError(f"{source}: not valid JSON: {exc}") from exc
    except RecursionError:
        raise PolicyConfigError(f"{source}: nested too deeply to be a policy config") from None
    if not isinstance(raw, dict):
        raise PolicyConfigError(f"{source}: must be a JSON object keyed by policy name")
    settings: dict[str, PolicySetting] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            settings[name] = PolicySetting(_level(value, f"{source}: {name}"))
        elif isinstance(value, dict):
            props = dict(value)
            level = props.pop("enforcementLevel", None)
            settings[name] = PolicySetting(_level(level, f"{source}: {name}.enforcementLevel")
                                           if level is not None else None, props)
        else:
            raise PolicyConfigError(f"{source}: {name}: must be an enforcement level or an object")
    return settings


# A policy config is a few KB; the limit only stops a wrong path (a device, a log) from being read whole.
MAX_POLICY_CONFIG_BYTES = 1024 * 1024


def load_policy_config(path: Path) -> dict[str, PolicySetting]:
    """Read and parse one policy config file: a regular file (a FIFO would hang the plan), of bounded size."""
    from infra.config.input_files import InputFileError, read_regular_file

    try:
        data = read_regular_file(path, MAX_POLICY_CONFIG_BYTES, "policy config file")
        text = data.decode("utf-8")
    except InputFileError as exc:
        raise PolicyConfigError(str(exc)) from None
    except UnicodeDecodeError as exc:
        raise PolicyConfigError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    return parse_policy_config(text, str(path))


def _level(value: Any, where: str) -> str:
    if value not in LEVELS:
        raise PolicyConfigError(f"{where}: must be one of {', '.join(LEVELS)} (got {value!r})")
    return value


def reconcile(info: apb.AnalyzerInfo, settings: dict[str, PolicySetting]) -> dict[str, apb.PolicyConfig]:
    """The `ConfigureAnalyzerRequest.policyConfig` the CLI would send for these settings."""
    known = {p.name for p in info.policies}
    unknown = sorted(set(settings) - known - {"all"})
    if unknown:
        raise PolicyConfigError(f"unknown policies in policy config: {', '.join(unknown)}")
    merged: dict[str, tuple[int, dict[str, Any]]] = {}
    for policy in info.policies:
        schema = json_format.MessageToDict(policy.configSchema.properties)
        defaults = {k: v["default"] for k, v in schema.items() if isinstance(v, dict) and "default" in v}
        merged[policy.name] = (policy.enforcementLevel, defaults)
    everything = settings.get("all")
    if everything is not None and everything.level is not None:
        merged = {name: (LEVELS[everything.level], props) for name, (_, props) in merged.items()}
    for name, setting in settings.items():
        if name == "all":
            continue
        level, props = merged[name]
        merged[name] = (LEVELS[setting.level] if setting.level else level, {**props, **setting.properties})
    return {name: apb.PolicyConfig(enforcementLevel=level, properties=_struct(props))
            for name, (level, props) in merged.items()}


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct
