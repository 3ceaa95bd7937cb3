"""The data-sharing agreement template drawn as a PDF (reportlab), in the monthly report's style.

Real text throughout (``pdftotext`` and screen readers read it), title metadata, and a footer on every
page with who made the template and "Page X of Y".
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from setting_app.services.agreement_template import (
    AgreementTemplate,
    Bullets,
    Grid,
    Heading,
    Para,
    SignatureBox,
)
from setting_app.services.pdf_document import GRID_GREY, HEADER_FILL, PAGE_SIZE, render_document

#: A little wider than the reports: the agreement is printed to be signed and filed.
MARGIN = 20 * mm
CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN
NOTICE_FILL = colors.HexColor("#FFF4D6")


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle(
        "Body", parent=base["BodyText"], fontName="Helvetica", fontSize=10, leading=13.5, spaceAfter=4
    )
    return {
        "title": ParagraphStyle(
            "Title",
            parent=base["Title"],
            fontName="Helvetica-Bold",
            fontSize=20,
            leading=24,
            alignment=TA_LEFT,
        ),
        "subtitle": ParagraphStyle("Subtitle", parent=body, fontSize=13, leading=16, spaceAfter=8),
        "h2": ParagraphStyle(
            "H2",
            parent=base["Heading2"],
            fontName="Helvetica-Bold",
            fontSize=13,
            leading=16,
            spaceBefore=10,
            spaceAfter=5,
        ),
        "body": body,
        "notice": ParagraphStyle(
            "Notice",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=10.5,
            leading=14,
            borderColor=colors.HexColor("#B07D00"),
            borderWidth=0.8,
            borderPadding=6,
            backColor=NOTICE_FILL,
            spaceBefore=6,
            spaceAfter=12,
        ),
        "cell": ParagraphStyle("Cell", parent=body, fontSize=9.5, leading=12, spaceAfter=0),
        "cell_bold": ParagraphStyle(
            "CellBold", parent=body, fontName="Helvetica-Bold", fontSize=9.5, leading=12, spaceAfter=0
        ),
    }


def _grid(block: Grid, st: dict[str, ParagraphStyle]) -> Table:
    columns = len(block.header or block.rows[0])
    rows: list[list[object]] = []
    if block.header:
        rows.append([Paragraph(escape(h), st["cell_bold"]) for h in block.header])
        widths = [CONTENT_WIDTH / columns] * columns
    else:
        widths = [48 * mm, CONTENT_WIDTH - 48 * mm]
    for row in block.rows:
        cells = [
            Paragraph(escape(text), st["cell_bold"] if not block.header and i == 0 else st["cell"])
            for i, text in enumerate(row)
        ]
        rows.append(cells)
    table = Table(rows, colWidths=widths, repeatRows=1 if block.header else 0, hAlign="LEFT")
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, GRID_GREY),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if block.header:
        style += [
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ]
    table.setStyle(TableStyle(style))
    return table


def _signature(block: SignatureBox, st: dict[str, ParagraphStyle]) -> Flowable:
    rows = [
        [Paragraph(escape(label), st["cell_bold"]), Paragraph(escape(value), st["cell"])]
        for label, value in block.rows
    ]
    table = Table(
        rows, colWidths=[40 * mm, CONTENT_WIDTH - 40 * mm], rowHeights=[None] + [9 * mm] * 4, hAlign="LEFT"
    )
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                ("INNERGRID", (0, 0), (-1, -1), 0.25, GRID_GREY),
                ("BACKGROUND", (0, 0), (0, -1), HEADER_FILL),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return KeepTogether([Paragraph(escape(block.party), st["cell_bold"]), Spacer(1, 2), table, Spacer(1, 8)])


def _flowables(template: AgreementTemplate) -> list[Flowable]:
    st = _styles()
    story: list[Flowable] = [
        Paragraph(escape(template.title), st["title"]),
        Paragraph(escape(template.subtitle), st["subtitle"]),
    ]
    pending_heading: Paragraph | None = None
    for block in template.blocks:
        flowable: Flowable
        if isinstance(block, Heading):
            pending_heading = Paragraph(escape(block.text), st["h2"])
            continue
        if isinstance(block, Para):
            flowable = Paragraph(escape(block.text), st["notice" if block.notice else "body"])
        elif isinstance(block, Bullets):
            items = [ListItem(Paragraph(escape(item), st["body"]), leftIndent=12) for item in block.items]
            flowable = ListFlowable(
                items, bulletType="bullet", start="\u2022", leftIndent=12, bulletFontSize=8
            )
        elif isinstance(block, Grid):
            flowable = _grid(block, st)
        elif isinstance(block, SignatureBox):
            flowable = _signature(block, st)
        else:  # pragma: no cover - every block type is handled above
            raise TypeError(f"unknown block {block!r}")
        if pending_heading is not None:
            # A heading never ends a page on its own: it stays with its first block.
            story.append(KeepTogether([pending_heading, flowable]))
            pending_heading = None
        else:
            story.append(flowable)
    return story


def render_pdf(template: AgreementTemplate) -> bytes:
    """The whole PDF, in memory."""
    return render_document(
        _flowables(template),
        title=template.document_title,
        author=template.author,
        subject="A multi-agency data-sharing agreement to complete, check and sign",
        keywords="data-sharing agreement, template, UK GDPR",
        footer_left=template.footer,
        margin=MARGIN,
        bottom_margin=22 * mm,
    ).data
