"""`python -m infra.cli`: the same command as the `mlinfra` console script."""

from infra.cli.entry import run

run()
