"""Cross-field config rules that only concern AWS resources."""

from __future__ import annotations

from collections.abc import Iterator

from infra.config_models import StackConfig


def aws_problems(config: StackConfig) -> Iterator[tuple[str, str]]:
    """Every AWS-specific problem in the stack config, with its path."""
    yield from ()
