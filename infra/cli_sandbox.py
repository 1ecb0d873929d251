"""`mlinfra sandbox ...`: personal GPU stacks that expire by themselves and stay within budget."""

from __future__ import annotations

import click


@click.group()
def sandbox() -> None:
    """Create, list, extend, destroy and reap per-engineer sandbox stacks."""
