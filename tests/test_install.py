"""Installing: the SDKs are compiled once at install, never again on each `uv run`."""

import tomllib

from tests.helpers import ROOT


def test_uv_run_does_not_recompile_site_packages_on_every_sync():
    # With compile-bytecode set in pyproject, uv compiles the whole site-packages on every sync, and
    # `uv run` syncs each time: "Bytecode compiled 8436 files", about a second per command.
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text()).get("tool", {}).get("uv", {})
    assert "compile-bytecode" not in settings


def test_the_sdks_are_compiled_once_by_the_install_command_ci_and_readme_give():
    assert "\nuv sync --frozen --compile-bytecode\n" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```bash\n", 1)[1].split("```", 1)[0]
    assert first_block.startswith("uv sync --frozen --compile-bytecode && uv run mlinfra plan dev")
    assert "uv run pytest" in first_block
    # Debian's system Python refuses `pip install uv`; the README gives a way that works there.
    assert "python3 -m venv ~/.local/uv && ~/.local/uv/bin/pip install uv" in readme
