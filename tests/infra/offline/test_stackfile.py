import json

import pytest

from infra.offline.stackfile import (
    SECRET_PLACEHOLDER,
    StackFileError,
    UnknownStackError,
    available_stacks,
    load_stack_file,
)


def write(tmp_path, name, text):
    (tmp_path / f"Pulumi.{name}.yaml").write_text(text)


def test_values_take_pulumis_wire_form_and_secure_values_become_secret(tmp_path):
    write(tmp_path, "dev", """
config:
  aws:region: us-east-1
  mlinfra:replicas: 3
  mlinfra:enabled: true
  mlinfra:token:
    secure: v1:AAAABBBB
  mlinfra:app:
    id: "123"
    key:
      secure: v1:CCCC
""")
    stack = load_stack_file(tmp_path, "dev")
    assert stack.config["aws:region"] == "us-east-1"
    assert stack.config["mlinfra:replicas"] == "3"
    assert stack.config["mlinfra:enabled"] == "true"
    assert stack.config["mlinfra:token"] == SECRET_PLACEHOLDER
    assert json.loads(stack.config["mlinfra:app"]) == {"id": "123", "key": SECRET_PLACEHOLDER}
    assert sorted(stack.secret_keys) == ["mlinfra:app", "mlinfra:token"]
    assert "v1:" not in json.dumps(stack.config)


def test_unknown_stack_lists_the_stacks_that_exist(tmp_path):
    write(tmp_path, "dev", "config: {}\n")
    write(tmp_path, "prod", "config: {}\n")
    assert available_stacks(tmp_path) == ["dev", "prod"]
    with pytest.raises(UnknownStackError) as err:
        load_stack_file(tmp_path, "qa")
    assert str(err.value) == f"unknown stack 'qa': no {tmp_path}/Pulumi.qa.yaml. Stacks that exist: dev, prod"


def test_invalid_yaml_and_keys_without_namespace_are_errors(tmp_path):
    write(tmp_path, "bad", "config: [unclosed\n")
    with pytest.raises(StackFileError, match="not valid YAML"):
        load_stack_file(tmp_path, "bad")
    write(tmp_path, "nons", "config:\n  environment: dev\n")
    with pytest.raises(StackFileError, match="config key 'environment' needs a namespace, e.g. mlinfra:environment"):
        load_stack_file(tmp_path, "nons")


def test_invalid_yaml_message_shows_the_offending_line_whichever_loader_parses(tmp_path):
    write(tmp_path, "bad", "config: [unclosed\n")
    with pytest.raises(StackFileError) as err:
        load_stack_file(tmp_path, "bad")
    assert str(err.value) == (
        f"{tmp_path}/Pulumi.bad.yaml: not valid YAML: while parsing a flow sequence\n"
        '  in "<unicode string>", line 1, column 9:\n    config: [unclosed\n            ^\n'
        "expected ',' or ']', but got '<stream end>'\n"
        '  in "<unicode string>", line 2, column 1:\n    \n    ^'
    )
