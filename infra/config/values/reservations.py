"""Names of reserved capacity a GPU pool consumes but does not create.

Sources, read 2026-12-07:
- Compute Engine reservation names: "1-63 characters long, and comply with RFC1035. Specifically, the name must
  be 1-63 characters long and match the regular expression `[a-z]([-a-z0-9]*[a-z0-9])?`" (the pinned
  pulumi-gcp 10.2.0, pulumi_gcp/compute/reservation.py, `name`).
- A node pool's reservation affinity value "can be either a name to a reservation in the same project or
  "projects/different-project/reservations/some-reservation-name" to target a shared reservation in the same
  zone but in a different project" (ReservationAffinity.values, https://doc.deno.land/https://googleapis.deno.dev/
  v1/notebooks:v2.ts/~/ReservationAffinity; GKE's NodeConfig takes the same key and values).
- EC2 capacity reservation and capacity block ids (`cr-` and 8-17 hex digits) are shapes of the config model
  (infra/config/aws.py ReservationId).
"""

from __future__ import annotations

import re

from infra.config.values.gateway_refs import RFC1035_NAME

SHARED_RESERVATION = re.compile(r"projects/(?P<project>[a-z][a-z0-9-]{4,28}[a-z0-9])/reservations/(?P<name>[^/]+)")


def gcp_reservation_problem(value: str) -> str | None:
    """Why `value` cannot name a Compute Engine reservation a GKE pool consumes, or None."""
    shared = SHARED_RESERVATION.fullmatch(value)
    name = shared["name"] if shared else value
    if shared is None and "/" in value:
        return (f"must be a reservation's name, or projects/PROJECT/reservations/NAME for one shared from another "
                f"project (got {value!r})")
    if not RFC1035_NAME.fullmatch(name):
        return (f"a Compute Engine reservation name is 1-63 lowercase letters, digits or dashes, starting with a "
                f"letter and not ending with a dash (got {name!r})")
    return None
