"""`mlinfra stack new`: a new stack file made from another, and the bootstrap entries it needs beside it.

Pure functions over parsed YAML and text, so the command can check everything before it writes
anything. What a copy must not carry silently is found here too: example account ids, example
projects and repositories, `secure:` values encrypted for another stack (or placeholders no key can
decrypt). Each is listed, with what replaces it, at the top of the new file and on the command's stderr.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from components.gcp.gke_cluster import node_service_account_email
from components.gcp.iam import service_account_id

NS = "mlinfra"
LONG_LIVED = ("dev", "staging", "prod")
PROTECTED = ("staging", "prod")
STACK_NAME = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
ACCOUNT_IN_ARN = re.compile(r"(arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:)(\d{12})(:)")
EXAMPLE_ACCOUNT = "123456789012"


class ScaffoldError(ValueError):
    """The new stack cannot be made as asked; nothing has been written."""


@dataclass
class NewStack:
    """What `stack new` writes and says."""

    config: dict[str, Any]
    bootstrap_text: str
    accepted_text: str | None = None
    notes: list[str] = field(default_factory=list)
    runner_groups: list[str] = field(default_factory=list)


def _key(name: str) -> str:
    return f"{NS}:{name}"


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (dotted path, value) under `node`, mappings and lists included."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}.{index}")


def _keep_cloud(config: dict[str, Any], cloud: str) -> None:
    """Only the clusters and buckets on `cloud`, the other cloud's settings gone, grants on gone buckets gone."""
    other = "aws" if cloud == "gcp" else "gcp"
    clusters = {k: v for k, v in (config.get(_key("clusters")) or {}).items() if v.get("cloud") == cloud}
    buckets = {k: v for k, v in (config.get(_key("buckets")) or {}).items() if v.get("cloud") == cloud}
    if not clusters and not buckets:
        raise ScaffoldError(f"--cloud {cloud}: the source stack has no cluster or bucket on {cloud}; "
                            "start from a stack that has one, or leave --cloud out")
    config.pop(_key(other), None)
    config[_key("clusters")] = clusters
    config[_key("buckets")] = buckets
    for cluster in clusters.values():
        for runner in (cluster.get("runners") or {}).values():
            granted = (runner.get("cloud_access") or {}).get("buckets")
            if granted:
                runner["cloud_access"]["buckets"] = {b: a for b, a in granted.items() if b in buckets}
                if not runner["cloud_access"]["buckets"]:
                    del runner["cloud_access"]["buckets"]
    if not clusters:
        config.pop(_key("clusters"))
    if not buckets:
        config.pop(_key("buckets"))


def _deploy_runner(config: dict[str, Any], source: dict[str, Any]) -> bool:
    """Give the first kept cluster the source's deployer runner set when no kept cluster has one."""
    clusters = config.get(_key("clusters")) or {}
    if any(r.get("kind") == "deploy" for c in clusters.values() for r in (c.get("runners") or {}).values()):
        return True
    templates = [(k, r) for c in (source.get(_key("clusters")) or {}).values()
                 for k, r in (c.get("runners") or {}).items() if r.get("kind") == "deploy"]
    if not clusters or not templates:
        return False
    key, template = templates[0]
    first = next(iter(clusters.values()))
    first.setdefault("runners", {})[key] = copy.deepcopy(template)
    return True


def _rename_runner_groups(config: dict[str, Any], source_name: str, name: str) -> list[str]:
    groups = []
    for cluster in (config.get(_key("clusters")) or {}).values():
        for runner in (cluster.get("runners") or {}).values():
            group = runner.get("runner_group")
            if isinstance(group, str) and group.startswith(f"{source_name}-"):
                runner["runner_group"] = f"{name}-{group[len(source_name) + 1:]}"
            if runner.get("runner_group"):
                groups.append(runner["runner_group"])
    return sorted(set(groups))


def _gcp_identities(config: dict[str, Any], name: str) -> bool:
    """Each GKE cluster runs as the accounts the bootstrap makes for this stack; True when there is a GKE cluster."""
    project = (config.get(_key("gcp")) or {}).get("project")
    prefix = config.get(_key("name_prefix"), "mlinfra")
    gke = [c for c in (config.get(_key("clusters")) or {}).values() if c.get("cloud") == "gcp"]
    for cluster in gke:
        options = cluster.setdefault("gcp", {})
        for key, suffix in (("node_service_account", "nodes"), ("metrics_reader_service_account", "metrics")):
            if key in options and project:
                options[key] = node_service_account_email(service_account_id(f"{prefix}-{name}", suffix), project)
    return bool(gke)


def _example_notes(config: dict[str, Any], source: dict[str, Any], source_name: str, name: str) -> list[str]:
    """What was copied that cannot be this stack's own: each with where it is and what replaces it."""
    notes = []
    source_project = (source.get(_key("gcp")) or {}).get("project")
    for path, value in _walk(config):
        key = path.removeprefix(f"{NS}:")
        if isinstance(value, dict) and "secure" in value:
            notes.append(f"{key}: a secret copied from {source_name}, which this stack's key cannot decrypt; once "
                         f"the stack exists: pulumi config set --stack {name} --secret --path '{NS}:{key}' ...")
        elif isinstance(value, str) and EXAMPLE_ACCOUNT in value:
            notes.append(f"{key}: the example AWS account id {EXAMPLE_ACCOUNT}; pass --aws-account-id or put yours")
        elif isinstance(value, str) and key == "gcp.project" and value == source_project:
            notes.append(f"{key}: {value} is {source_name}'s project; pass --gcp-project or put this stack's")
        elif isinstance(value, str) and re.search(r"(^|[./@])example\.com$", value):
            notes.append(f"{key}: {value} is an example hostname; put yours")
        elif isinstance(value, str) and key.endswith(("github_config_url", "platform_repository", "app_id",
                                                       "installation_id")):
            notes.append(f"{key}: {value} is copied from {source_name}; check it is your GitHub organisation's")
        elif isinstance(value, str) and "example" in value.lower():
            notes.append(f"{key}: {value} is an example value; put yours")
    return notes


