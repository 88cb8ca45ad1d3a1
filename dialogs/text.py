"""What a runner typed, made plain before anything parses or stores it.

Telegram passes on whatever a client sends: compatibility forms (full-width digits, ligatures,
non-breaking spaces), invisible characters (zero-width spaces and joiners, bidi marks), control
characters (a NUL, which PostgreSQL cannot store in a text column) and terminal colour codes
pasted from a console. Unnormalised, `1\u200b2 reps` reads as sets of 1 and 2, and
`12 \x1b[31mreps` gains a set of 31. `clean` applies Unicode NFKC, removes terminal escape
sequences whole, and drops every control, format (zero-width, bidi) and surrogate character;
line breaks stay, as newlines, and tabs become spaces.
"""

from __future__ import annotations

import re
import unicodedata

# ECMA-48 escape sequences: CSI (ESC [ or 0x9B … final byte), OSC/DCS/PM/APC strings (up to BEL
# or ESC \), and the two-character escapes.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[ -/]*[0-~]",
    re.DOTALL,
)
_LINE_BREAKS = str.maketrans({"\r": "\n", "\u2028": "\n", "\u2029": "\n", "\t": " ", "\v": "\n", "\f": "\n"})
_DROPPED = frozenset({"Cc", "Cf", "Cs"})


def clean(text: str) -> str:
    """`text` in NFKC without escape sequences or invisible and control characters."""
    if text.isascii() and text.isprintable():  # the common case, unchanged by all of the below
        return text
    text = _ESCAPES.sub("", text.replace("\r\n", "\n"))
    text = unicodedata.normalize("NFKC", text).translate(_LINE_BREAKS)
    return "".join(c for c in text if c == "\n" or unicodedata.category(c) not in _DROPPED)


def one_line(text: str, longest: int) -> str:
    """`clean`, on one line with single spaces (a name), at most `longest` characters: Telegram
    bounds names, but a forged update need not, and a reply quoting one must stay sendable."""
    return " ".join(clean(text).split())[:longest].rstrip()
