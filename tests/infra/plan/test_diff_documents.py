"""Documents given to `mlinfra diff`: regular files only, bounded depth, the plan schema, exit 2 naming the path."""

import json
import os

import pytest

from infra.config.input_files import InputFileError, read_regular_file
from infra.offline.document import build_document
from infra.plan.diff_documents import MAX_DEPTH, DocumentShapeError, parse_json, path_text, shape_problem
from infra.plan.diff_inputs import DiffInputError, read_path
from tests.helpers import stack_run


@pytest.fixture(scope="module")
def document():
    return build_document(stack_run("dev"))


def test_a_real_plan_passes(document):
    assert shape_problem(json.loads(json.dumps(document))) is None


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["resources"][3].update(inputs=None), "resources[3].inputs: None is not of type 'object'"),
    (lambda d: d["resources"].append(5), "resources[{n}]: 5 is not of type 'object'"),
    (lambda d: d.update(project=3), "project: 3 is not of type 'string'"),
    (lambda d: d.update(cost={"totals": 5}), "cost.totals: 5 is not of type 'object'"),
    (lambda d: d["resources"][0].pop("urn"), "resources[0]: 'urn' is a required property"),
    (lambda d: d["resources"][0].update(protect="yes"), "resources[0].protect: 'yes' is not of type 'boolean'"),
])
def test_the_first_wrong_path_is_named(document, mutate, expected):
    broken = json.loads(json.dumps(document))
    count = len(broken["resources"])
    mutate(broken)
    assert shape_problem(broken) == expected.format(n=count)


def test_fields_the_diff_does_not_read_may_be_missing(document):
    older = {k: v for k, v in document.items() if k not in ("counts", "outputs", "policy", "environment")}
    assert shape_problem(json.loads(json.dumps(older))) is None


def test_deep_nesting_is_refused_without_recursion():
    with pytest.raises(DocumentShapeError, match=f"nested deeper than {MAX_DEPTH} levels"):
        parse_json(b"[" * 100_000 + b"]" * 100_000)
    deep = {"a": 1}
    for _ in range(MAX_DEPTH + 5):
        deep = {"n": deep}
    with pytest.raises(DocumentShapeError, match=r"nested deeper than 64 levels \(at n\.n\.n"):
        parse_json(json.dumps(deep).encode())


def test_path_text():
    assert path_text(["resources", 3, "inputs", "tags"]) == "resources[3].inputs.tags"
    assert path_text([]) == "(top level)"


def test_a_fifo_is_refused_at_once_not_read(tmp_path):
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)  # nobody writes to it: open() without O_NONBLOCK would wait forever
    with pytest.raises(InputFileError, match="it is a FIFO; give a plan document"):
        read_regular_file(fifo, 1000, "plan document")
    with pytest.raises(DiffInputError, match=f"BASE: cannot read {fifo}: it is a FIFO"):
        read_path(fifo, "BASE")


def test_devices_and_oversized_files_are_refused(tmp_path):
    with pytest.raises(InputFileError, match="it is a character device"):
        read_regular_file(os.devnull, 1000)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 2001)
    with pytest.raises(InputFileError, match="larger than 2000 bytes"):
        read_regular_file(big, 2000)
    assert read_regular_file(big, 2001) == b" " * 2001


def test_index_entries_of_the_wrong_shape_are_named(tmp_path, document):
    (tmp_path / "index.json").write_text(json.dumps({"stacks": [{"project": "mlinfra", "stack": "dev",
                                                                  "file": "../../etc/passwd"}]}))
    with pytest.raises(DiffInputError, match=r"stacks\[0\]\.file: must be the name of a file in"):
        read_path(tmp_path, "HEAD")
    (tmp_path / "index.json").write_text(json.dumps({"stacks": [7]}))
    with pytest.raises(DiffInputError, match=r"stacks\[0\]: must be an object"):
        read_path(tmp_path, "HEAD")
