"""One page: the integration self-evaluation, its change since the one before, and the evidence notes.

The page must stay one page whatever the notes hold, so the notes are shortened (at a word, marked
"(continued in the app)") until everything fits: the full notes are always in the app. The PDF holds
real text, title and author metadata, and the rating in words as well as the number.
"""

from __future__ import annotations

import io
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from setting_app import __version__
from setting_app.domain.models import SettingDetails
from setting_app.domain.self_evaluation import SCALE, rating_text
from setting_app.services.report_pdf import (
    CONTENT_WIDTH,
    GRID_GREY,
    HEADER_FILL,
    MARGIN,
    PAGE_SIZE,
    RenderedPdf,
    _styles,
    format_day,
    setting_number_label,
)
from setting_app.services.self_evaluation import Comparison

CONTINUED = "(continued in the app)"
#: The longest each note may be, tried in turn until the page holds everything.
NOTE_LIMITS: tuple[int | None, ...] = (None, 600, 420, 300, 220, 160, 110, 70, 40, 0)


def shorten(text: str, limit: int | None) -> str:
    """``text`` cut at a word no later than ``limit`` characters, marked as continued in the app."""
    text = " ".join(text.split())
    if limit is None or len(text) <= limit:
        return text
    if limit <= 0:
        return CONTINUED
    cut = text[:limit]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return f"{cut.rstrip(' ,;:.')}\u2026 {CONTINUED}"


def pdf_title(comparison: Comparison, setting: SettingDetails) -> str:
    return f"Integration self-evaluation, {format_day(comparison.evaluation.completed_on)}: {setting.name}"


def _story(
    comparison: Comparison, setting: SettingDetails, made_at: datetime, made_by: str, limit: int | None
) -> list[Flowable]:
    st = _styles()
    evaluation, before = comparison.evaluation, comparison.previous
    la = f"{setting.la_name} ({setting.la_code})" if setting.la_name else setting.la_code
    since = (
        f"Change since the evaluation of {format_day(before.completed_on)}"
        if before
        else "This is the setting's first self-evaluation"
    )
    facts = [
        ["Setting", escape(setting.name)],
        [setting_number_label(setting.nation), escape(setting.urn)],
        ["Local authority", escape(la)],
        [
            "Completed",
            f"{format_day(evaluation.completed_on)} by {escape(evaluation.completed_by or 'unknown')}",
        ],
        ["Compared with", format_day(before.completed_on) if before else "first evaluation"],
    ]
    head = Table(
        [[Paragraph(k, st.cell_bold), Paragraph(v, st.cell)] for k, v in facts],
        colWidths=[40 * mm, CONTENT_WIDTH - 40 * mm],
        hAlign="LEFT",
    )
    head.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    rows: list[list[object]] = [
        [Paragraph(h, st.cell_bold) for h in ("Ingredient", "Rating", "Change")],
    ]
    for row in comparison.rows:
        rows.append(
            [
                Paragraph(escape(row.spec.title), st.cell),
                Paragraph(rating_text(row.rating), st.cell),
                Paragraph(escape(row.change), st.cell),
            ]
        )
    ratings = Table(rows, colWidths=[90 * mm, 40 * mm, CONTENT_WIDTH - 130 * mm], hAlign="LEFT")
    ratings.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, GRID_GREY),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    scale = "; ".join(f"{n} {words}" for n, words in SCALE.items())
    story: list[Flowable] = [
        Paragraph("Integration self-evaluation", st.title),
        Paragraph(f"{escape(setting.name)}: {format_day(evaluation.completed_on)}", st.subtitle),
        head,
        Spacer(1, 4),
        Paragraph("Ratings", st.h2),
        ratings,
        Paragraph(
            f"Scale: {scale}. {since}: \u2191 better, \u2193 lower, = the same, with the earlier rating.",
            st.small,
        ),
        Paragraph("Evidence", st.h2),
    ]
    noted = [row for row in comparison.rows if row.evidence.strip()]
    if not noted:
        story.append(Paragraph("No evidence notes were written.", st.body))
    for row in noted:
        story.append(
            Paragraph(f"<b>{escape(row.spec.title)}.</b> {escape(shorten(row.evidence, limit))}", st.body)
        )
    story += [
        Spacer(1, 6),
        Paragraph(
            "The ratings (not these notes) go to the local authority in the setting's return. "
            f"Made {format_day(made_at.date())} by {escape(made_by)} with Family Support Log {__version__}.",
            st.small,
        ),
    ]
    return story


def _render_once(
    comparison: Comparison, setting: SettingDetails, made_at: datetime, made_by: str, limit: int | None
) -> RenderedPdf:
    buffer = io.BytesIO()
    pages: list[int] = []

    def count(canvas, _doc) -> None:
        pages.append(canvas.getPageNumber())

    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=pdf_title(comparison, setting),
        author=f"{made_by}, {setting.name}",
        subject="Integration self-evaluation",
        creator=f"Family Support Log {__version__}",
        lang="en-GB",
    )
    doc.build(_story(comparison, setting, made_at, made_by, limit), onFirstPage=count, onLaterPages=count)
    return RenderedPdf(buffer.getvalue(), max(pages, default=0))


def render(
    comparison: Comparison, setting: SettingDetails, *, made_at: datetime, made_by: str
) -> RenderedPdf:
    """The PDF in memory, on one page: the notes are shortened as far as it takes."""
    rendered = None
    for limit in NOTE_LIMITS:
        rendered = _render_once(comparison, setting, made_at, made_by, limit)
        if rendered.pages == 1:
            return rendered
    assert rendered is not None
    return rendered
