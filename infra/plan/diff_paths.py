"""Property-by-property differences between two input trees, with readable paths.

Paths read like the code that sets them: `tags.environment`, `rules[0].action`,
`containers[name=app].image`, `tags["kubernetes.io/role"]`. Lists of objects that all carry a
distinct `name` (or `key`, `id`, `sid`) are matched by it, so inserting one entry does not show
every later entry as changed; other lists are compared by index. Strings holding JSON (IAM
policy documents, Helm values) are compared inside, so one new action is one line, not the whole
document. A secret ("[secret]") on either side masks both sides.
"""

from __future__ import annotations

import json
import re
from typing import Any

SECRET = "[secret]"
LIST_KEYS = ("name", "key", "id", "sid", "Sid")
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_MISSING = object()


def property_changes(before: Any, after: Any) -> list[dict[str, Any]]:
    """Each leaf that was added, removed or changed, as {path, in, kind, before, after}."""
    changes: list[dict[str, Any]] = []
    _walk(before, after, "", changes)
    return changes


def child_path(path: str, key: str) -> str:
    """`path.key`, or `path["key"]` when the key is not a plain identifier."""
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def _record(changes: list, path: str, before: Any, after: Any) -> None:
    if before is _MISSING:
        kind = "add"
    elif after is _MISSING:
        kind = "remove"
    else:
        kind = "change"
    secret = SECRET in (before, after)
    changes.append({
        "path": path, "in": "inputs", "kind": kind,
        "before": None if before is _MISSING else (SECRET if secret else before),
        "after": None if after is _MISSING else (SECRET if secret else after),
        **({"secret": True} if secret else {}),
    })


def _walk(before: Any, after: Any, path: str, changes: list) -> None:
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(before.keys() | after.keys()):
            _walk(before.get(key, _MISSING), after.get(key, _MISSING), child_path(path, key), changes)
        return
    if isinstance(before, list) and isinstance(after, list):
        key = _list_key(before, after)
        if key is None:
            for i in range(max(len(before), len(after))):
                _walk(before[i] if i < len(before) else _MISSING, after[i] if i < len(after) else _MISSING,
                      f"{path}[{i}]", changes)
            return
        old = {item[key]: item for item in before}
        new = {item[key]: item for item in after}
        for value in [item[key] for item in before] + [item[key] for item in after if item[key] not in old]:
            _walk(old.get(value, _MISSING), new.get(value, _MISSING), f"{path}[{key}={value}]", changes)
        return
    parsed = _json_pair(before, after)
    if parsed is not None:
        _walk(*parsed, path, changes)
        return
    _record(changes, path, before, after)


def _list_key(before: list, after: list) -> str | None:
    """A field that names every object in both lists exactly once, if there is one."""
    items = before + after
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in LIST_KEYS:
        sides_ok = all(
            all(isinstance(i.get(key), (str, int)) and not isinstance(i.get(key), bool) for i in side)
            and len({i[key] for i in side}) == len(side)
            for side in (before, after))
        if sides_ok:
            return key
    return None


def _json_pair(before: Any, after: Any) -> tuple[Any, Any] | None:
    """Both sides parsed, when both are strings holding a JSON object or array."""
    if not (isinstance(before, str) and isinstance(after, str)):
        return None
    try:
        old, new = json.loads(before), json.loads(after)
    except ValueError:
        return None
    if isinstance(old, (dict, list)) and isinstance(new, (dict, list)):
        return old, new
    return None
