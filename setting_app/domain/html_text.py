"""Plain text from the HTML that published service directories put in their descriptions.

Council directories store descriptions as web-page fragments (``<h4>What we offer</h4><p>…&nbsp;…``).
The casebook keeps plain text: paragraphs, headings and list items become lines, entities are decoded,
and anything that is not text (scripts, styles, comments, images, forms) is dropped, never run or kept.
Only the standard library's tolerant ``html.parser`` is used; it never fetches anything.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Elements that start a new line (a paragraph break for the first group, a single line for the rest).
_PARAGRAPH = frozenset(
    [
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "blockquote",
        "section",
        "article",
        "header",
        "footer",
        "address",
        "pre",
        "figure",
        "hr",
        "main",
        "aside",
        "nav",
    ]
)
_LINE = frozenset(["br", "li", "dt", "dd", "tr", "ul", "ol", "dl"])
#: Elements whose content is not text for a reader.
_DROP = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "head",
        "title",
        "select",
        "textarea",
        "button",
        "form",
        "canvas",
        "audio",
        "video",
    ]
)
_VOID = frozenset(
    [
        "br",
        "hr",
        "img",
        "input",
        "meta",
        "link",
        "area",
        "base",
        "col",
        "embed",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
#: A description looks like HTML when it has a tag or an entity in it.
_LOOKS_HTML = re.compile(r"</?[a-zA-Z!?]|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]{2,8});")
#: Markup proper (not just an entity): only then are the source's own line breaks mere spaces.
_HAS_TAG = re.compile(r"</?[a-zA-Z!?]")
#: Characters that are never text: C0/C1 controls other than tab and newline, bidi overrides,
#: zero-width characters, and the Unicode replacement character's lookalikes.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_PARA_MARK, _LINE_MARK = "\x00P", "\x00L"
#: A run of breaks (and the spaces between them) is one break: a paragraph if any of them is one. It
#: starts at a break, never at a space: a pattern starting with spaces rescans every long run of them
#: (``&nbsp;`` × 33,000 took 15 s). The spaces around the run are stripped by :func:`tidy`.
_BREAKS = re.compile(r"\x00[PL](?:[^\S\n]*\x00[PL])*")
#: Script and style blocks are removed before parsing too, whatever the parser makes of what surrounds
#: them (``<?<script>…`` hides the opening tag from ``html.parser``); an unclosed one runs to the end.
_CODE_BLOCK = re.compile(r"<\s*(script|style)\b.*?(<\s*/\s*\1\s*>|\Z)", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(-->|\Z)", re.DOTALL)
#: CDATA in an HTML fragment (copied from XML) holds text: it is unwrapped and read as the rest is.
_CDATA = re.compile(r"<!\[CDATA\[(.*?)(\]\]>|\Z)", re.DOTALL)
#: A '<' with no '>' before the next '<' cannot open markup; it is escaped before parsing, because
#: ``html.parser`` before Python 3.12.11 rescans the rest of the text for every such '<' (quadratic:
#: 120 KB of ``<a `` took minutes). Each lookahead stops at the next '<', so this is linear.
_UNCLOSED = re.compile(r"<(?![^<>]*>)")
#: Something still shaped like an HTML tag in converted text (as in HTML, no space after the '<').
_TAG_LIKE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")
#: Deep nesting is capped so a hostile fragment cannot make the converter's stack grow without bound.
MAX_DEPTH = 200


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropping: list[str] = []

    def _break(self, paragraph: bool) -> None:
        self.parts.append(_PARA_MARK if paragraph else _LINE_MARK)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.dropping:
            if tag == self.dropping[-1] and tag not in _VOID and len(self.dropping) < MAX_DEPTH:
                self.dropping.append(tag)
            return
        if tag in _DROP:
            if tag not in _VOID:
                self.dropping.append(tag)
            return
        if tag in _PARAGRAPH:
            self._break(True)
        elif tag in _LINE:
            self._break(False)
        if tag == "li":
            self.parts.append("• ")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.dropping and tag in ("br", "hr"):
            self._break(tag == "hr")

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.pop()
            return
        if tag in _PARAGRAPH:
            self._break(True)
        elif tag in _LINE:
            self._break(False)

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.parts.append(data)

    def handle_comment(self, data: str) -> None:  # comments are not text
        return

    def unknown_decl(self, data: str) -> None:  # <![CDATA[…]]> and the like
        return


def has_invisible(text: str) -> bool:
    """True when ``text`` holds a control, bidi-override or zero-width character."""
    return bool(_INVISIBLE.search(text))


def strip_invisible(text: str) -> str:
    """``text`` without control, bidi-override and zero-width characters (for ids and one-line values)."""
    return _INVISIBLE.sub("", text)


def tidy(text: str) -> str:
    """Spaces collapsed within lines, at most one blank line between paragraphs, invisible characters
    removed, no leading or trailing blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _convert(source: str) -> str:
    source = source.replace("\x00", "")
    source = _COMMENT.sub(" ", _CODE_BLOCK.sub(" ", _CDATA.sub(r"\1", source)))
    source = _UNCLOSED.sub("&lt;", source)
    parser = _TextParser()
    parser.feed(source)
    parser.close()
    return _BREAKS.sub(lambda m: "\n\n" if _PARA_MARK in m.group(0) else "\n", "".join(parser.parts))


def html_to_text(value: str) -> str:
    """Plain text from a description that may be an HTML fragment (plain text passes through tidied).

    HTML escaped twice (``&lt;p&gt;``, common in exported feeds) is converted again; anything still
    shaped like a tag after that is removed."""
    if not value:
        return ""
    if not _LOOKS_HTML.search(value):
        return tidy(value)
    if _HAS_TAG.search(value):  # line breaks in the source are just spaces in HTML
        value = value.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    else:  # plain lines with an entity or two: the lines are kept
        value = re.sub(r"\n[^\S\n]*\n\s*", "<p>", value.replace("\r\n", "\n").replace("\r", "\n"))
        value = value.replace("\n", "<br>")
    text = tidy(_convert(value))
    if _TAG_LIKE.search(text):
        text = tidy(_convert(text.replace("\n\n", "<p>").replace("\n", "<br>")))
    return tidy(_TAG_LIKE.sub(" ", text))


_SENTENCE_END = re.compile(r"[.!?…](?=[\s\"')\]]|$)|\n")


def shorten(text: str, limit: int, note: str) -> tuple[str, bool]:
    """``text`` if it fits in ``limit`` characters; otherwise cut at the last sentence (or line) end
    that leaves room for ``note``, with the note after it, and True."""
    if len(text) <= limit:
        return text, False
    room = max(0, limit - len(note) - 3)  # the blank line before the note, and a possible '…'

    head = text[:room]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    # Cut at a sentence when one ends in the last half of the room; else at a word.
    cut = ends[-1] if ends and ends[-1] >= room // 2 else None
    if cut is None:
        space = head.rfind(" ")
        cut = space if space >= room // 2 else room
        head = head[:cut].rstrip() + "…"
    else:
        head = head[:cut].rstrip()
    return f"{head}\n\n{note}", True