def _taken(name: str, bootstrap: dict[str, Any]) -> list[str]:
    stacks = bootstrap.get("bootstrap:stacks") or {}
    gcp = bootstrap.get("bootstrap:gcp") or {}
    where = [f"bootstrap stacks.{k}" for k in ("previewed", "protected") if name in (stacks.get(k) or [])]
    if name in (gcp.get("node_service_accounts") or {}):
        where.append("bootstrap gcp.node_service_accounts")
    return where


def _add_to_flow_list(text: str, key: str, name: str) -> str:
    """`    key: [a, b]` -> `    key: [a, b, name]` in the bootstrap file, comments and layout kept."""
    pattern = re.compile(rf"^(\s+{key}: \[)([^\]]*)(\])", re.M)
    if not pattern.search(text):
        raise ScaffoldError(f"the bootstrap stack file has no `{key}: [...]` line to add '{name}' to")
    return pattern.sub(lambda m: f"{m[1]}{m[2]}{', ' if m[2].strip() else ''}{name}{m[3]}", text, count=1)


def accept_like_source(text: str, source_name: str, name: str) -> str:
    """policies/checkov-accepted.yaml with `name` added to every entry that lists `source_name`: the copy
    fails the same Checkov checks on purpose as its source (comments and layout kept)."""
    def extend(match: re.Match) -> str:
        stacks = [s.strip() for s in match[2].split(",") if s.strip()]
        if source_name not in stacks or name in stacks:
            return match[0]
        return f"{match[1]}{', '.join([*stacks, name])}{match[3]}"
    return re.sub(r"^(\s*stacks: \[)([^\]]*)(\])", extend, text, flags=re.M)


def _add_node_accounts(text: str, name: str, project: str) -> str:
    """Add `name: project` at the end of the bootstrap's `node_service_accounts:` block."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.strip() == "node_service_accounts:":
            indent = len(line) - len(line.lstrip())
            end = index + 1
            while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
                end += 1
            while end > index + 1 and not lines[end - 1].strip():
                end -= 1
            return "".join(lines[:end] + [f"{' ' * (indent + 2)}{name}: {project}\n"] + lines[end:])
    raise ScaffoldError("the bootstrap stack file has no gcp `node_service_accounts:` block; add one by hand")


def new_stack(name: str, source: dict[str, Any], source_name: str, existing: list[str], bootstrap: dict[str, Any],
              bootstrap_text: str, *, cloud: str | None = None, environment: str | None = None,
              gcp_project: str | None = None, aws_account_id: str | None = None,
              accepted_text: str | None = None) -> NewStack:
    """The new stack's config (the `config:` mapping) and the bootstrap file's new text."""
    if not STACK_NAME.fullmatch(name) or name.startswith("sandbox"):
        raise ScaffoldError(f"'{name}': a stack name is lowercase letters, digits and hyphens, starting with a "
                            "letter (sandbox-* names belong to `mlinfra sandbox create`)")
    taken = ([f"stacks/Pulumi.{name}.yaml"] if name in existing else []) + _taken(name, bootstrap)
    if taken:
        raise ScaffoldError(f"stack '{name}' is taken: {', '.join(taken)}; choose another name")
    config = copy.deepcopy(source)
    environment = environment or config.get(_key("environment"))
    if environment not in LONG_LIVED:
        raise ScaffoldError(f"environment '{environment}': `stack new` makes dev, staging or prod stacks "
                            "(pass --environment); sandboxes are made by `mlinfra sandbox create`")
    config[_key("environment")] = environment
    config.pop(_key("sandbox"), None)
    if cloud:
        _keep_cloud(config, cloud)
    if gcp_project:
        if _key("gcp") not in config:
            raise ScaffoldError("--gcp-project: the new stack has nothing on Google Cloud")
        config[_key("gcp")]["project"] = gcp_project
    if aws_account_id:
        if not re.fullmatch(r"\d{12}", aws_account_id):
            raise ScaffoldError(f"--aws-account-id '{aws_account_id}': an AWS account id is 12 digits")
        for path, value in list(_walk(config)):
            if isinstance(value, str) and ACCOUNT_IN_ARN.search(value):
                _set_path(config, path, ACCOUNT_IN_ARN.sub(rf"\g<1>{aws_account_id}\g<3>", value))
    notes = []
    if not _deploy_runner(config, source):
        notes.append(f"no deploy runner set: the workflows run {name}'s preview and `pulumi up` on `{name}-deploy`; "
                     "add a runner set `deploy` (kind: deploy) to one of its clusters")
    groups = _rename_runner_groups(config, source_name, name)
    text = bootstrap_text
    if _gcp_identities(config, name):
        text = _add_node_accounts(text, name, config[_key("gcp")]["project"])
    text = _add_to_flow_list(text, "protected" if environment in PROTECTED else "previewed", name)
    notes += _example_notes(config, source, source_name, name)
    accepted = accept_like_source(accepted_text, source_name, name) if accepted_text is not None else None
    return NewStack(config, text, accepted, notes, groups)


def _set_path(config: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a dotted path made by `_walk` (top-level keys contain a colon, never a dot)."""
    steps = path.split(".")
    node: Any = config
    for step in steps[:-1]:
        node = node[int(step)] if isinstance(node, list) else node[step]
    if isinstance(node, list):
        node[int(steps[-1])] = value
    else:
        node[steps[-1]] = value
