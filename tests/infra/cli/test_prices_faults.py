"""`mlinfra prices refresh` (#29) under the faults of issue #30: the snapshot it reads and the one it writes.

It used to read --snapshot with read_text (a FIFO hung it; non-UTF-8, deeply nested or non-JSON text was exit
70) and to write with write_text (a full disk left half a snapshot). Every case here is exit 2 with one line
naming the file, or the documented stdout codes, and the file on disk is the old one or the new one whole.
The APIs point at a closed loopback port: a snapshot without rows asks them nothing, and the read faults end
the command before any request.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess

import pytest
from click.testing import CliRunner

from infra.cli import files
from infra.cli.main import main
from tests.helpers import ROOT, mlinfra

EMPTY = json.dumps({"snapshotVersion": 1, "rows": []}) + "\n"
LOOPBACK = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
            "MLINFRA_AWS_PRICING_ENDPOINT": "http://127.0.0.1:9/", "MLINFRA_GCP_BILLING_API_KEY": "test",
            "MLINFRA_GCP_BILLING_ENDPOINT": "http://127.0.0.1:9"}


def refresh(path, **env):
    return mlinfra("prices", "refresh", "--snapshot", str(path), env={**os.environ, **LOOPBACK, **env})


def one_line(result) -> str:
    return result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("name, content, expected", [
    ("latin1.json", b"\xff\xfe{}", "cannot read {path} as a price snapshot: it is not UTF-8"),
    ("deep.json", b"[" * 100_000 + b"]" * 100_000, "cannot read {path} as a price snapshot: its JSON nests too "
                                                     "deeply"),
    ("text.json", b"x\n", "cannot read {path} as a price snapshot: it is not JSON (Expecting value: line 1 column 1 "
                          "(char 0))"),
    ("shape.json", b"{}", "cannot read {path} as a price snapshot: prices.json: expected {{\"snapshotVersion\": 1, "
                          "\"rows\": [...]}}"),
])
def test_a_snapshot_that_is_not_one_is_exit_2_naming_the_file(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    result = refresh(path)
    assert result.returncode == 2, result.stderr
    assert one_line(result) == "Error: " + expected.format(path=path)
    assert path.read_bytes() == content


def test_a_fifo_snapshot_is_refused_at_once_not_waited_on(tmp_path):
    fifo = tmp_path / "prices.json"
    os.mkfifo(fifo)
    result = refresh(fifo)  # the helper's timeout (120 s) would fail this test if it hung
    assert result.returncode == 2
    assert one_line(result) == f"Error: cannot read {fifo}: it is a FIFO; give a price snapshot (a regular file)"


def test_a_device_snapshot_is_refused():
    result = refresh("/dev/zero")
    assert result.returncode == 2
    assert one_line(result) == "Error: cannot read /dev/zero: it is a character device; give a price snapshot (a " \
                               "regular file)"


def test_a_snapshot_path_with_a_nul_byte_is_a_usage_error():
    result = CliRunner().invoke(main, ["prices", "refresh", "--snapshot", "prices\0.json"], env=LOOPBACK)
    assert result.exit_code == 2
    assert "the path holds a NUL byte" in result.output


def test_a_snapshot_that_cannot_be_written_is_exit_2_and_the_old_file_stays(tmp_path, monkeypatch):
    path = tmp_path / "prices.json"
    path.write_text(EMPTY)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(files.tempfile, "mkstemp", read_only)
    result = CliRunner().invoke(main, ["prices", "refresh", "--snapshot", str(path)], env=LOOPBACK)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines()[-1] == f"cannot write {path}: read-only file system"
    assert path.read_text() == EMPTY
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prices.json"]


def test_a_snapshot_written_whole_through_the_one_writer(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text(EMPTY)
    result = refresh(path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"wrote {path}"
    assert path.read_text() == '{\n "snapshotVersion": 1,\n "rows": []\n}\n'  # prices.json's layout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prices.json"]


@pytest.mark.parametrize("redirect, code, message", [
    (">&-", 74, "cannot write standard output: it is closed (was it run with >&-?)"),
    ("> /dev/full", 74, "cannot write standard output: no space left on device"),
])
def test_standard_output_faults_end_with_the_documented_code(tmp_path, redirect, code, message):
    path = tmp_path / "prices.json"
    path.write_text(EMPTY)
    process = subprocess.run(["bash", "-c", f'exec "$@" {redirect}', "_", str(ROOT / ".venv" / "bin" / "mlinfra"),
                              "prices", "refresh", "--snapshot", str(path)],
                             capture_output=True, text=True, timeout=120, env={**os.environ, **LOOPBACK})
    assert process.returncode == code
    assert process.stderr.strip().splitlines()[-1] == message
