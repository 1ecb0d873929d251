"""The `mlinfra` command and every human view of a plan."""
