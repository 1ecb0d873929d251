"""Which permissions each Google Cloud predefined role carries, for the roles the plans grant.

Vendored from iann0036/iam-dataset (MIT), `gcp/roles/<role>.json` `includedPermissions`, at the commit written in
gcp_roles.json (the dataset's refresh of 2026-08-22, read 2026-12-08); the dataset is generated from the IAM
`roles.list` API (https://cloud.google.com/iam/docs/reference/rest/v1/roles/list). Only the roles the bootstrap
and stacks grant are kept (plus `roles/container.clusterAdmin` and `roles/iam.serviceAccountTokenCreator`, which
the matrix's tests grant); a role missing here is unknown, and the matrix says so rather than guess.
To refresh: fetch iann0036/iam-dataset, and for each role in gcp_roles.json take `includedPermissions` from
`git show <commit>:gcp/roles/<name>.json`; write the new commit and date.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

ROLES_PATH = Path(__file__).with_name("gcp_roles.json")


@cache
def _table() -> dict:
    return json.loads(ROLES_PATH.read_text())


def role_permissions(role: str) -> frozenset[str] | None:
    """The permissions of predefined `role` (e.g. `roles/storage.objectViewer`), or None when not vendored."""
    permissions = _table()["roles"].get(role)
    return frozenset(permissions) if permissions is not None else None


def source() -> str:
    """Where the table comes from (repository, commit, date read)."""
    return _table()["source"]
