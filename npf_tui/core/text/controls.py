"""Characters a document must never send to a terminal: controls made visible, one definition for all of npf.

A downloaded page can hold `ESC ] 52 ; c ; <base64> BEL` (OSC 52: sets the clipboard, so the next paste runs what
the page chose), `ESC ] 0 ; … BEL` (the window title), `ESC [ 2 J` (clears the screen), the 8-bit C1 CSI `\\x9b`,
or U+202E (right-to-left override: text that reads differently from what it is). These are neutralised when a file
is imported, again when a document is loaded (so a file already in a corpus cannot do it either), and again at every
output: the command line's text and JSON, the reader, the quotes file and the clipboard.

Neutralised means made visible, not silently dropped: a C0 control becomes its Control Picture (ESC → ␛, BEL → ␇),
DEL becomes ␡, a C1 control or a bidirectional formatting character becomes `<U+009B>` / `<U+202E>`. The length
changes only for C1 and bidi characters, which real policy text never contains. Tab and newline stay.
"""

from __future__ import annotations

import re

#: C0 controls except tab (\\t) and newline (\\n), DEL, and the C1 controls U+0080-U+009F. Carriage return is a
#: control too here: in a terminal it moves the cursor back over what was printed.
CONTROL_CLASS = "\x00-\x08\x0b-\x1f\x7f-\x9f"
#: Bidirectional formatting characters: embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069) and
#: the Arabic letter mark (U+061C). The marks LRM/RLM (U+200E/F) only nudge neutral characters and stay.
BIDI_CLASS = "\u202a-\u202e\u2066-\u2069\u061c"
UNSAFE_RE = re.compile(f"[{CONTROL_CLASS}{BIDI_CLASS}]")


def _visible(match: re.Match[str]) -> str:
    """The visible stand-in for one unsafe character."""
    ch = match.group()
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: U+241B ␛ for ESC, U+2407 ␇ for BEL
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def make_safe(text: str) -> str:
    """`text` with every control (but tab and newline) and bidi formatting character made visible.

    The common case, text with none of them, is one regex search and returns `text` itself.
    """
    if UNSAFE_RE.search(text) is None:
        return text
    return UNSAFE_RE.sub(_visible, text)


def is_safe(text: str) -> bool:
    """True when `text` holds nothing `make_safe` would change."""
    return UNSAFE_RE.search(text) is None
