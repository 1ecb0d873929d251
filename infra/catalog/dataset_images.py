"""The image the dataset warming Job runs: a shell with `find`, `xargs` and `cat`, nothing else.

BusyBox from the Docker Official Images (docker-library/busybox, `docker.io/library/busybox`), read 2026-12-07:
- the tag: docker-library/official-images@aea914b4 (2026-07-31, the newest change to the file):library/busybox
  lists `Tags: 1.37.0, 1.37` (multi-arch, amd64 and arm64v8 among them) next to the newer `1.38.0`;
- the digest: docker-library/repo-info@01a70542:repos/busybox/remote/1.37.0.md, "docker pull
  busybox@sha256:9db7b599…" (the multi-platform OCI index, 17 manifests, layers last modified 2026-05-22).
The Job pulls `tag@digest`: the container runtime resolves the digest and ignores the tag, so a re-pushed tag
cannot change what runs; the tag stays for people reading the manifest. A rebuild of 1.37.0 upstream changes its
digest: bumping means re-reading both files above.
"""

from __future__ import annotations

from infra.catalog.charts import ImagePin

WARM_IMAGE = ImagePin("docker.io/library/busybox", "1.37.0",
                      "docker-library/official-images@aea914b4:library/busybox (tag); "
                      "docker-library/repo-info@01a70542:repos/busybox/remote/1.37.0.md (digest)", "2026-12-07")
WARM_IMAGE_DIGEST = "sha256:9db7b59979c38555a39def84a31fb98b5296952f9e3afd4f6f11f05b07adfab0"


def warm_image() -> str:
    """`repository:tag@digest` of the warming image."""
    return f"{WARM_IMAGE.repository}:{WARM_IMAGE.tag}@{WARM_IMAGE_DIGEST}"
