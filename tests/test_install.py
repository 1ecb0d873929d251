"""Installing: two commands on a fresh machine, the SDKs compiled once at install, never again on each `uv run`."""

import os
import subprocess
import sys
import tomllib

from tests.helpers import ROOT

SETUP = ROOT / "scripts" / "setup.py"


def _first_bash_block(text: str) -> str:
    return text.split("```bash\n", 1)[1].split("```", 1)[0]


def test_uv_run_does_not_recompile_site_packages_on_every_sync():
    # With compile-bytecode set in pyproject, uv compiles the whole site-packages on every sync, and
    # `uv run` syncs each time: "Bytecode compiled 8436 files", about a second per command.
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text()).get("tool", {}).get("uv", {})
    assert "compile-bytecode" not in settings


def test_the_readme_gives_two_commands_and_ci_runs_the_same_two():
    commands = [line.split("#")[0].strip() for line in _first_bash_block((ROOT / "README.md").read_text()).splitlines()]
    assert commands == ["python3 scripts/setup.py", ".venv/bin/pytest"]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert "python3 scripts/setup.py > /dev/null" in ci
    assert any(line.startswith(".venv/bin/pytest") for line in ci)
    # The getting-started page gives the same two, and the way to get uv by hand on Debian's Python.
    page = (ROOT / "docs" / "getting-started.md").read_text()
    assert _first_bash_block(page).splitlines()[1:3] == [
        "python3 scripts/setup.py   # gets uv if missing, installs the locked dependencies, prints the dev plan",
        ".venv/bin/pytest           # the tests"]
    assert "python3 -m venv ~/.local/uv && ~/.local/uv/bin/pip install uv" in page


def test_setup_installs_the_lock_compiled_then_plans_dev(tmp_path):
    sys.path.insert(0, str(SETUP.parent))
    try:
        import setup as setup_script
    finally:
        sys.path.remove(str(SETUP.parent))
    uv = tmp_path / "uv"
    assert setup_script.project_steps(uv) == [[str(uv), "sync", "--frozen", "--compile-bytecode"],
                                              [str(uv), "run", "--frozen", "mlinfra", "plan", "dev"]]
    pinned = setup_script.pinned_versions()["uv"]
    steps = setup_script.install_steps(pinned, tmp_path / "tools", "/usr/bin/python3")
    # uv goes into a virtualenv of its own, at the pinned version: never the system Python's site-packages.
    assert steps == [["/usr/bin/python3", "-m", "venv", str(tmp_path / "tools")],
                     [str(tmp_path / "tools" / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                      f"uv=={pinned}"]]
    # uv on PATH wins; without it, the private one once it exists.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    assert setup_script.find_uv(str(bin_dir), tmp_path / "tools") is None
    private = setup_script.private_uv(tmp_path / "tools")
    private.parent.mkdir(parents=True)
    private.write_text("#!/bin/sh\n")
    private.chmod(0o755)
    assert setup_script.find_uv(str(bin_dir), tmp_path / "tools") == private
    (bin_dir / "uv").write_text("#!/bin/sh\n")
    (bin_dir / "uv").chmod(0o755)
    assert setup_script.find_uv(str(bin_dir), tmp_path / "tools") == bin_dir / "uv"


def test_setup_without_uv_on_path_says_it_will_install_it_and_what_it_runs(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path), "MLINFRA_SETUP_TOOLS": str(tmp_path / "tools")}
    result = subprocess.run([sys.executable, str(SETUP), "--dry-run"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    pinned = dict(line.split() for line in (ROOT / ".tool-versions").read_text().splitlines() if line.strip())["uv"]
    lines = result.stderr.splitlines()
    tools = tmp_path / "tools"
    assert lines[0] == f"setup: uv not found on PATH: installing uv {pinned} into {tools} (its own virtualenv)"
    python = os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(str(ROOT)) else sys.executable
    assert lines[1] == f"setup: $ {python} -m venv {tmp_path / 'tools'}"
    assert lines[3] == f"setup: $ {tmp_path / 'tools' / 'bin' / 'uv'} sync --frozen --compile-bytecode"
    assert lines[4] == f"setup: $ {tmp_path / 'tools' / 'bin' / 'uv'} run --frozen mlinfra plan dev"
    assert result.stdout == ""
