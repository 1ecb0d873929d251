"""`mlinfra --help` stays instant: it must not load the Pulumi SDKs, pydantic or rich."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# Runs the CLI as `python -m infra.cli --help` would, then lists the heavy packages it loaded.
HELP_THEN_LIST = """
import runpy, sys
try:
    runpy.run_module("infra.cli", run_name="__main__")
except SystemExit:
    pass
print(sorted({m.split(".")[0] for m in sys.modules} & {"pulumi", "pulumi_aws", "pydantic", "rich", "yaml"}))
"""


def test_help_loads_no_sdk_and_no_rendering_library():
    result = subprocess.run([sys.executable, "-c", HELP_THEN_LIST, "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"
