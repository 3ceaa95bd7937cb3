"""The data-sharing agreement template as an editable Word document (python-docx).

Real headings (Word's Heading styles, so the navigation pane lists the sections), paragraphs, bullet
lists and tables, including one signature table per party; nothing is an image. The footer carries the
same line as the PDF's, with live page-number fields.
"""

from __future__ import annotations

import dataclasses
import io
import re
from enum import Enum

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

from setting_app import __version__
from setting_app.services.agreement_template import (
    AgreementTemplate,
    Bullets,
    Grid,
    Heading,
    Para,
    SignatureBox,
)

#: Characters XML 1.0 cannot hold: python-docx refuses them, so they are dropped (older records may hold one).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

FONT = "Arial"
NOTICE_FILL = "FFF4D6"
HEADER_FILL = "E8E8E8"


def _shade(element, fill: str) -> None:
    """Give a paragraph (``w:pPr``) or a table cell (``w:tcPr``) a background colour."""
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    element.append(shading)


def _box(paragraph: DocxParagraph) -> None:
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), "6")
        edge.set(qn("w:space"), "4")
        edge.set(qn("w:color"), "B07D00")
        borders.append(edge)
    paragraph._p.get_or_add_pPr().append(borders)


def _field(paragraph: DocxParagraph, instruction: str, placeholder: str) -> None:
    """A live Word field (PAGE, NUMPAGES) that Word fills in when it lays the document out."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = placeholder
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _repeat_header_row(table: DocxTable) -> None:
    row_properties = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row_properties.append(header)


def _set_up(doc: DocxDocument, template: AgreementTemplate) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin"):
        setattr(section, side, Mm(20))
    section.bottom_margin = Mm(22)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(5)
    for name in ("Title", "Subtitle", "Heading 1", "List Bullet"):
        doc.styles[name].font.name = FONT
    props = doc.core_properties
    props.title = template.document_title
    props.author = template.author
    props.subject = "A multi-agency data-sharing agreement to complete, check and sign"
    props.keywords = "data-sharing agreement, template, UK GDPR"
    props.last_modified_by = f"setting_app {__version__}"
    props.comments = template.footer
    props.language = "en-GB"

    footer = section.footer.paragraphs[0]
    footer.text = ""
    run = footer.add_run(f"{template.footer}    Page ")
    run.font.size = Pt(8)
    _field(footer, "PAGE", "1")
    footer.add_run(" of ").font.size = Pt(8)
    _field(footer, "NUMPAGES", "1")


def _grid(doc: DocxDocument, block: Grid) -> None:
    rows = ([block.header] if block.header else []) + list(block.rows)
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            cell = table.cell(r, c)
            cell.text = text
            bold = (block.header and r == 0) or (not block.header and c == 0)
            if bold:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            if block.header and r == 0:
                _shade(cell._tc.get_or_add_tcPr(), HEADER_FILL)
    if block.header:
        _repeat_header_row(table)
    doc.add_paragraph()


def _signature(doc: DocxDocument, block: SignatureBox) -> None:
    caption = doc.add_paragraph()
    caption.add_run(block.party).bold = True
    caption.paragraph_format.keep_with_next = True
    caption.paragraph_format.space_after = Pt(2)
    table = doc.add_table(rows=len(block.rows), cols=2)
    table.style = "Table Grid"
    for r, (label, value) in enumerate(block.rows):
        row = table.rows[r]
        if r:
            row.height = Mm(9)
        row.cells[0].text = label
        row.cells[0].paragraphs[0].runs[0].bold = True
        _shade(row.cells[0]._tc.get_or_add_tcPr(), HEADER_FILL)
        row.cells[1].text = value
        row.cells[0].width, row.cells[1].width = Mm(40), Mm(130)
        # Keep one party's box on one page.
        for cell in row.cells:
            cell.paragraphs[0].paragraph_format.keep_with_next = r < len(block.rows) - 1
    doc.add_paragraph()


def _xml_safe(value):
    """``value`` (text, a tuple or a block) with every character XML cannot hold removed."""
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, tuple):
        return tuple(_xml_safe(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value, **{f.name: _xml_safe(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        )
    return value


def render_docx(template: AgreementTemplate) -> bytes:
    """The whole Word document, in memory."""
    template = _xml_safe(template)
    doc = Document()
    _set_up(doc, template)
    doc.add_heading(template.title, level=0)
    doc.add_paragraph(template.subtitle, style="Subtitle")
    for block in template.blocks:
        if isinstance(block, Heading):
            doc.add_heading(block.text, level=1)
        elif isinstance(block, Para):
            paragraph = doc.add_paragraph()
            run = paragraph.add_run(block.text)
            if block.notice:
                run.bold = True
                run.font.color.rgb = RGBColor(0x3A, 0x2A, 0x00)
                _box(paragraph)  # w:pBdr comes before w:shd in a paragraph's properties
                _shade(paragraph._p.get_or_add_pPr(), NOTICE_FILL)
        elif isinstance(block, Bullets):
            for item in block.items:
                doc.add_paragraph(item, style="List Bullet")
        elif isinstance(block, Grid):
            _grid(doc, block)
        elif isinstance(block, SignatureBox):
            _signature(doc, block)
        else:  # pragma: no cover - every block type is handled above
            raise TypeError(f"unknown block {block!r}")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
