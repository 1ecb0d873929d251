"""`mlinfra names check` reads every stack file first: a broken one is exit 2 naming it, before any plan."""

from click.testing import CliRunner

from infra.cli.main import main


def test_a_stack_file_with_a_stray_byte_is_exit_2_naming_file_line_and_offset(tmp_path):
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_bytes(b"# caf\xe9\nconfig: {}\n")
    result = CliRunner().invoke(main, ["names", "check", "--stacks-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output == f"{path}: line 1: byte 0xe9 at byte offset 5 is not UTF-8; save the file as UTF-8\n"
