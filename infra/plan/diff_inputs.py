"""The two sides of `mlinfra diff`: a plan document file, a directory of them, or a git revision.

A directory is what `mlinfra plan --all --format json --out-dir DIR` writes: one document per
stack (`<project>.<stack>.json`) and `index.json` listing every stack with its exit code and
error. A directory without an index is read as every plan document in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.config.input_files import InputFileError, read_regular_file
from infra.plan.diff_documents import MAX_BYTES, DocumentShapeError, parse_json, shape_problem

INDEX = "index.json"


class DiffInputError(ValueError):
    """An argument of `mlinfra diff` that cannot be read; the message names it and says why."""


@dataclass
class Side:
    """The plan documents of one side, keyed by (project, stack), and stacks that failed to plan."""

    label: str
    documents: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    errors: dict[tuple[str, str], str] = field(default_factory=dict)


def _is_plan(data: Any) -> bool:
    return isinstance(data, dict) and data.get("planVersion") == 1 and isinstance(data.get("resources"), list) \
        and isinstance(data.get("project"), str) and isinstance(data.get("stack"), str)


def _read_json(path: Path, argument: str) -> Any:
    """A regular file's JSON (never a FIFO, a device or a file past MAX_BYTES), nested at most MAX_DEPTH."""
    try:
        data = read_regular_file(path, MAX_BYTES, "plan document")
    except InputFileError as exc:
        raise DiffInputError(f"{argument}: {exc}") from None
    try:
        return parse_json(data)
    except DocumentShapeError as exc:
        raise DiffInputError(f"{argument}: {path} is {exc}; expected a plan document from "
                             f"`mlinfra plan STACK --format json`") from None


def read_document(path: Path, argument: str) -> dict[str, Any]:
    """One plan document, checked against the plan schema (infra/plan/diff_documents.py)."""
    data = _read_json(path, argument)
    if not _is_plan(data):
        version = data.get("planVersion") if isinstance(data, dict) else None
        hint = f" (planVersion {version!r}; this mlinfra reads version 1)" if version not in (None, 1) else ""
        if not hint and isinstance(data, dict) and data.get("planVersion") == 1:
            hint = f": {shape_problem(data) or 'project, stack or resources missing'}"
        raise DiffInputError(f"{argument}: {path} is not a plan document{hint}; expected the output of "
                             f"`mlinfra plan STACK --format json`")
    problem = shape_problem(data)
    if problem is not None:
        raise DiffInputError(f"{argument}: {path} is not a plan document: {problem}; expected the output of "
                             f"`mlinfra plan STACK --format json`")
    return data


def _index_entries(index: Any, index_path: Path, argument: str) -> list[dict[str, Any]]:
    """The `stacks` entries of an index, each an object whose file (if any) is a name inside the folder."""
    entries = index.get("stacks") if isinstance(index, dict) else None
    if not isinstance(entries, list):
        raise DiffInputError(f"{argument}: {index_path} has no `stacks` list; expected the index "
                             f"`mlinfra plan --all --out-dir` writes")
    for number, entry in enumerate(entries):
        where = f"{argument}: {index_path}: stacks[{number}]"
        if not isinstance(entry, dict):
            raise DiffInputError(f"{where}: must be an object with project, stack, file, exitCode, error")
        for key in ("project", "stack"):
            if not isinstance(entry.get(key), str) or not entry[key]:
                raise DiffInputError(f"{where}.{key}: must be a non-empty string (got {entry.get(key)!r})")
        file = entry.get("file")
        if file is not None and (not isinstance(file, str) or not file or "/" in file or "\\" in file
                                 or file in (".", "..")):
            raise DiffInputError(f"{where}.file: must be the name of a file in {index_path.parent} or null "
                                 f"(got {file!r})")
    return entries


def read_directory(directory: Path, argument: str, label: str) -> Side:
    """Every stack of a plan directory, with the errors its index records."""
    side = Side(label)
    index_path = directory / INDEX
    if index_path.is_file():
        entries = _index_entries(_read_json(index_path, argument), index_path, argument)
        for entry in entries:
            key = (entry["project"], entry["stack"])
            file = entry.get("file")
            if not file or not (directory / file).is_file():
                side.errors[key] = f"{label}: {entry.get('error') or 'no plan document'} " \
                                   f"(exit code {entry.get('exitCode')})"
                continue
            document = read_document(directory / file, argument)
            side.documents[(document["project"], document["stack"])] = document
        return side
    for path in sorted(directory.glob("*.json")):
        data = _read_json(path, argument)
        if _is_plan(data):
            data = read_document(path, argument)  # a plan document of the wrong shape is an error, not skipped
            side.documents[(data["project"], data["stack"])] = data
    if not side.documents:
        raise DiffInputError(f"{argument}: {directory} holds no plan documents (*.json from "
                             f"`mlinfra plan --format json`) and no {INDEX}")
    return side


def read_path(path: Path, argument: str) -> Side:
    """A side given as a file or directory."""
    try:
        is_dir = path.is_dir()
    except (OSError, ValueError) as exc:
        raise DiffInputError(f"{argument}: cannot read {str(path)[:200]!r}: {exc}") from None
    if is_dir:
        return read_directory(path, argument, str(path))
    if path.name == INDEX:
        return read_directory(path.parent, argument, str(path.parent))
    document = read_document(path, argument)
    side = Side(str(path))
    side.documents[(document["project"], document["stack"])] = document
    return side
