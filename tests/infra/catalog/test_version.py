"""One version string: the package metadata's, which pyproject.toml and PulumiPolicy.yaml both state."""

import tomllib

import yaml

from infra.catalog.version import mlinfra_version
from tests.helpers import ROOT, mlinfra


def test_the_version_is_the_installed_packages_and_every_file_states_the_same():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert mlinfra_version() == declared
    # The Pulumi CLI shows the pack's version from PulumiPolicy.yaml: bump both together.
    assert str(yaml.safe_load((ROOT / "policies" / "PulumiPolicy.yaml").read_text())["version"]) == declared


def test_mlinfra_version_prints_it_and_exits_0():
    result = mlinfra("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"mlinfra {mlinfra_version()}\n"
