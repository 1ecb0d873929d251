"""`python -m infra.cli.ci`: a broken stack file is exit 2 naming it, in the workflow log, not a traceback."""

from infra.cli.ci import main


def test_a_duplicate_key_in_a_stack_file_is_exit_2_naming_it(tmp_path, capsys):
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("config:\n  mlinfra:environment: dev\n  mlinfra:environment: prod\n")
    assert main(["matrix", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"{path}: line 3: duplicate key 'config.mlinfra:environment' (first on line 2, "
                            "again on line 3); keep only one of them\n")
