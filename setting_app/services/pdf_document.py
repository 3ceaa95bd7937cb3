"""What the app's PDFs share: A4 pages with a "Page X of Y" footer, the plain grid tables, and building
the document in memory.

The monthly summary, the subject access pack, the family summary and the agreement template each
lay out their own content; the page furniture and tables come from here so they look alike.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from setting_app import __version__

PAGE_SIZE = A4
MARGIN = 18 * mm
GRID_GREY = colors.HexColor("#808080")
HEADER_FILL = colors.HexColor("#E8E8E8")
FOOTER_TEXT = colors.HexColor("#404040")
#: Rows per table for long lists: reportlab splits many short tables far faster than one long one.
CHUNK_ROWS = 30


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int


def paragraph_text(value: object) -> str:
    """Free text for a Paragraph: escaped, line breaks kept."""
    return escape(str(value or "")).replace("\n", "<br/>")


def grid(
    rows: list[list[object]],
    widths: list[float],
    *,
    padding: float = 3,
    row_fills: dict[int, colors.Color] | None = None,
) -> Table:
    """A table with a shaded header row (repeated on each page) and a fine line under every row."""
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, GRID_GREY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    style += [("BACKGROUND", (0, r), (-1, r), fill) for r, fill in (row_fills or {}).items()]
    table.setStyle(TableStyle(style))
    return table


def chunked(
    header: list[object],
    body: list[list[object]],
    widths: list[float],
    *,
    padding: float = 3,
    row_fills: dict[int, colors.Color] | None = None,
) -> list[Flowable]:
    """A long table as consecutive tables of ``CHUNK_ROWS`` rows, each with the header.

    ``row_fills`` is keyed by the row's index in ``body``.
    """
    fills = row_fills or {}
    return [
        grid(
            [header, *body[i : i + CHUNK_ROWS]],
            widths,
            padding=padding,
            row_fills={r - i + 1: fill for r, fill in fills.items() if i <= r < i + CHUNK_ROWS},
        )
        for i in range(0, len(body), CHUNK_ROWS)
    ]


def numbered_canvas(
    footer_left: str, header_right: str = "", page_counter: list[int] | None = None, margin: float = MARGIN
) -> type:
    """A canvas that knows the page total when it saves, for 'Page X of Y' (appended to
    ``page_counter``), with ``header_right`` at the top of each page."""

    class NumberedCanvas(pdf_canvas.Canvas):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._page_states: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._page_states.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._page_states)
            if page_counter is not None:
                page_counter.append(total)
            for state in self._page_states:
                self.__dict__.update(state)
                self._draw_frame(total)
                super().showPage()
            super().save()

        def _draw_frame(self, total: int) -> None:
            width, height = PAGE_SIZE
            self.saveState()
            self.setFont("Helvetica", 7.5)
            self.setFillColor(FOOTER_TEXT)
            if header_right:
                self.drawRightString(width - margin, height - 11 * mm, header_right)
            self.setStrokeColor(GRID_GREY)
            self.setLineWidth(0.4)
            self.line(margin, 13 * mm, width - margin, 13 * mm)
            self.drawString(margin, 9 * mm, footer_left)
            self.setFont("Helvetica-Bold", 8)
            self.drawRightString(width - margin, 9 * mm, f"Page {self._pageNumber} of {total}")
            self.restoreState()

    return NumberedCanvas


def render_document(
    story: list[Flowable],
    *,
    title: str,
    author: str,
    subject: str,
    keywords: str,
    footer_left: str,
    header_right: str = "",
    margin: float = MARGIN,
    bottom_margin: float = 20 * mm,
) -> RenderedPdf:
    """Build ``story`` into an A4 PDF in memory, with its metadata and page furniture."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=bottom_margin,
        title=title,
        author=author,
        subject=subject,
        creator=f"Family Support Log {__version__}",
        keywords=keywords,
        lang="en-GB",
    )
    pages: list[int] = []
    doc.build(story, canvasmaker=numbered_canvas(footer_left, header_right, pages, margin))
    return RenderedPdf(buffer.getvalue(), pages[-1] if pages else 0)
