"""Control characters: refused in what people type or import, and made visible in what is printed.

A name holding ``ESC [8m`` hides the text after it on a terminal; ``ESC ] 0;... BEL`` retitles the
window; NUL cuts strings short in other tools. Typed text may hold tab and newline (notes only); any
other control character (C0, DEL, C1) or a bidirectional override is refused with the field named.
Everything the command line prints passes through ``for_terminal``, which shows any such character
as a visible escape (``\\x1b``), so text stored before this rule, or arriving some other way, cannot
drive the terminal either.
"""

from __future__ import annotations

import re

#: Bidirectional embedding, override and isolate controls: they reorder what a reader sees.
_BIDI = "\u202a-\u202e\u2066-\u2069"
#: C0 controls except tab and newline, DEL, C1 controls, line/paragraph separators, bidi controls.
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
_UNSAFE_WITH_LINES = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
_CRLF = re.compile("\r\n?")


def control_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character that may not be stored in such a field, shown visibly, or None."""
    if not text:
        return None
    found = (_UNSAFE if multiline else _UNSAFE_WITH_LINES).search(text)
    if found is None:
        return None
    return _visible(found.group(0))


def _visible(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def describe(char: str) -> str:
    """Words for a refused character (already shown visibly by ``control_character``)."""
    names = {"\\x00": "NUL", "\\x07": "BEL", "\\x1b": "ESC", "\\x0d": "carriage return", "\\x0a": "new line"}
    return f"a control character ({names.get(char, char)})"


def normalise_newlines(text: str) -> str:
    """Windows and old Mac line ends as plain newlines (before checking a note)."""
    return _CRLF.sub("\n", text)


def neutralise(text: str, *, multiline: bool = False) -> str:
    """``text`` with every unsafe control character removed (tab and newline kept when ``multiline``)."""
    if multiline:
        text = normalise_newlines(text)
    return (_UNSAFE if multiline else _UNSAFE_WITH_LINES).sub("", text)


def for_terminal(text: object) -> str:
    """What may be written to a terminal: tab and newline as they are, anything else unsafe escaped."""
    value = str(text)
    if _UNSAFE.search(value) is None:
        return value
    return _UNSAFE.sub(lambda m: _visible(m.group(0)), value)


#: What a spreadsheet reads as the start of a formula (tab and carriage return too, per OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def for_spreadsheet(value: object) -> object:
    """A CSV cell that a spreadsheet cannot run: text starting ``= + - @`` (or tab, carriage return,
    or their full-width forms) gets a leading apostrophe; numbers and everything else are unchanged."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START) or _NUMBER.fullmatch(value):
        return value
    return "'" + value
