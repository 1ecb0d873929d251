"""Reading a policy config file: a regular file of bounded size, or PolicyConfigError naming it; never a hang."""

import os

import pytest

from infra.offline.policy_config import PolicyConfigError, load_policy_config


def test_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "policy-config.json"
    os.mkfifo(fifo)  # nobody writes to it
    with pytest.raises(PolicyConfigError, match=f"cannot read {fifo}: it is a FIFO; give a policy config file"):
        load_policy_config(fifo)


def test_deep_nesting_and_bad_encoding_are_config_errors(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(PolicyConfigError, match="nested too deeply"):
        load_policy_config(deep)
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"all": "advisory\xe9"}')
    with pytest.raises(PolicyConfigError, match="not UTF-8"):
        load_policy_config(latin)


def test_a_regular_file_is_read(tmp_path):
    config = tmp_path / "ok.json"
    config.write_text('{"all": "advisory"}')
    assert set(load_policy_config(config)) == {"all"}
