"""Reading one large JSON object piece by piece: its fields, and the items of one big list, one at a time.

A record file is ``{"format": ..., "version": ..., "families": [ {...}, {...}, ... ]}``; loading it whole
costs several times its size in memory. This reader keeps only a window of the text and the item being
decoded, so memory follows the largest item, not the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TextIO

CHUNK_CHARS = 1 << 20
_NUMBER_ROOM = 400  # longer than any JSON number Python writes


class StreamError(ValueError):
    """Not valid JSON (or not the expected shape) at ``offset`` characters into the text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class _Window:
    def __init__(self, handle: TextIO, max_item: int) -> None:
        self.handle = handle
        self.buf = ""
        self.pos = 0
        self.base = 0  # characters dropped before buf[0]
        self.eof = False
        self.max_item = max_item

    def more(self) -> bool:
        if self.eof:
            return False
        chunk = self.handle.read(CHUNK_CHARS)
        if not chunk:
            self.eof = True
            return False
        self.base += self.pos
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def offset(self) -> int:
        return self.base + self.pos

    def peek(self) -> str:
        """The next character that is not white space ('' at the end of the text)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def expect(self, char: str, what: str) -> None:
        if self.peek() != char:
            found = self.peek() or "the end of the file"
            raise StreamError(f"expected {what}, found {found!r}", self.offset())
        self.pos += 1

    def value(self, decoder: json.JSONDecoder) -> Any:
        """One JSON value, reading more text until it is complete (and followed by something)."""
        self.peek()
        while True:
            try:
                value, end = decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.pos > self.max_item:
                    raise StreamError("one item is too large", self.offset()) from None
                if self.more():
                    continue
                raise StreamError(exc.msg, self.base + exc.pos) from None
            # A number cut at the window's edge ("1.5" of "1.5e+16") decodes short: with the end of the
            # value near the edge, read on and decode again.
            if len(self.buf) - end < _NUMBER_ROOM and self.more():
                continue
            self.pos = end
            return value


def stream_object(
    handle: TextIO,
    list_field: str,
    *,
    object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
    parse_constant: Callable[[str], Any] | None = None,
    max_item: int = 64 * 1024 * 1024,
) -> Iterator[tuple[str, Any]]:
    """Yield, in the order written: ``("field", (name, value))`` for each top-level field, except that
    when ``list_field`` holds a list, ``("list", name)`` comes first and then ``("item", value)`` for each
    of its items (a ``list_field`` holding anything else is an ordinary field).

    Raises ``StreamError`` for anything that is not such an object, and ``RecursionError`` for nesting
    too deep to decode (as ``json.loads`` does).
    """
    decoder = json.JSONDecoder(object_pairs_hook=object_pairs_hook, parse_constant=parse_constant)
    window = _Window(handle, max_item)
    window.expect("{", "the file to start with '{'")
    if window.peek() == "}":
        window.pos += 1
    else:
        while True:
            if window.peek() != '"':
                raise StreamError("expected a field name in quotes", window.offset())
            name = window.value(decoder)
            window.expect(":", "':' after a field name")
            if name == list_field and window.peek() == "[":
                window.pos += 1
                yield "list", name
                if window.peek() == "]":
                    window.pos += 1
                else:
                    while True:
                        yield "item", window.value(decoder)
                        if window.peek() == ",":
                            window.pos += 1
                            continue
                        window.expect("]", "',' or ']' in the list")
                        break
            else:
                yield "field", (name, window.value(decoder))
            if window.peek() == ",":
                window.pos += 1
                continue
            window.expect("}", "',' or '}'")
            break
    if window.peek() != "":
        raise StreamError("extra text after the end of the file's object", window.offset())
