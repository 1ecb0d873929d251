"""The image the dataset warming Job runs: a shell with `find`, `xargs` and `cat`, nothing else.

BusyBox from the Docker Official Images (docker-library/busybox, `docker.io/library/busybox`). The tag is
NOT verified against the registry: it is unreachable from the machine this was written on (2026-12-07), and
the stored copy of docker-library/official-images `library/busybox` is too old to list it. Confirm it
(`crane ls docker.io/library/busybox`) before the first `pulumi up`, as for every bump of a pin.
"""

from __future__ import annotations

from infra.catalog.charts import ImagePin

WARM_IMAGE = ImagePin("docker.io/library/busybox", "1.37.0",
                      "docker-library/busybox (Docker Official Image); tag not verified offline", "2026-12-07")


def warm_image() -> str:
    """`repository:tag` of the warming image."""
    return f"{WARM_IMAGE.repository}:{WARM_IMAGE.tag}"
