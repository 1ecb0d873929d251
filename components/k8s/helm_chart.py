"""HelmChart: the coordinates of a pinned chart, as the compose layer hands them to components.

Components never pick chart versions themselves: the one table of pins, with the Kubernetes
versions each supports and its sources, is infra's chart catalog, and compose passes its entries in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HelmChart:
    """A chart name (or full oci:// reference), its repository and the pinned version."""

    chart: str
    version: str
    repository: str | None = None
    """Helm repository URL; None when `chart` is a full oci:// reference."""

    def release_args(self) -> dict:
        """The `chart`, `version` and `repository_opts` arguments of a helm.v3.Release."""
        args: dict = {"chart": self.chart, "version": self.version}
        if self.repository:
            args["repository_opts"] = {"repo": self.repository}
        return args
