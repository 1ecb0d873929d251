"""Characters a cloud, GitHub or mail identifier must not hold: anything outside printable ASCII.

AWS's "standard set of characters available across AWS services that support tags" is A-Z, a-z, 0-9,
space and _ . : / = + @ - (https://docs.aws.amazon.com/personalize/latest/dg/personalize-managing-tags.html,
read 2026-12-07); GitHub repository names are "ASCII letters, digits, and the characters ., - and _"
(github/docs#44518, read 2026-12-07); Kubernetes label keys and values are [A-Za-z0-9-_.]. A zero-width
space, a Cyrillic "а" that looks like a Latin "a", or an emoji passes a loose `\\w` check, makes two names
that read the same differ, and is refused or rewritten by the receiving API. So identifiers are ASCII here.
"""

from __future__ import annotations

import unicodedata


def non_ascii_problem(text: str) -> str | None:
    """Why `text` is not printable ASCII (naming the first offending character), or None."""
    for index, char in enumerate(text):
        if " " <= char <= "~":
            continue
        name = unicodedata.name(char, "a control character" if unicodedata.category(char) == "Cc" else "unnamed")
        kind = _kind(char)
        return (f"character {index + 1} is U+{ord(char):04X} ({name}){kind}; only printable ASCII is accepted "
                "here, so a name cannot look like another or hide characters")
    return None


def _kind(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Cf":
        return ", an invisible formatting character"
    if category in ("Cc", "Zl", "Zp"):
        return ", a control or line-break character"
    if category in ("So", "Sk"):
        return ", a symbol or emoji"
    if category.startswith("L"):
        return ", a non-ASCII letter that may look like an ASCII one"
    return ""
