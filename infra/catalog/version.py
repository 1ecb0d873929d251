"""The one version string of mlinfra: the installed package's, from its metadata."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version

PACKAGE = "mlinfra"


@cache
def mlinfra_version() -> str:
    """The version pyproject.toml sets, as installed (`mlinfra --version`, the policy pack's version)."""
    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        # Run from a source tree that was never installed (`uv sync` installs it): say so plainly.
        return "0+unknown"
