"""`mlinfra sandbox` options that cannot be read are usage errors (exit 2) naming the option, before anything runs."""

import pytest
from click.testing import CliRunner

from infra.cli import sandbox as cli_sandbox
from infra.cli.main import main


@pytest.fixture
def nothing_runs(monkeypatch):
    def refuse():
        raise AssertionError("a sandbox operation ran although an option was malformed")

    monkeypatch.setattr(cli_sandbox, "_sandboxes", refuse)


TTL_FORM = "must be a positive number of minutes, hours or days of at most 365d, e.g. 90m, 8h, 2d"


@pytest.mark.parametrize("args, option, message", [
    # timedelta overflowed on the first two; int('²') crashed on the last (issue #18).
    (("create", "alice", "--ttl", "1000000000d"), "--ttl", f"--ttl '1000000000d' {TTL_FORM}"),
    (("create", "alice", "--ttl", "99999999999999999999h"), "--ttl", f"--ttl '99999999999999999999h' {TTL_FORM}"),
    (("extend", "sandbox-alice-box", "--ttl", "1000000000d"), "--ttl", f"--ttl '1000000000d' {TTL_FORM}"),
    (("create", "alice", "--gpu", "nvidia-l4:²"), "--gpu",
     "--gpu 'nvidia-l4:²': the count after ':' must be a positive whole number (digits 0-9, at most 9999)"),
])
def test_malformed_ttl_and_gpu_are_exit_2_naming_the_option(nothing_runs, args, option, message):
    result = CliRunner().invoke(main, ["sandbox", *args])
    assert result.exit_code == 2
    assert " ".join(result.output.split()).endswith(f"Error: Invalid value for '{option}': {message}")
