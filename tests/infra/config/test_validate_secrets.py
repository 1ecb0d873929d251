"""A config error never prints a secret's value, as `pulumi` would hand it to the program: decrypted."""

from __future__ import annotations

import json
import runpy

import pytest
import yaml

from infra.config.load import ConfigError
from infra.config.secrets import credential_paths, masked, secret_values
from infra.config.stack import StackConfig
from infra.offline.engine import PROGRAM, ProgramError, run_program
from infra.offline.stackfile import encode_value
from tests.helpers import ROOT

SECRET_URL = "https://github.com/acme-secret-org/hidden-repo-7f3a"


def decrypted_config(stack: str) -> dict[str, str]:
    """A committed stack's config in wire form, as `pulumi` passes it: secure values already decrypted."""
    document = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())
    config = document["config"]
    return {key: encode_value(value)[0] for key, value in config.items()}


def test_a_config_error_on_a_secret_key_does_not_print_its_decrypted_value():
    config = decrypted_config("staging")
    clusters = json.loads(config["mlinfra:clusters"])
    # A bad URL (a path of three parts) set with `pulumi config set --secret --path ...`: the whole key is secret.
    clusters["train"]["runners"]["cpu"]["github_config_url"] = SECRET_URL + "/extra"
    config["mlinfra:clusters"] = json.dumps(clusters)
    with pytest.raises(ProgramError) as err:
        run_program(lambda: runpy.run_path(str(PROGRAM), run_name="__main__"), stack="staging", config=config,
                    secret_keys=["mlinfra:clusters"])
    assert isinstance(err.value.cause, ConfigError)
    message = str(err.value.cause)
    assert "clusters.train.runners.cpu.github_config_url: must be the https URL of a GitHub organisation" in message
    assert "(got '[secret]')" in message
    assert "acme-secret-org" not in message
    assert [r.type for r in err.value.resources if r.type != "pulumi:pulumi:Stack"] == []


def test_the_same_error_on_a_plain_key_still_shows_the_value():
    config = decrypted_config("staging")
    clusters = json.loads(config["mlinfra:clusters"])
    clusters["train"]["runners"]["cpu"]["github_config_url"] = SECRET_URL + "/extra"
    config["mlinfra:clusters"] = json.dumps(clusters)
    with pytest.raises(ProgramError) as err:
        run_program(lambda: runpy.run_path(str(PROGRAM), run_name="__main__"), stack="staging", config=config,
                    secret_keys=[])
    assert f"(got '{SECRET_URL}/extra')" in str(err.value.cause)


def test_masking_replaces_whole_values_only():
    values = {"github_app": {"app_id": "1234567", "private_key": "k"}, "name_prefix": "acme"}
    problems = [("a", "id 1234567 and 12345678 and k and key")]
    assert masked(problems, values, {"github_app"}) == [("a", "id [secret] and 12345678 and [secret] and key")]
    assert masked(problems, values, set()) == problems
    assert secret_values({"x": json.dumps({"a": ["s1", 2]})}, {"x"}) == ["s1", "2"]


def test_the_credential_fields_are_found_from_the_model():
    assert credential_paths(StackConfig) == ["observability.notify.webhook_url"]
