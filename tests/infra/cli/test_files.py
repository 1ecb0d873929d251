"""The one writer of the CLI's files: whole files or none, exit 2 in one line, devices and FIFOs never replaced."""

import errno
import os
import socket
import stat
import tempfile

import pytest
from click.testing import CliRunner

import infra.plan.make as make
from infra.cli import files
from infra.cli.files import AtomicFile, OutputError, prepare_dir, write_file
from infra.cli.main import main


def refuse_planning(*args, **kwargs):
    raise AssertionError("planned although the output cannot be written")


def message(exc_info) -> str:
    return exc_info.value.message


def test_a_file_is_written_whole_with_no_temporary_left(tmp_path):
    target = tmp_path / "plan.json"
    write_file(target, "{}\n")
    assert target.read_text() == "{}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]


def test_a_fifo_is_refused_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OutputError) as caught:
        AtomicFile(fifo)
    assert message(caught) == (f"cannot write {fifo}: it is a FIFO, not a regular file; mlinfra replaces only "
                               "regular files, give a file path")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["fifo"]


def test_a_socket_and_a_link_to_one_are_refused(tmp_path):
    path = tmp_path / "s"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    link = tmp_path / "link"
    link.symlink_to(path)
    try:
        for target in (path, link):
            with pytest.raises(OutputError) as caught:
                AtomicFile(target)
            assert "it is a socket, not a regular file" in message(caught)
        assert stat.S_ISSOCK(os.stat(path).st_mode) and link.is_symlink()
    finally:
        server.close()


def test_a_link_to_a_regular_file_replaces_the_file_and_keeps_the_link(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_file(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


@pytest.mark.parametrize("make_target, cause", [
    (lambda d: d / "missing" / "x.json", "the folder {d}/missing does not exist"),
    (lambda d: [(d / "file").write_text(""), d / "file" / "x.json"][1], "not a directory"),
    (lambda d: d, "it is a folder, not a regular file; mlinfra replaces only regular files, give a file path"),
])
def test_paths_that_cannot_be_files_are_named_with_their_cause(tmp_path, make_target, cause):
    target = make_target(tmp_path)
    with pytest.raises(OutputError) as caught:
        AtomicFile(target)
    assert message(caught) == f"cannot write {target}: {cause.format(d=tmp_path)}"


def test_a_read_only_file_system_is_exit_2_before_planning(tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    monkeypatch.setattr(make, "make_plan", refuse_planning)
    target = tmp_path / "plan.json"
    result = CliRunner().invoke(main, ["plan", "dev", "--out", str(target)])
    assert (result.exit_code, result.output) == (2, f"cannot write {target}: read-only file system\n")


def test_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "plan.json"
    target.write_text("the previous plan")
    out = AtomicFile(target)

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "write", full)
    with pytest.raises(OutputError) as caught:
        out.write("x" * 100_000)
    assert message(caught) == f"cannot write {target}: no space left on device"
    assert target.read_text() == "the previous plan"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]


def test_an_out_dir_under_a_file_or_on_a_read_only_file_system_is_named_with_a_slash(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError) as caught:
        prepare_dir(tmp_path / "file")
    assert message(caught) == f"cannot write {tmp_path}/file/: it is a file, not a folder"
    with pytest.raises(OutputError) as caught:
        prepare_dir(tmp_path / "file" / "plans")
    assert message(caught) == f"cannot write {tmp_path}/file/plans/: not a directory"

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    result = CliRunner().invoke(main, ["plan", "--all", "--out-dir", str(tmp_path / "plans")])
    assert (result.exit_code, result.output) == (2, f"cannot write {tmp_path}/plans/: read-only file system\n")


def test_cost_and_diff_out_refuse_a_fifo_before_any_work(tmp_path, monkeypatch):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    monkeypatch.setattr(make, "make_plan", refuse_planning)
    for args in (["cost", "dev", "--out", str(fifo)], ["diff", "a", "b", "--out", str(fifo)],
                 ["diff", "a", "b", "--format", "markdown", "--full-out", str(fifo)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, args
        assert result.output.startswith(f"cannot write {fifo}: it is a FIFO"), args
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
