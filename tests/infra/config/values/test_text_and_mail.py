"""Printable-ASCII identifiers and RFC 5321/5322 mail values, as pure functions."""

import pytest

from infra.config.values.mail import email_problem, hostname_problem, smarthost_problem
from infra.config.values.text import non_ascii_problem


@pytest.mark.parametrize("text, expected", [
    ("ml\u200bplatform", "character 3 is U+200B (ZERO WIDTH SPACE), an invisible formatting character"),
    ("\u0430cme",
     "character 1 is U+0430 (CYRILLIC SMALL LETTER A), a non-ASCII letter that may look like an ASCII one"),
    ("team\U0001f680", "character 5 is U+1F680 (ROCKET), a symbol or emoji"),
    ("a\n", "character 2 is U+000A (a control character), a control or line-break character"),
])
def test_non_ascii_names_the_character(text, expected):
    assert non_ascii_problem(text) == (f"{expected}; only printable ASCII is accepted here, so a name cannot look "
                                       "like another or hide characters")


def test_printable_ascii_passes():
    assert non_ascii_problem("Acme ML / cc-1234 + x=y @ z:_.~") is None


@pytest.mark.parametrize("address", ["alerts@example.com", "a.b+c@sub.example.co.uk", "x" * 64 + "@example.com"])
def test_valid_addresses(address):
    assert email_problem(address) is None


@pytest.mark.parametrize("address, expected", [
    ("x" * 65 + "@example.com", "the part before @ has at most 64 characters (RFC 5321) (got 65)"),
    ("x" * 64 + "@" + ("b" * 60 + ".") * 3 + "c" * 10 + ".com",
     "an e-mail address has at most 254 characters (RFC 5321) (got 262)"),
    ("a..b@example.com", "the part before @ must be letters, digits and !#$%&'*+/=?^_`{|}~- joined by single dots "
                         "(RFC 5322) (got 'a..b')"),
    (".a@example.com", "the part before @ must be letters, digits and !#$%&'*+/=?^_`{|}~- joined by single dots "
                       "(RFC 5322) (got '.a')"),
    ("a@-example.com", "domain: host name label '-example' must be 1-63 letters, digits or hyphens, not starting "
                       "or ending with a hyphen (RFC 1123)"),
    ("a@localhost", "domain: must be a fully qualified host name such as smtp-relay.example.com (got 'localhost')"),
    ("noat", "must be an address like alerts@example.com (got 'noat')"),
])
def test_invalid_addresses(address, expected):
    assert email_problem(address) == expected


def test_an_address_with_a_trailing_newline_is_refused():
    assert email_problem("alerts@example.com\n").startswith("character 19 is U+000A")


def test_254_characters_is_the_longest_address():
    # The 256-octet path of RFC 5321 minus its angle brackets.
    longest = "x" * 64 + "@" + ("b" * 60 + ".") * 3 + "c" * 2 + ".com"
    assert len(longest) == 254 and email_problem(longest) is None
    assert email_problem("x" + longest).startswith("an e-mail address has at most 254 characters")


@pytest.mark.parametrize("value, expected", [
    ("smtp-relay.gmail.com:587", None),
    ("smtp-relay.gmail.com:0", "the port must be 1 to 65535 (got 0)"),
    ("smtp-relay.gmail.com:65536", "the port must be 1 to 65535 (got 65536)"),
    ("smtp-relay.gmail.com", "must be host:port, e.g. smtp-relay.gmail.com:587 (got 'smtp-relay.gmail.com')"),
    ("relay:25", "must be a fully qualified host name such as smtp-relay.example.com (got 'relay')"),
    ("a_b.example.com:25", "host name label 'a_b' must be 1-63 letters, digits or hyphens, not starting or ending "
                           "with a hyphen (RFC 1123)"),
    ("10.0.0.1:25", "the last label of a host name is not all digits (got '10.0.0.1')"),
])
def test_smarthost(value, expected):
    assert smarthost_problem(value) == expected


def test_a_host_name_over_253_characters():
    assert hostname_problem(("a" * 63 + ".") * 4 + "com") == "a host name has at most 253 characters (got 259)"
