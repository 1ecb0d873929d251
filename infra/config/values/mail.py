"""E-mail addresses and SMTP relays as a mail server accepts them.

Sources, read 2026-12-07:
- RFC 5321 section 4.5.3.1 (https://www.rfc-editor.org/rfc/rfc5321#section-4.5.3.1): local-part at most
  64 octets, domain at most 255 octets, and a reverse- or forward-path at most 256 octets including the
  angle brackets, so an address is at most 254 octets. Without the SMTPUTF8 extension (RFC 6531), which
  mlinfra does not assume of a relay, an address is ASCII.
- RFC 5322 section 3.4.1 (https://www.rfc-editor.org/rfc/rfc5322#section-3.4.1): the dot-atom local part,
  atext characters joined by single dots, no leading or trailing dot. Quoted local parts are not accepted
  here: SNS and Alertmanager handle them inconsistently.
- RFC 1123 section 2.1 / RFC 1035 section 2.3.4: host names are labels of letters, digits and hyphens,
  not starting or ending with a hyphen, at most 63 octets each and 253 in all.
- Ports are 1 to 65535 (RFC 6335 section 6: 0 is reserved; a port is a 16-bit number).
"""

from __future__ import annotations

import re

from infra.config.values.text import non_ascii_problem

LOCAL_MAX, DOMAIN_MAX, ADDRESS_MAX = 64, 255, 254
HOST_MAX, LABEL_MAX = 253, 63
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"{_ATEXT}(\.{_ATEXT})*")
_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def hostname_problem(host: str) -> str | None:
    """Why `host` is not an RFC 1123 host name with a dot (e.g. smtp-relay.gmail.com), or None."""
    if len(host) > HOST_MAX:
        return f"a host name has at most {HOST_MAX} characters (got {len(host)})"
    labels = host.split(".")
    if len(labels) < 2:
        return f"must be a fully qualified host name such as smtp-relay.example.com (got {host!r})"
    for label in labels:
        if not _LABEL.fullmatch(label):
            return (f"host name label {label!r} must be 1-{LABEL_MAX} letters, digits or hyphens, not starting or "
                    "ending with a hyphen (RFC 1123)")
    if labels[-1].isdigit():
        return f"the last label of a host name is not all digits (got {host!r})"
    return None


def email_problem(address: str) -> str | None:
    """Why `address` is not a deliverable plain address (RFC 5321 limits, RFC 5322 dot-atom), or None."""
    problem = non_ascii_problem(address)
    if problem:
        return problem
    if len(address) > ADDRESS_MAX:
        return f"an e-mail address has at most {ADDRESS_MAX} characters (RFC 5321) (got {len(address)})"
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return f"must be an address like alerts@example.com (got {address!r})"
    if len(local) > LOCAL_MAX:
        return f"the part before @ has at most {LOCAL_MAX} characters (RFC 5321) (got {len(local)})"
    if not _LOCAL.fullmatch(local):
        return (f"the part before @ must be letters, digits and !#$%&'*+/=?^_`{{|}}~- joined by single dots "
                f"(RFC 5322) (got {local!r})")
    problem = hostname_problem(domain)
    return f"domain: {problem}" if problem else None


def smarthost_problem(value: str) -> str | None:
    """Why `value` is not `host:port` with an RFC 1123 host and a port of 1-65535, or None."""
    problem = non_ascii_problem(value)
    if problem:
        return problem
    host, colon, port = value.rpartition(":")
    if not colon or not port.isascii() or not port.isdigit():
        return f"must be host:port, e.g. smtp-relay.gmail.com:587 (got {value!r})"
    if not 1 <= int(port) <= 65535:
        return f"the port must be 1 to 65535 (got {port})"
    return hostname_problem(host)
